package cosmos

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/kennel-sdk/kennel/deploy/marathon/client"
)

// fakeMarathon is an in-memory Marathon of the Marathon interface: apps by
// id, deployments that finish after doneAfter reads of the list, and the
// calls made, as "METHOD id [flags]".
type fakeMarathon struct {
	mu          sync.Mutex
	apps        map[string]client.App
	deployments map[string]int // id → reads of the list left
	doneAfter   int
	calls       []string
	next        int
	// createErr, when set, is what CreateApp answers.
	createErr error
}

func newFakeMarathon(apps ...client.App) *fakeMarathon {
	f := &fakeMarathon{apps: map[string]client.App{}, deployments: map[string]int{}}
	for _, a := range apps {
		f.apps[appID(a)] = a
	}
	return f
}

func (f *fakeMarathon) record(format string, args ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fakeMarathon) deploy() string {
	f.next++
	id := fmt.Sprintf("deployment-%d", f.next)
	f.deployments[id] = f.doneAfter
	return id
}

// copyApp round-trips an app through JSON, as Marathon stores it.
func copyApp(app client.App) client.App {
	b, err := json.Marshal(app)
	if err != nil {
		panic(err)
	}
	var out client.App
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		panic(err)
	}
	return out
}

func notFound(method, id string) error {
	return &client.Error{Method: method, Path: "/v2/apps/" + strings.TrimLeft(id, "/"), Code: 404, Message: fmt.Sprintf("App '%s' does not exist", id)}
}

func (f *fakeMarathon) Apps(context.Context) ([]client.App, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []client.App
	for _, id := range slices.Sorted(maps.Keys(f.apps)) {
		out = append(out, copyApp(f.apps[id]))
	}
	return out, nil
}

func (f *fakeMarathon) App(_ context.Context, id string) (client.App, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	app, ok := f.apps[normalizeID(id)]
	if !ok {
		return nil, fmt.Errorf("wrapped: %w", notFound("GET", normalizeID(id)))
	}
	out := copyApp(app)
	out["version"] = "2026-01-01T00:00:00.000Z"
	out["tasksRunning"] = 1
	return out, nil
}

func (f *fakeMarathon) CreateApp(_ context.Context, app client.App) (client.App, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := appID(app)
	f.record("POST %s", id)
	if f.createErr != nil {
		return nil, f.createErr
	}
	if _, ok := f.apps[id]; ok {
		return nil, &client.Error{Method: "POST", Path: "/v2/apps", Code: http.StatusConflict,
			Message: "An app with id [" + id + "] already exists."}
	}
	app = copyApp(app)
	app["id"] = id
	f.apps[id] = app
	f.deploy()
	return copyApp(app), nil
}

func (f *fakeMarathon) UpdateApp(_ context.Context, id string, app client.App, opts client.UpdateOptions) (client.Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id = normalizeID(id)
	f.record("PUT %s force=%t replace=%t", id, opts.Force, opts.Replace)
	old, ok := f.apps[id]
	if !ok && opts.Replace {
		return client.Deployment{}, notFound("PUT", id)
	}
	app = copyApp(app)
	if !opts.Replace {
		merged := copyApp(old)
		maps.Copy(merged, app)
		app = merged
	}
	app["id"] = id
	f.apps[id] = app
	return client.Deployment{DeploymentID: f.deploy(), Version: "v"}, nil
}

func (f *fakeMarathon) DeleteApp(_ context.Context, id string, force bool) (client.Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id = normalizeID(id)
	f.record("DELETE %s force=%t", id, force)
	if _, ok := f.apps[id]; !ok {
		return client.Deployment{}, notFound("DELETE", id)
	}
	delete(f.apps, id)
	return client.Deployment{DeploymentID: f.deploy(), Version: "v"}, nil
}

func (f *fakeMarathon) DeploymentIDs(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, id := range slices.Sorted(maps.Keys(f.deployments)) {
		if f.deployments[id] <= 0 {
			delete(f.deployments, id)
			continue
		}
		f.deployments[id]--
		out = append(out, id)
	}
	return out, nil
}

// writes are the calls that change something.
func (f *fakeMarathon) writes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// fakeRouter is a scheduler behind Admin Router: its framework id, and the
// deploy plan's statuses, one per read (the last one repeats).
type fakeRouter struct {
	mu  sync.Mutex
	ids []string
	// later, when set, are the framework ids read after the first time.
	later    []string
	idReads  int
	statuses []int
	reads    int
}

func (r *fakeRouter) FrameworkIDs(context.Context, string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.idReads++
	ids := r.ids
	if r.idReads > 1 && r.later != nil {
		ids = r.later
	}
	if ids == nil {
		return nil, fmt.Errorf("404 Not Found")
	}
	return ids, nil
}

func (r *fakeRouter) DeployPlanStatus(context.Context, string) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads++
	if len(r.statuses) == 0 {
		return 0, fmt.Errorf("connection refused")
	}
	s := r.statuses[0]
	if len(r.statuses) > 1 {
		r.statuses = r.statuses[1:]
	}
	return s, nil
}
