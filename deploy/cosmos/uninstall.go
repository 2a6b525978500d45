package cosmos

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kennel-sdk/kennel/deploy/marathon/client"
)

// Uninstall removes the apps of a package, as Cosmos's /package/uninstall.
// The apps are those whose DCOS_PACKAGE_NAME is the package (and whose id is
// AppID, when given); none is PackageNotInstalled, several without All is
// AmbiguousAppId.
//
// An app with the DCOS_COMMONS_UNINSTALL label is a DC/OS Commons scheduler
// and is uninstalled the SDK way: its framework id is read, the app is
// restarted with SDK_UNINSTALL=true, and once that deployment is done, the
// app still asks for the uninstall and the scheduler's deploy plan answers
// 200 (it has torn the service down) for the framework whose id was read
// (or no id can be read any more), the app is deleted. Cosmos does the
// waiting in the background; Uninstall waits, checking every PollInterval,
// until done or ctx ends (then UninstallIncomplete: the scheduler goes on
// tearing down, and a later Uninstall picks up where it stopped). Another
// app is deleted with force.
func (c *Cosmos) Uninstall(ctx context.Context, req UninstallRequest) (*UninstallResponse, error) {
	apps, err := c.Marathon.Apps(ctx)
	if err != nil {
		return nil, marathonError(err)
	}
	var targets []client.App
	for _, app := range apps {
		if labels(app)[labelName] == req.PackageName && (req.AppID == "" || appID(app) == normalizeID(req.AppID)) {
			targets = append(targets, app)
		}
	}
	switch {
	case len(targets) == 0 && req.AppID != "":
		return nil, &Error{Type: "PackageNotInstalled", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Package [%s] with id [%s] is not installed", req.PackageName, normalizeID(req.AppID)),
			Data:    map[string]any{"packageName": req.PackageName, "appId": normalizeID(req.AppID)}}
	case len(targets) == 0:
		return nil, &Error{Type: "PackageNotInstalled", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Package [%s] is not installed", req.PackageName),
			Data:    map[string]any{"packageName": req.PackageName}}
	case len(targets) > 1 && !req.All:
		ids := make([]string, len(targets))
		for i, app := range targets {
			ids[i] = appID(app)
		}
		slices.Sort(ids)
		return nil, &Error{Type: "AmbiguousAppId", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Multiple apps named [%s] are installed: [%s]", req.PackageName, strings.Join(ids, ", ")),
			Data:    map[string]any{"packageName": req.PackageName, "appIds": strs(ids)}}
	}
	out := &UninstallResponse{Results: []UninstallResult{}}
	for _, app := range targets {
		l := labels(app)
		def := installedDefinition(l)
		notes, _ := def["postUninstallNotes"].(string)
		if _, sdk := l[labelSDKUninstall]; sdk {
			err = c.sdkUninstall(ctx, app)
		} else {
			_, err = c.Marathon.DeleteApp(ctx, appID(app), true)
			if err != nil && !errors.Is(err, client.ErrAppNotFound) {
				err = marathonError(err)
			} else {
				err = nil
			}
		}
		if err != nil {
			return out, err
		}
		out.Results = append(out.Results, UninstallResult{PackageName: req.PackageName, AppID: appID(app),
			PackageVersion: l["DCOS_PACKAGE_VERSION"], PostUninstallNotes: notes})
	}
	return out, nil
}

