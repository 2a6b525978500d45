package cosmos

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/kennel-sdk/kennel/deploy/catalog"
	"github.com/kennel-sdk/kennel/deploy/marathon/client"
)

// Marathon is what Cosmos needs of Marathon's REST API; *client.Client
// satisfies it. Errors are the client's: an *client.Error unwrapping to
// client.ErrAppNotFound, ErrAppExists, ErrAppLocked or ErrInvalidApp.
type Marathon interface {
	Apps(ctx context.Context) ([]client.App, error)
	App(ctx context.Context, id string) (client.App, error)
	CreateApp(ctx context.Context, app client.App) (client.App, error)
	UpdateApp(ctx context.Context, id string, app client.App, opts client.UpdateOptions) (client.Deployment, error)
	DeleteApp(ctx context.Context, id string, force bool) (client.Deployment, error)
	DeploymentIDs(ctx context.Context) ([]string, error)
}

// AdminRouter reaches a DC/OS Commons scheduler's API the way DC/OS Admin
// Router does, at /service/<appId>/v1/...: the SDK uninstall reads its
// framework id and waits for its deploy plan.
type AdminRouter interface {
	// FrameworkIDs is GET /service/<appId>/v1/state/frameworkId: a JSON
	// array of strings.
	FrameworkIDs(ctx context.Context, appID string) ([]string, error)
	// DeployPlanStatus is the HTTP status of GET
	// /service/<appId>/v1/plans/deploy: 200 complete, 202 in progress, 417
	// errors.
	DeployPlanStatus(ctx context.Context, appID string) (int, error)
}

// The labels Cosmos reads besides catalog's DCOS_PACKAGE_*.
const (
	labelName          = catalog.LabelPackageName
	labelSDKUninstall  = "DCOS_COMMONS_UNINSTALL"
	labelSDKAPIVersion = "DCOS_COMMONS_API_VERSION"
	envSDKUninstall    = "SDK_UNINSTALL"
)

// DefaultPollInterval is how often the SDK uninstall checks on the
// scheduler: Cosmos's 10 s.
const DefaultPollInterval = 10 * time.Second

// Cosmos is Cosmos's package manager over a repository and a Marathon. Its
// operations take and return Cosmos's requests and responses, and fail with
// *Error.
type Cosmos struct {
	Repo     *Repository
	Marathon Marathon
	// Router reaches schedulers for the SDK uninstall.
	Router AdminRouter
	// Artifacts fills {{artifact-dir}} of the packages it installs; nil
	// leaves it, and a package that names it cannot be installed.
	Artifacts Artifacts
	// ClusterOptions, when set, gives the options the target cluster needs
	// for service (see LocalClusterOptions), merged over the package's
	// defaults and under the user's options on install and update, and not
	// recorded in DCOS_PACKAGE_OPTIONS. DC/OS needs none: Cosmos has no
	// such layer.
	ClusterOptions func(service string) map[string]any
	// PollInterval is the SDK uninstall's; DefaultPollInterval when 0.
	PollInterval time.Duration
}

// render renders the entry with the user's options for an install or
// update of service: options first (every error with its path), then the
// artifacts and the app. Nothing reaches Marathon from here.
func (c *Cosmos) render(ctx context.Context, e *Entry, user map[string]any, appID, service string) (*catalog.Rendered, error) {
	return c.renderFor(ctx, e, user, appID, service, true)
}

