package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/gogo/protobuf/jsonpb"
	"github.com/gogo/protobuf/proto"

	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/scheduler"
)

func (h *handler) podRoutes(r chi.Router) {
	r.Get("/v1/pod", h.podNames)
	r.Get("/v1/pod/status", h.podsStatus)
	r.Get("/v1/pod/{name}/status", h.podStatus)
	r.Get("/v1/pod/{name}/info", h.podInfo)
	r.Post("/v1/pod/{name}/restart", h.pod(h.s.PodRestart))
	r.Post("/v1/pod/{name}/replace", h.pod(h.s.PodReplace))
	r.Post("/v1/pod/{name}/pause", h.podTasks(h.s.PodPause))
	r.Post("/v1/pod/{name}/resume", h.podTasks(h.s.PodResume))
}

// displayStatus follows DC/OS Commons' PodQueries.
func displayStatus(t scheduler.TaskView) string {
	state := ""
	if t.Status != nil {
		state = strings.TrimPrefix(t.Status.GetState().String(), "TASK_")
	}
	running := state == "RUNNING"
	switch {
	case t.Goal == scheduler.GoalPaused && t.PausedLaunch && running:
		return "PAUSED"
	case t.Goal == scheduler.GoalPaused:
		return "PAUSING"
	case t.Goal == scheduler.GoalDecommissioned && t.Live:
		return "DECOMMISSIONING"
	case t.Goal == scheduler.GoalDecommissioned:
		return "DECOMMISSIONED"
	case t.PausedLaunch && state != "":
		return "STARTING"
	}
	return state
}

// podsStatus groups tasks (sorted by name) into pod types and instances.
func podsStatus(service string, tasks []scheduler.TaskView) wire.PodsStatus {
	out := wire.PodsStatus{Service: service, Pods: []wire.PodStatus{}}
	types := map[string]map[string][]wire.TaskStatus{}
	for _, t := range tasks {
		if types[t.PodType] == nil {
			types[t.PodType] = map[string][]wire.TaskStatus{}
		}
		types[t.PodType][t.Instance] = append(types[t.PodType][t.Instance],
			wire.TaskStatus{ID: t.Info.TaskID.Value, Name: t.Name, Status: displayStatus(t)})
	}
	for _, pt := range slices.Sorted(maps.Keys(types)) {
		ps := wire.PodStatus{Name: pt, Instances: []wire.InstanceStatus{}}
		for _, inst := range slices.Sorted(maps.Keys(types[pt])) {
			ps.Instances = append(ps.Instances, wire.InstanceStatus{Name: inst, Tasks: types[pt][inst]})
		}
		out.Pods = append(out.Pods, ps)
	}
	return out
}

func (h *handler) tasks(w http.ResponseWriter, r *http.Request) ([]scheduler.TaskView, bool) {
	tasks, err := h.s.Tasks(r.Context())
	if err != nil {
		internal(w, err)
		return nil, false
	}
	return tasks, true
}

func (h *handler) podNames(w http.ResponseWriter, r *http.Request) {
	tasks, ok := h.tasks(w, r)
	if !ok {
		return
	}
	seen := map[string]bool{}
	names := []string{}
	for _, t := range tasks {
		if !seen[t.Instance] {
			seen[t.Instance] = true
			names = append(names, t.Instance)
		}
	}
	sort.Strings(names)
	writeJSON(w, http.StatusOK, names)
}

func (h *handler) podsStatus(w http.ResponseWriter, r *http.Request) {
	if tasks, ok := h.tasks(w, r); ok {
		writeJSON(w, http.StatusOK, podsStatus(h.opts.Service, tasks))
	}
}

// instanceTasks are the tasks of the instance the request names, or a 404.
func (h *handler) instanceTasks(w http.ResponseWriter, r *http.Request) ([]scheduler.TaskView, bool) {
	name := chi.URLParam(r, "name")
	tasks, ok := h.tasks(w, r)
	if !ok {
		return nil, false
	}
	var out []scheduler.TaskView
	for _, t := range tasks {
		if t.Instance == name {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		text(w, http.StatusNotFound, "Pod "+name+" not found")
		return nil, false
	}
	return out, true
}

func (h *handler) podStatus(w http.ResponseWriter, r *http.Request) {
	tasks, ok := h.instanceTasks(w, r)
	if !ok {
		return
	}
	st := podsStatus(h.opts.Service, tasks)
	writeJSON(w, http.StatusOK, st.Pods[0].Instances[0])
}

// podInfo is GET /v1/pod/{name}/info: [{"info": TaskInfo, "status":
// TaskStatus or null}], the protobufs in protobuf's JSON mapping
// (lowerCamelCase fields, enums by name), as DC/OS Commons' Jackson
// protobuf module writes them.
func (h *handler) podInfo(w http.ResponseWriter, r *http.Request) {
	tasks, ok := h.instanceTasks(w, r)
	if !ok {
		return
	}
	type entry struct {
		Info   json.RawMessage `json:"info"`
		Status json.RawMessage `json:"status"`
	}
	out := make([]entry, 0, len(tasks))
	for _, t := range tasks {
		e := entry{Status: json.RawMessage("null")}
		var err error
		if e.Info, err = protoJSON(redactSecrets(t.Info)); err == nil && t.Status != nil {
			e.Status, err = protoJSON(t.Status)
		}
		if err != nil {
			internal(w, err)
			return
		}
		out = append(out, e)
	}
	writeJSON(w, http.StatusOK, out)
}

func protoJSON(m proto.Message) (json.RawMessage, error) {
	var b bytes.Buffer
	if err := (&jsonpb.Marshaler{}).Marshal(&b, m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (h *handler) pod(action func(context.Context, string) ([]string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := chi.URLParam(r, "name")
		tasks, err := action(r.Context(), name)
		switch {
		case errors.Is(err, ErrNotFound), errors.Is(err, scheduler.ErrUnknownPod), errors.Is(err, scheduler.ErrUnknownTask):
			text(w, http.StatusNotFound, notFoundMessage(name, err))
		case err != nil:
			internal(w, err)
		default:
			if tasks == nil {
				tasks = []string{}
			}
			writeJSON(w, http.StatusOK, map[string]any{"pod": name, "tasks": tasks})
		}
	}
}

// notFoundMessage says what was not found: the pod, or one of its tasks.
func notFoundMessage(pod string, err error) string {
	const unknown = "unknown task "
	if msg := err.Error(); errors.Is(err, scheduler.ErrUnknownTask) && strings.Contains(msg, unknown) {
		return "Task " + msg[strings.Index(msg, unknown)+len(unknown):] + " not found" // "Task x in hello-0 not found"
	}
	return "Pod " + pod + " not found"
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
			text(w, http.StatusBadRequest, "Failed to parse task names: the body must be a JSON array of task names")
			return
		}
		h.pod(func(ctx context.Context, pod string) ([]string, error) { return action(ctx, pod, names) })(w, r)
	}
}