// sdkUninstall runs the DC/OS Commons uninstall of app.
func (c *Cosmos) sdkUninstall(ctx context.Context, app client.App) error {
	id := appID(app)
	frameworkIDs, err := c.Router.FrameworkIDs(ctx, id)
	if err != nil {
		frameworkIDs = nil // as Cosmos: an unreadable id is no id
	}
	// When the app already has SDK_UNINSTALL, a previous uninstall started
	// it: only the waiting is left.
	var deployment string
	if env, _ := app["env"].(map[string]any); env[envSDKUninstall] != "true" {
		update := uninstallApp(app)
		d, err := c.Marathon.UpdateApp(ctx, id, update, client.UpdateOptions{Force: true})
		if err != nil {
			if errors.Is(err, client.ErrAppNotFound) {
				return nil
			}
			return marathonError(err)
		}
		deployment = d.DeploymentID
	}
	interval := c.PollInterval
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var waitingFor string
	for {
		done, why, err := c.uninstallStep(ctx, id, deployment, frameworkIDs)
		if err != nil || done {
			return err
		}
		waitingFor = why
		select {
		case <-ctx.Done():
			return &Error{Type: "UninstallIncomplete", Status: http.StatusInternalServerError, Err: ctx.Err(),
				Message: fmt.Sprintf("the uninstall of [%s] has not finished: %s (the scheduler goes on; uninstall again to wait for it)", id, waitingFor),
				Data:    map[string]any{"appId": id, "frameworkIds": strs(frameworkIDs)}}
		case <-tick.C:
		}
	}
}

// uninstallStep checks once whether the uninstall of id can end and, if
// so, deletes the app. It returns done, or what it waits for.
func (c *Cosmos) uninstallStep(ctx context.Context, id, deployment string, frameworkIDs []string) (done bool, waitingFor string, err error) {
	if deployment != "" {
		ids, err := c.Marathon.DeploymentIDs(ctx)
		if err != nil {
			return false, fmt.Sprintf("Marathon's deployments cannot be read: %v", err), nil
		}
		if slices.Contains(ids, deployment) {
			return false, "Marathon is restarting the scheduler with SDK_UNINSTALL=true (deployment " + deployment + ")", nil
		}
	}
	app, err := c.Marathon.App(ctx, id)
	if errors.Is(err, client.ErrAppNotFound) {
		return true, "", nil // deleted by someone else
	}
	if err != nil {
		return false, fmt.Sprintf("Marathon cannot be read: %v", err), nil
	}
	if env, _ := app["env"].(map[string]any); env[envSDKUninstall] != "true" {
		return false, "", &Error{Type: "UninstallIncomplete", Status: http.StatusConflict,
			Message: fmt.Sprintf("the uninstall of [%s] stopped: its app no longer has %s=true (it was updated meanwhile)", id, envSDKUninstall),
			Data:    map[string]any{"appId": id}}
	}
	status, err := c.Router.DeployPlanStatus(ctx, id)
	switch {
	case err != nil:
		return false, fmt.Sprintf("the scheduler cannot be reached: %v", err), nil
	case status != http.StatusOK:
		return false, fmt.Sprintf("the scheduler is tearing the service down (its deploy plan answers %d)", status), nil
	}
	// As Cosmos: the framework torn down must be the one read at the start,
	// unless its id can no longer be read.
	if now, err := c.Router.FrameworkIDs(ctx, id); err == nil && len(now) > 0 && len(frameworkIDs) > 0 && !slices.Equal(now, frameworkIDs) {
		return false, fmt.Sprintf("the scheduler runs framework %v, not %v, the one being uninstalled", now, frameworkIDs), nil
	}
	if _, err := c.Marathon.DeleteApp(ctx, id, false); err != nil {
		switch {
		case errors.Is(err, client.ErrAppNotFound):
			return true, "", nil
		case errors.Is(err, client.ErrAppLocked):
			return false, "a deployment holds the app", nil
		}
		return false, "", marathonError(err)
	}
	return true, "", nil
}

// uninstallApp is the app to put for the SDK uninstall: the app as Marathon
// returned it, without uris and version (as Cosmos) and without the status
// fields Marathon adds to a GET, with env SDK_UNINSTALL=true.
func uninstallApp(app client.App) client.App {
	out := client.App{}
	for k, v := range app {
		switch k {
		case "uris", "version", "versionInfo", "tasks", "tasksRunning", "tasksStaged", "tasksHealthy",
			"tasksUnhealthy", "deployments", "lastTaskFailure", "taskStats", "readinessCheckResults":
		default:
			out[k] = v
		}
	}
	env := map[string]any{}
	if old, ok := app["env"].(map[string]any); ok {
		for k, v := range old {
			env[k] = v
		}
	}
	env[envSDKUninstall] = "true"
	out["env"] = env
	return out
}
