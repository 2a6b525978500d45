package cosmos

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/kennel-sdk/kennel/deploy/catalog"
	"github.com/kennel-sdk/kennel/deploy/marathon/client"
)

// installed is what an app's labels say of the package it was installed
// from.
type installed struct {
	app        client.App
	id         string
	name       string
	version    string
	definition map[string]any
	// options are the stored user options; nil when the app has no
	// DCOS_PACKAGE_OPTIONS label.
	options map[string]any
}

// service reads the app id and the package it runs.
func (c *Cosmos) service(ctx context.Context, id string) (*installed, error) {
	app, err := c.Marathon.App(ctx, id)
	if errors.Is(err, client.ErrAppNotFound) {
		return nil, appNotFound(normalizeID(id), err)
	}
	if err != nil {
		return nil, marathonError(err)
	}
	l := labels(app)
	name, ok := l[labelName]
	if !ok {
		return nil, notInstalledByCosmos(normalizeID(id))
	}
	s := &installed{app: app, id: appID(app), name: name, version: l[catalog.LabelPackageVersion], definition: installedDefinition(l)}
	if raw, ok := l[catalog.LabelPackageOptions]; ok {
		if s.options, err = catalog.DecodeOptionsLabel(raw); err != nil {
			return nil, &Error{Type: "InvalidPackage", Status: http.StatusInternalServerError, Err: err,
				Message: fmt.Sprintf("the service [%s]: %v", s.id, err)}
		}
	}
	return s, nil
}

// ServiceDescribe describes an installed service as Cosmos's
// /service/describe: its package, the repository versions it may move to,
// and its options. resolvedOptions are the installed package's defaults
// merged with the cluster's options and the stored user options.
func (c *Cosmos) ServiceDescribe(ctx context.Context, req ServiceDescribeRequest) (*ServiceDescribeResponse, error) {
	s, err := c.service(ctx, req.AppID)
	if err != nil {
		return nil, err
	}
	up, down, err := c.moves(s)
	if err != nil {
		return nil, err
	}
	resolved := catalog.DeepMerge(definitionDefaults(s.definition), c.clusterOptions(s))
	resolved = catalog.DeepMerge(resolved, s.options)
	user := s.options
	if user == nil {
		user = map[string]any{}
	}
	return &ServiceDescribeResponse{Package: s.definition, UpgradesTo: up, DowngradesTo: down,
		ResolvedOptions: resolved, UserProvidedOptions: user}, nil
}

func (c *Cosmos) clusterOptions(s *installed) map[string]any {
	if c.ClusterOptions == nil {
		return nil
	}
	return c.ClusterOptions(s.id[1:])
}

// definitionDefaults are the defaults of a stored package definition's
// config.
func definitionDefaults(def map[string]any) map[string]any {
	cfg, _ := def["config"].(map[string]any)
	return (&catalog.Package{Config: cfg}).Defaults()
}