// renderFor is render; publish false locates the artifacts without
// publishing them (a dry run).
func (c *Cosmos) renderFor(ctx context.Context, e *Entry, user map[string]any, appID, service string, publish bool) (*catalog.Rendered, error) {
	pkg := *e.Package // SetArtifactDir must not touch the repository's copy
	req := catalog.Request{Options: user, Source: c.Repo.Source(), AppID: appID, ReleaseVersion: e.ReleaseVersion}
	if _, err := pkg.ResolveOptions(user); err != nil {
		return nil, optionsError(err)
	}
	if c.ClusterOptions != nil {
		req.ClusterOptions = c.ClusterOptions(service)
	}
	if pkg.NeedsArtifactDir() {
		if c.Artifacts == nil {
			return nil, artifactsError(fmt.Errorf("the package names %s in %s and no artifact directory is set", catalog.ArtifactDirVariable, catalog.ResourceFile))
		}
		locate := c.Artifacts.ArtifactDir
		if !publish {
			locate = c.Artifacts.Locate
		}
		dir, err := locate(ctx, e)
		if err != nil {
			return nil, err
		}
		pkg.SetArtifactDir(dir)
	}
	r, err := pkg.Render(req)
	if err != nil {
		return nil, optionsError(err)
	}
	return r, nil
}

// serviceName is the service an install or update is for: the app id when
// the request names one, else the options' service.name, else "".
func serviceName(defaults, user map[string]any, appID string) string {
	if appID != "" {
		return strings.Trim(appID, "/")
	}
	svc, _ := catalog.DeepMerge(defaults, user)["service"].(map[string]any)
	name, _ := svc["name"].(string)
	return strings.Trim(name, "/")
}

// optionsError turns a render's failure into Cosmos's error.
func optionsError(err error) error {
	var oe *catalog.OptionsError
	switch {
	case errors.As(err, &oe):
		list := make([]any, len(oe.Errors))
		for i, e := range oe.Errors {
			list[i] = map[string]any{"path": e.Path, "message": e.Message,
				"instance": map[string]any{"pointer": jsonPointer(e.Path)}}
		}
		return &Error{Type: "JsonSchemaMismatch", Status: http.StatusBadRequest, Err: err,
			Message: "Options JSON failed validation: " + strings.TrimPrefix(err.Error(), "invalid options "),
			Data:    map[string]any{"errors": list}}
	case errors.Is(err, catalog.ErrOptionsNotAllowed):
		return &Error{Type: "OptionsNotAllowed", Status: http.StatusBadRequest, Err: err,
			Message: "No schema available to validate the provided options"}
	}
	var ce *Error
	if errors.As(err, &ce) {
		return err
	}
	return &Error{Type: "InvalidPackage", Status: http.StatusInternalServerError, Err: err,
		Message: fmt.Sprintf("rendering the package: %v", err)}
}

// jsonPointer turns a dotted option path into a JSON pointer.
func jsonPointer(path string) string {
	if path == "" {
		return ""
	}
	return "/" + strings.ReplaceAll(path, ".", "/")
}

// marathonError turns a Marathon failure into Cosmos's error: a 4xx is
// MarathonBadResponse carrying Marathon's message and details, anything
// else MarathonBadGateway.
func marathonError(err error) error {
	var me *client.Error
	if !errors.As(err, &me) {
		return &Error{Type: "MarathonBadGateway", Status: http.StatusBadGateway, Err: err,
			Message: fmt.Sprintf("Unable to complete request due to Marathon: %v", err)}
	}
	data := map[string]any{"marathonStatus": me.Code, "marathonMessage": me.Message}
	if len(me.Details) > 0 {
		details := make([]any, len(me.Details))
		for i, d := range me.Details {
			details[i] = map[string]any{"path": d.Path, "errors": strs(d.Errors)}
		}
		data["marathonDetails"] = details
	}
	if me.Code >= 500 {
		return &Error{Type: "MarathonBadGateway", Status: http.StatusBadGateway, Err: err, Data: data,
			Message: fmt.Sprintf("Received response status code %d from Marathon: %s", me.Code, me.Message)}
	}
	return &Error{Type: "MarathonBadResponse", Status: http.StatusInternalServerError, Err: err, Data: data,
		Message: me.Error()}
}

