package agent

import (
	"net/http"
	"sort"

	"github.com/kennel-sdk/kennel/taskstate"
)

// State is the subset of a Mesos agent's GET /state (/slave(1)/state)
// document the local agent fills in, with Mesos's field names: enough for
// a client to find a task's executor and the sandbox directory the files
// API serves.
type State struct {
	ID                  string           `json:"id"`
	Hostname            string           `json:"hostname"`
	Pid                 string           `json:"pid"`
	Version             string           `json:"version"`
	Frameworks          []FrameworkState `json:"frameworks"`
	CompletedFrameworks []FrameworkState `json:"completed_frameworks"`
}

// FrameworkState is one framework of State.
type FrameworkState struct {
	ID                 string          `json:"id"`
	Name               string          `json:"name"`
	Role               string          `json:"role"`
	Executors          []ExecutorState `json:"executors"`
	CompletedExecutors []ExecutorState `json:"completed_executors"`
}

// ExecutorState is one executor of FrameworkState. Directory is its
// sandbox; a task of a DEFAULT executor (a pod) has its own under
// Directory/tasks/<task id>.
type ExecutorState struct {
	ID             string      `json:"id"`
	Name           string      `json:"name"`
	Source         string      `json:"source"`
	Container      string      `json:"container"`
	Directory      string      `json:"directory"`
	Type           string      `json:"type"`
	Tasks          []TaskState `json:"tasks"`
	QueuedTasks    []TaskState `json:"queued_tasks"`
	CompletedTasks []TaskState `json:"completed_tasks"`
}

// TaskState is one task of ExecutorState.
type TaskState struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	FrameworkID string `json:"framework_id"`
	ExecutorID  string `json:"executor_id"`
	SlaveID     string `json:"slave_id"`
	State       string `json:"state"`
}

// State returns the agent's state: frameworks and executors sorted by id,
// exited executors under completed_executors, terminal tasks under
// completed_tasks.
func (a *Agent) State() State {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := State{ID: a.id, Hostname: a.cfg.Hostname, Pid: "slave(1)@" + a.Endpoint(), Version: "1.11.0",
		Frameworks: []FrameworkState{}, CompletedFrameworks: []FrameworkState{}}
	byFramework := map[string]*FrameworkState{}
	for _, e := range a.executors {
		f := byFramework[e.frameworkID]
		if f == nil {
			f = &FrameworkState{ID: e.frameworkID, Executors: []ExecutorState{}, CompletedExecutors: []ExecutorState{}}
			if fw := a.frameworks[e.frameworkID]; fw != nil {
				f.Name, f.Role = fw.Name, fw.GetRole()
			}
			byFramework[e.frameworkID] = f
		}
		es := ExecutorState{ID: e.info.ExecutorID.Value, Name: e.info.GetName(), Source: e.info.GetSource(),
			Container: e.containerID, Directory: e.dir, Type: executorType(e),
			Tasks: []TaskState{}, QueuedTasks: []TaskState{}, CompletedTasks: []TaskState{}}
		ids := make([]string, 0, len(e.tasks))
		for id := range e.tasks {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			t := e.tasks[id]
			ts := TaskState{ID: id, Name: t.info.Name, FrameworkID: e.frameworkID, ExecutorID: es.ID, SlaveID: a.id, State: t.state.String()}
			if e.command {
				ts.ExecutorID = "" // as Mesos reports a command task
			}
			if taskstate.Terminal(t.state) || e.exited {
				es.CompletedTasks = append(es.CompletedTasks, ts)
			} else {
				es.Tasks = append(es.Tasks, ts)
			}
		}
		if e.exited {
			f.CompletedExecutors = append(f.CompletedExecutors, es)
		} else {
			f.Executors = append(f.Executors, es)
		}
	}
	ids := make([]string, 0, len(byFramework))
	for id := range byFramework {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		f := byFramework[id]
		sort.Slice(f.Executors, func(i, j int) bool { return f.Executors[i].ID < f.Executors[j].ID })
		sort.Slice(f.CompletedExecutors, func(i, j int) bool { return f.CompletedExecutors[i].ID < f.CompletedExecutors[j].ID })
		s.Frameworks = append(s.Frameworks, *f)
	}
	return s
}

// executorType is Mesos's ExecutorInfo.type as /state prints it.
func executorType(e *executorState) string {
	if e.command {
		return "COMMAND"
	}
	return e.info.GetType().String()
}

func (a *Agent) serveState(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "Expecting 'GET', received '"+r.Method+"'", http.StatusMethodNotAllowed)
		return
	}
	writeJSON(w, a.State())
}