// moves returns the versions of the repository a service may be updated
// to: upgradesTo and downgradesTo. A package the repository lacks has none.
func (c *Cosmos) moves(s *installed) (up, down []string, err error) {
	versions, err := c.Repo.Versions(s.name)
	if errors.Is(err, ErrPackageNotFound) {
		return []string{}, []string{}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	up, down = UpgradesTo(versions, s.version), DowngradesTo(versions, s.definition)
	if up == nil {
		up = []string{}
	}
	if down == nil {
		down = []string{}
	}
	return up, down, nil
}

// Update changes an installed service's options or package version as
// Cosmos's /service/update: the options are the stored ones deep-merged
// with the given ones (the given ones alone with Replace; OptionsNotStored
// when nothing is stored), rendered over the target version's defaults; an
// id that changes is AppIdChanged; the app is then replaced whole
// (PUT ?force=true&partialUpdate=false, cancelling a running deployment).
//
// Unlike open-source Cosmos, which refuses any version change, a version
// in the service's upgradesTo or downgradesTo is accepted; another is
// BadVersionUpdate, listing the valid ones.
func (c *Cosmos) Update(ctx context.Context, req ServiceUpdateRequest) (*ServiceUpdateResponse, error) {
	p, err := c.planUpdate(ctx, req, true)
	if err != nil {
		return nil, err
	}
	d, err := c.Marathon.UpdateApp(ctx, p.AppID, p.Update, client.UpdateOptions{Force: true, Replace: true})
	if err != nil {
		if errors.Is(err, client.ErrAppNotFound) {
			return nil, appNotFound(p.AppID, err)
		}
		return nil, marathonError(err)
	}
	return &ServiceUpdateResponse{Package: p.Package, ResolvedOptions: p.ResolvedOptions,
		MarathonDeploymentID: d.DeploymentID}, nil
}

// UpdatePlan is what an update would do, computed as Update computes it
// but without changing anything.
type UpdatePlan struct {
	// AppID is the service's app id, absolute.
	AppID string
	// Installed is the app as Marathon has it (GET /v2/apps/<id>).
	Installed client.App
	// Update is the app Update would PUT in its place.
	Update client.App
	// Package is the target version's definition; ResolvedOptions the
	// options the app is rendered with.
	Package         map[string]any
	ResolvedOptions map[string]any
	// SpecDir is the target version's service directory (svc.yml and
	// what it needs), the files of its spec archive but for SkipDir
	// (when not "").
	SpecDir, SkipDir string
	// InstalledSpecDir is the installed version's service directory when
	// the update changes the package version and the repository still
	// holds the installed one; "" otherwise (SpecDir is then the
	// installed spec's too, or unknown).
	InstalledSpecDir string
}

// PlanUpdate computes what Update would do with req — the same checks,
// errors and rendering, on the same code path — without calling Marathon
// to change anything and without publishing artifacts: the app's
// artifact URIs are those Update would publish to.
func (c *Cosmos) PlanUpdate(ctx context.Context, req ServiceUpdateRequest) (*UpdatePlan, error) {
	return c.planUpdate(ctx, req, false)
}

// planUpdate is Update up to the PUT; publish says whether the artifacts
// are published.
func (c *Cosmos) planUpdate(ctx context.Context, req ServiceUpdateRequest, publish bool) (*UpdatePlan, error) {
	s, err := c.service(ctx, req.AppID)
	if err != nil {
		return nil, err
	}
	version := req.PackageVersion
	if version == "" {
		version = s.version
	}
	if version != s.version {
		up, down, err := c.moves(s)
		if err != nil {
			return nil, err
		}
		valid := append(slices.Clone(up), down...)
		if !slices.Contains(valid, version) {
			return nil, &Error{Type: "BadVersionUpdate", Status: http.StatusBadRequest,
				Message: fmt.Sprintf("Version [%s] is not a valid update of package [%s] %s; valid versions are: %s",
					version, s.name, s.version, listOrNone(valid)),
				Data: map[string]any{"currentVersion": s.version, "updateVersion": version, "validVersions": strs(valid)}}
		}
	}
	e, err := c.Repo.Lookup(s.name, version)
	if err != nil {
		return nil, err
	}
	var opts map[string]any
	switch {
	case req.Replace:
		opts = req.Options
		if opts == nil {
			opts = map[string]any{}
		}
	case s.options == nil:
		return nil, &Error{Type: "OptionsNotStored", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("The options of service [%s] are not stored: update it with replace", s.id),
			Data:    map[string]any{"appId": s.id}}
	default:
		opts = catalog.DeepMerge(s.options, req.Options)
	}
	r, err := c.renderFor(ctx, e, opts, "", s.id, publish)
	if err != nil {
		return nil, err
	}
	if newID := appID(r.App); newID != s.id {
		return nil, &Error{Type: "AppIdChanged", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("The new application id [%s] differs from the old one [%s]: service.name cannot change", newID, s.id),
			Data:    map[string]any{"newAppId": newID, "oldAppId": s.id}}
	}
	p := &UpdatePlan{AppID: s.id, Installed: s.app, Update: r.App, Package: e.Package.Definition(e.ReleaseVersion),
		ResolvedOptions: r.Options, SpecDir: e.SpecDir, SkipDir: e.SkipDir}
	if version != s.version {
		if old, err := c.Repo.Lookup(s.name, s.version); err == nil {
			p.InstalledSpecDir = old.SpecDir
		}
	}
	return p, nil
}