// Install renders the package and creates its app. Everything is checked
// before Marathon is called: the package and version, the options against
// config.json, the artifacts, the rendered app; an app that exists is
// PackageAlreadyInstalled, and Marathon's refusal carries its details.
func (c *Cosmos) Install(ctx context.Context, req InstallRequest) (*InstallResponse, error) {
	e, err := c.Repo.Lookup(req.PackageName, req.PackageVersion)
	if err != nil {
		return nil, err
	}
	r, err := c.render(ctx, e, req.Options, req.AppID, serviceName(e.Package.Defaults(), req.Options, req.AppID))
	if err != nil {
		return nil, err
	}
	if _, err := c.Marathon.CreateApp(ctx, r.App); err != nil {
		if errors.Is(err, client.ErrAppExists) {
			return nil, &Error{Type: "PackageAlreadyInstalled", Status: http.StatusConflict, Err: err,
				Message: "Package is already installed"}
		}
		return nil, marathonError(err)
	}
	notes, _ := e.Package.Manifest["postInstallNotes"].(string)
	id, _ := r.App["id"].(string)
	return &InstallResponse{PackageName: e.Name(), PackageVersion: e.Version(), AppID: normalizeID(id), PostInstallNotes: notes}, nil
}

// normalizeID gives an app id Marathon's absolute form.
func normalizeID(id string) string { return "/" + strings.Trim(id, "/") }

// labels returns an app's labels as strings.
func labels(app client.App) map[string]string {
	out := map[string]string{}
	m, _ := app["labels"].(map[string]any)
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

func appID(app client.App) string {
	id, _ := app["id"].(string)
	return normalizeID(id)
}

// List lists the apps installed from packages (those with a
// DCOS_PACKAGE_NAME label), optionally only package name or app id.
func (c *Cosmos) List(ctx context.Context, req ListRequest) (*ListResponse, error) {
	apps, err := c.Marathon.Apps(ctx)
	if err != nil {
		return nil, marathonError(err)
	}
	out := &ListResponse{Packages: []Installation{}}
	for _, app := range apps {
		l := labels(app)
		name, ok := l[labelName]
		if !ok || (req.PackageName != "" && name != req.PackageName) ||
			(req.AppID != "" && normalizeID(req.AppID) != appID(app)) {
			continue
		}
		def := installedDefinition(l)
		details := map[string]any{}
		for k, v := range def {
			switch k {
			case "config", "resource", "marathon", "releaseVersion", "command":
			default:
				details[k] = v
			}
		}
		details["name"], details["version"] = name, l[catalog.LabelPackageVersion]
		info := PackageInformation{PackageDefinition: details}
		if res, ok := def["resource"].(map[string]any); ok {
			info.ResourceDefinition = res
		}
		out.Packages = append(out.Packages, Installation{AppID: appID(app), PackageInformation: info})
	}
	return out, nil
}

// installedDefinition is the package definition an app's label stores, or
// the name and version alone when the label is missing or unreadable.
func installedDefinition(l map[string]string) map[string]any {
	if s, ok := l[catalog.LabelPackageDefinition]; ok {
		if def, err := catalog.DecodeDefinitionLabel(s); err == nil {
			return def
		}
	}
	return map[string]any{"name": l[labelName], "version": l[catalog.LabelPackageVersion]}
}

// Describe returns a package version's definition (the newest without a
// version).
func (c *Cosmos) Describe(_ context.Context, req DescribeRequest) (*DescribeResponse, error) {
	e, err := c.Repo.Lookup(req.PackageName, req.PackageVersion)
	if err != nil {
		return nil, err
	}
	return &DescribeResponse{Package: e.Package.Definition(e.ReleaseVersion)}, nil
}

// ListVersions maps each version of a package to its releaseVersion.
func (c *Cosmos) ListVersions(_ context.Context, req ListVersionsRequest) (*ListVersionsResponse, error) {
	es, err := c.Repo.Versions(req.PackageName)
	if err != nil {
		return nil, err
	}
	out := &ListVersionsResponse{Results: map[string]string{}}
	for _, e := range es {
		out.Results[e.Version()] = fmt.Sprint(e.ReleaseVersion)
	}
	return out, nil
}
