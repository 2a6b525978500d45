// Package adminrouter is DC/OS Admin Router's service routing: it serves
// /service/<name>/<path> by proxying to the scheduler of the Marathon app
// labelled DCOS_SERVICE_NAME=<name>, as Admin Router does on a DC/OS master
// (dcos/dcos packages/adminrouter/extra/src: README "Recommended way to
// expose services", lib/cache.lua, lib/service.lua, includes/server/master.conf;
// reference/catalog-marathon.md §2.2).
//
// What it models: the routing table Admin Router builds from Marathon's
// apps (the three labels, the first TASK_RUNNING task, the host port at
// DCOS_SERVICE_PORT_INDEX), the shortest-first resolution of names with
// slashes, prefix stripping and DCOS_SERVICE_REWRITE_REQUEST_URLS,
// DCOS_SERVICE_REQUEST_BUFFERING, the Location rewriting of proxy_redirect,
// the forwarding headers, unbuffered responses, and Admin Router's error
// answers. What it leaves out: the fallback to a Mesos framework's
// webui_url (and Mesos-DNS) for names no Marathon app carries, container
// networks (routing to a task's own IP address or a container port),
// websocket upgrades, and authorization.
package adminrouter

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// The labels Admin Router reads on a Marathon app.
const (
	LabelName              = "DCOS_SERVICE_NAME"
	LabelPortIndex         = "DCOS_SERVICE_PORT_INDEX"
	LabelScheme            = "DCOS_SERVICE_SCHEME"
	LabelRewriteRequestURL = "DCOS_SERVICE_REWRITE_REQUEST_URLS"
	LabelRequestBuffering  = "DCOS_SERVICE_REQUEST_BUFFERING"
)

// TaskRunning is the Mesos task state of a task Admin Router routes to.
const TaskRunning = "TASK_RUNNING"

// App is what Admin Router reads of a Marathon app.
type App struct {
	// ID is the app's Marathon id, e.g. /dev/kafka.
	ID string
	// Labels are the app's labels.
	Labels map[string]string
	// Tasks are the app's tasks, in Marathon's order.
	Tasks []Task
}

// Task is what Admin Router reads of a Marathon task.
type Task struct {
	ID string
	// State is the Mesos task state Marathon reports, e.g. TASK_RUNNING.
	State string
	// Host is the agent's host name or address.
	Host string
	// Ports are the host ports Mesos assigned, in the app's port order.
	Ports []int
}

// Apps lists Marathon's apps with their tasks. Implementations may return
// only the apps that carry the DCOS_SERVICE_NAME label; the others are
// never routed to.
type Apps interface {
	Apps(ctx context.Context) ([]App, error)
}

// Route is where a service name leads.
type Route struct {
	// Name is the service name in its normal form: its non-empty
	// slash-separated segments joined by "/" (the label "/dev/kafka" is
	// "dev/kafka").
	Name string
	// AppID is the app the route came from.
	AppID string
	// Upstream is <scheme>://<task host>:<port>.
	Upstream *url.URL
	// RewriteRequestURL strips /service/<name> from the request's path;
	// false only when the app's DCOS_SERVICE_REWRITE_REQUEST_URLS is "false".
	RewriteRequestURL bool
	// RequestBuffering reads a request's whole body before proxying it;
	// false only when the app's DCOS_SERVICE_REQUEST_BUFFERING is "false".
	RequestBuffering bool
}

// Skipped is an app that carries DCOS_SERVICE_NAME but gives no route, and
// why: Admin Router skips such apps, so their name is "not found".
type Skipped struct {
	AppID, Reason string
}

// Table builds the routing table from apps as Admin Router's cache does:
// an app is routed only if DCOS_SERVICE_NAME, DCOS_SERVICE_SCHEME and
// DCOS_SERVICE_PORT_INDEX are all set, the index is a number within the
// ports of its first TASK_RUNNING task, and that task has a host. Kennel
// also requires the scheme to be http or https, which is all Admin Router
// can proxy to. Of two apps with one name, the later one wins, as in
// Admin Router. Apps without DCOS_SERVICE_NAME are ignored; the others
// that give no route are returned in skipped.
func Table(apps []App) (routes map[string]Route, skipped []Skipped) {
	routes = map[string]Route{}
	for _, app := range apps {
		name, ok := app.Labels[LabelName]
		if !ok {
			continue
		}
		r, err := route(app, name)
		if err != nil {
			skipped = append(skipped, Skipped{AppID: app.ID, Reason: err.Error()})
			continue
		}
		routes[r.Name] = r
	}
	return routes, skipped
}

// route is the route of app, named name, or why it has none.
func route(app App, name string) (Route, error) {
	norm := strings.Join(segments(name), "/")
	if norm == "" {
		return Route{}, fmt.Errorf("%s %q is not a service name", LabelName, name)
	}
	scheme, ok := app.Labels[LabelScheme]
	if !ok {
		return Route{}, fmt.Errorf("no %s label", LabelScheme)
	}
	if scheme != "http" && scheme != "https" {
		return Route{}, fmt.Errorf("%s %q is neither http nor https", LabelScheme, scheme)
	}
	rawIndex, ok := app.Labels[LabelPortIndex]
	if !ok {
		return Route{}, fmt.Errorf("no %s label", LabelPortIndex)
	}
	index, err := strconv.Atoi(strings.TrimSpace(rawIndex))
	if err != nil {
		return Route{}, fmt.Errorf("%s %q is not a number", LabelPortIndex, rawIndex)
	}
	var task *Task
	for i := range app.Tasks {
		if app.Tasks[i].State == TaskRunning {
			task = &app.Tasks[i]
			break
		}
	}
	switch {
	case task == nil:
		return Route{}, fmt.Errorf("no task in state %s", TaskRunning)
	case task.Host == "":
		return Route{}, fmt.Errorf("task %s has no host", task.ID)
	case index < 0 || index >= len(task.Ports):
		return Route{}, fmt.Errorf("task %s has no port at %s %d (it has %d)", task.ID, LabelPortIndex, index, len(task.Ports))
	}
	return Route{
		Name:              norm,
		AppID:             app.ID,
		Upstream:          &url.URL{Scheme: scheme, Host: hostPort(task.Host, task.Ports[index])},
		RewriteRequestURL: app.Labels[LabelRewriteRequestURL] != "false",
		RequestBuffering:  app.Labels[LabelRequestBuffering] != "false",
	}, nil
}

// hostPort joins host and port, bracketing an IPv6 address.
func hostPort(host string, port int) string {
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(port)
}

// segments are the non-empty "/"-separated parts of p, as Admin Router
// splits service names and paths.
func segments(p string) []string {
	var out []string
	for s := range strings.SplitSeq(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
