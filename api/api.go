// Package api is the scheduler's HTTP API, wire-compatible with DC/OS
// Commons' scheduler API v1 (reference/dcos-commons.md §4): the same paths,
// status codes and JSON shapes, served at /v1/... and at
// /service/<name>/v1/.... It holds no scheduler state of its own: every
// request goes through Scheduler.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/kennel-sdk/kennel/plans"
)

// Scheduler is what the API needs of a running scheduler. Methods are safe
// for concurrent use; ctx is the request's.
type Scheduler interface {
	// PlanNames lists the plans.
	PlanNames(ctx context.Context) ([]string, error)
	// Plan returns a plan; found is false for an unknown plan.
	Plan(ctx context.Context, name string) (info plans.PlanInfo, found bool, err error)
	// PodRestart and PodReplace act on a pod instance and return its
	// task names; ErrNotFound if it has none.
	PodRestart(ctx context.Context, instance string) ([]string, error)
	PodReplace(ctx context.Context, instance string) ([]string, error)
	// PodPause and PodResume act on the named tasks of an instance (all
	// if none); ErrNotFound for an unknown instance or task.
	PodPause(ctx context.Context, instance string, tasks []string) ([]string, error)
	PodResume(ctx context.Context, instance string, tasks []string) ([]string, error)
	// Template returns a config template of a stored configuration.
	Template(ctx context.Context, config, pod, task, name string) ([]byte, bool, error)
}

// ErrNotFound is what Scheduler methods wrap for an unknown pod instance.
var ErrNotFound = errors.New("not found")

// Options configure the handler.
type Options struct {
	// Service is the service name, for the /service/<name> prefix.
	Service string
	// Binary is the kennel executable served at /v1/artifacts/kennel for
	// tasks that render config templates.
	Binary string
}

// Handler serves the API.
func Handler(s Scheduler, opts Options) http.Handler {
	mux := http.NewServeMux()
	h := &handler{s: s, opts: opts}
	mux.HandleFunc("GET /v1/plans", h.planNames)
	mux.HandleFunc("GET /v1/plans/{plan}", h.plan)
	mux.HandleFunc("POST /v1/pod/{name}/restart", h.pod(s.PodRestart))
	mux.HandleFunc("POST /v1/pod/{name}/replace", h.pod(s.PodReplace))
	mux.HandleFunc("POST /v1/pod/{name}/pause", h.podTasks(s.PodPause))
	mux.HandleFunc("POST /v1/pod/{name}/resume", h.podTasks(s.PodResume))
	mux.HandleFunc("GET /v1/artifacts/template/{config}/{pod}/{task}/{name}", h.template)
	mux.HandleFunc("GET /v1/artifacts/kennel", h.binary)
	prefix := "/service/" + strings.Trim(opts.Service, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, prefix); ok && strings.HasPrefix(rest, "/v1/") {
			r = r.Clone(r.Context())
			r.URL.Path = rest
		}
		mux.ServeHTTP(w, r)
	})
}

type handler struct {
	s    Scheduler
	opts Options
}

func (h *handler) planNames(w http.ResponseWriter, r *http.Request) {
	names, err := h.s.PlanNames(r.Context())
	if err != nil {
		internal(w, err)
		return
	}
	writeJSON(w, http.StatusOK, names)
}

// plan is GET /v1/plans/{plan}: 200 when COMPLETE, 202 while not, 417
// with errors, 404 for an unknown plan.
func (h *handler) plan(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("plan")
	info, found, err := h.s.Plan(r.Context(), name)
	switch {
	case err != nil:
		internal(w, err)
	case !found:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Plan " + name + " not found"})
	case len(info.Errors) > 0:
		writeJSON(w, http.StatusExpectationFailed, info)
	case info.Status == plans.Complete:
		writeJSON(w, http.StatusOK, info)
	default:
		writeJSON(w, http.StatusAccepted, info)
	}
}

func (h *handler) pod(action func(context.Context, string) ([]string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		tasks, err := action(r.Context(), name)
		switch {
		case errors.Is(err, ErrNotFound):
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "Pod " + name + " not found"})
		case err != nil:
			internal(w, err)
		default:
			writeJSON(w, http.StatusOK, map[string]any{"pod": name, "tasks": tasks})
		}
	}
}

// podTasks handles pause and resume: an optional JSON array of task names
// ("server" or "hello-0-server") in the body.
func (h *handler) podTasks(action func(context.Context, string, []string) ([]string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var names []string
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err == nil && len(bytes.TrimSpace(body)) > 0 {
			err = json.Unmarshal(body, &names)
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Failed to parse task names: " + err.Error()})
			return
		}
		h.pod(func(ctx context.Context, pod string) ([]string, error) { return action(ctx, pod, names) })(w, r)
	}
}

func (h *handler) template(w http.ResponseWriter, r *http.Request) {
	data, found, err := h.s.Template(r.Context(), r.PathValue("config"), r.PathValue("pod"), r.PathValue("task"), r.PathValue("name"))
	switch {
	case err != nil:
		internal(w, err)
	case !found:
		http.NotFound(w, r)
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(data)
	}
}

func (h *handler) binary(w http.ResponseWriter, r *http.Request) {
	f, err := os.Open(h.opts.Binary)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		internal(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, "kennel", info.ModTime(), f)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// internal is DC/OS Commons' 500: an empty body (the error is the
// runtime's to log).
func internal(w http.ResponseWriter, _ error) { w.WriteHeader(http.StatusInternalServerError) }
