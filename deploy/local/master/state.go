package master

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// State is the subset of Mesos's GET /master/state document the local
// cluster fills in, with Mesos's field names.
type State struct {
	ID         string           `json:"id"`
	Hostname   string           `json:"hostname"`
	Version    string           `json:"version"`
	Frameworks []FrameworkState `json:"frameworks"`
	Slaves     []AgentState     `json:"slaves"`
	// UnreachableSlaves and GoneSlaves are Kennel additions naming the
	// agents Mesos lists only in its registry.
	UnreachableSlaves []string `json:"unreachable_slaves"`
	GoneSlaves        []string `json:"gone_slaves"`
}

// FrameworkState is one framework in State.
type FrameworkState struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Role      string      `json:"role"`
	Active    bool        `json:"active"`
	Connected bool        `json:"connected"`
	Tasks     []TaskState `json:"tasks"`
	// CompletedTasks are the latest tasks whose terminal update the
	// framework acknowledged, oldest first.
	CompletedTasks []TaskState `json:"completed_tasks"`
}

// TaskState is one task in FrameworkState.
type TaskState struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	FrameworkID string         `json:"framework_id"`
	ExecutorID  string         `json:"executor_id"`
	SlaveID     string         `json:"slave_id"`
	State       string         `json:"state"`
	Resources   map[string]any `json:"resources"`
}

// AgentState is one agent in State.
type AgentState struct {
	ID            string            `json:"id"`
	Hostname      string            `json:"hostname"`
	Port          int32             `json:"port"`
	Active        bool              `json:"active"`
	Attributes    map[string]string `json:"attributes"`
	Domain        *mesos.DomainInfo `json:"domain,omitempty"`
	Resources     map[string]any    `json:"resources"`
	UsedResources map[string]any    `json:"used_resources"`
	// ReservedResourcesFull lists reservations and volumes, as Mesos does.
	ReservedResourcesFull []mesos.Resource `json:"reserved_resources_full"`
}

// State returns a snapshot of the master's view of the cluster, frameworks
// and agents sorted by id.
func (m *Master) State() State {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := State{ID: m.cfg.ID, Hostname: m.cfg.Hostname, Version: "1.11.0",
		Frameworks: []FrameworkState{}, Slaves: []AgentState{}, UnreachableSlaves: []string{}, GoneSlaves: []string{}}
	for _, f := range m.sortedFrameworks() {
		fs := FrameworkState{ID: f.id, Name: f.info.Name, Role: f.role, Active: f.sub != nil,
			Connected: f.sub != nil, Tasks: []TaskState{}, CompletedTasks: append([]TaskState{}, f.completed...)}
		ids := make([]string, 0, len(f.tasks))
		for id := range f.tasks {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			fs.Tasks = append(fs.Tasks, f.tasks[id].stateOf(f.id, id))
		}
		s.Frameworks = append(s.Frameworks, fs)
	}
	for _, a := range m.sortedAgents() {
		switch a.state {
		case agentUnreachable:
			s.UnreachableSlaves = append(s.UnreachableSlaves, a.id)
			continue
		case agentGone:
			s.GoneSlaves = append(s.GoneSlaves, a.id)
			continue
		case agentReplaced:
			continue
		}
		as := AgentState{ID: a.id, Hostname: a.info.Hostname, Port: a.info.GetPort(), Active: true,
			Attributes: map[string]string{}, Domain: a.info.Domain,
			Resources: summarize(a.total), UsedResources: summarize(a.used), ReservedResourcesFull: []mesos.Resource{}}
		for _, attr := range a.info.Attributes {
			as.Attributes[attr.Name] = attributeString(attr)
		}
		for _, r := range a.total {
			if len(r.Reservations) > 0 || r.Disk.GetPersistence() != nil {
				as.ReservedResourcesFull = append(as.ReservedResourcesFull, r)
			}
		}
		s.Slaves = append(s.Slaves, as)
	}
	return s
}

// stateOf is the task id of framework fid as State shows it.
func (t *task) stateOf(fid, id string) TaskState {
	return TaskState{ID: id, Name: t.info.Name, FrameworkID: fid, ExecutorID: t.executorID,
		SlaveID: t.agentID, State: t.state.String(), Resources: summarize(t.resources)}
}

// serveState answers GET /master/state.
func (m *Master) serveState(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "Expecting 'GET', received '"+r.Method+"'", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(m.State())
}

// summarize renders resources as Mesos's state endpoints do: scalars
// summed by name, ranges as "[a-b, c-d]".
func summarize(res mesos.Resources) map[string]any {
	out := map[string]any{}
	ranges := map[string][]string{}
	for _, r := range res {
		switch {
		case r.Scalar != nil:
			v, _ := out[r.Name].(float64)
			out[r.Name] = v + r.Scalar.Value
		case r.Ranges != nil:
			for _, rg := range r.Ranges.Range {
				ranges[r.Name] = append(ranges[r.Name], fmt.Sprintf("%d-%d", rg.Begin, rg.End))
			}
		}
	}
	for name, rs := range ranges {
		out[name] = "[" + strings.Join(rs, ", ") + "]"
	}
	return out
}

func attributeString(a mesos.Attribute) string {
	switch {
	case a.Text != nil:
		return a.Text.Value
	case a.Scalar != nil:
		return fmt.Sprint(a.Scalar.Value)
	}
	return ""
}
