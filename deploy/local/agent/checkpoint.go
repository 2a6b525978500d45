package agent

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	execproto "github.com/mesos/mesos-go/api/v1/lib/executor"
)

// checkpointFile holds what a restarted agent recovers: its id, its
// resources with reservations and volumes, and its executors and tasks
// with their unacknowledged updates. Protobuf messages are stored as
// their binary encoding.
const checkpointFile = "checkpoint.json"

type checkpointData struct {
	AgentID    string               `json:"agent_id"`
	Total      [][]byte             `json:"total"`
	Frameworks [][]byte             `json:"frameworks"`
	Executors  []executorCheckpoint `json:"executors"`
}

type executorCheckpoint struct {
	FrameworkID string           `json:"framework_id"`
	Info        []byte           `json:"info"`
	Command     bool             `json:"command"`
	ContainerID string           `json:"container_id"`
	Dir         string           `json:"dir"`
	PID         int              `json:"pid"`
	Exited      bool             `json:"exited"`
	Pending     [][]byte         `json:"pending,omitempty"`
	Tasks       []taskCheckpoint `json:"tasks"`
}

type taskCheckpoint struct {
	Info   []byte   `json:"info"`
	State  int32    `json:"state"`
	Queue  [][]byte `json:"queue,omitempty"`
	Latest []byte   `json:"latest,omitempty"`
}

func marshal(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic("agent: protobuf does not marshal: " + err.Error())
	}
	return b
}

// checkpoint writes the agent's state durably (temporary file, fsync,
// rename) while the agent runs; a stopped agent writes nothing. Call with
// a.mu held.
func (a *Agent) checkpoint() error {
	if !a.running {
		return errStopped
	}
	return a.writeCheckpoint()
}

// writeCheckpoint writes the checkpoint even when the agent is stopped:
// Shutdown and Destroy record the end of its executors. Call with a.mu
// held.
func (a *Agent) writeCheckpoint() error {
	d := checkpointData{AgentID: a.id}
	for i := range a.total {
		d.Total = append(d.Total, marshal(&a.total[i]))
	}
	for _, fw := range a.frameworks {
		d.Frameworks = append(d.Frameworks, marshal(fw))
	}
	for _, e := range a.executors {
		ec := executorCheckpoint{FrameworkID: e.frameworkID, Info: marshal(&e.info), Command: e.command,
			ContainerID: e.containerID, Dir: e.dir, PID: e.pid, Exited: e.exited}
		for _, ev := range e.pending {
			ec.Pending = append(ec.Pending, marshal(ev))
		}
		for _, t := range e.tasks {
			tc := taskCheckpoint{Info: marshal(&t.info), State: int32(t.state)}
			for i := range t.queue {
				tc.Queue = append(tc.Queue, marshal(&t.queue[i]))
			}
			if t.latest != nil {
				tc.Latest = marshal(t.latest)
			}
			ec.Tasks = append(ec.Tasks, tc)
		}
		d.Executors = append(d.Executors, ec)
	}
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	path := filepath.Join(a.cfg.Dir, checkpointFile)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	// A simulated agent models many hosts on one disk: its checkpoint is
	// atomic (rename) but not synced.
	if err := a.syncUnlessSimulated(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// recover loads the checkpoint, if any. Call with a.mu held.
func (a *Agent) recover() error {
	data, err := os.ReadFile(filepath.Join(a.cfg.Dir, checkpointFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var d checkpointData
	if err := json.Unmarshal(data, &d); err != nil {
		return err
	}
	a.id = d.AgentID
	if len(d.Total) > 0 {
		a.total = nil
		for _, b := range d.Total {
			var r mesos.Resource
			if err := proto.Unmarshal(b, &r); err != nil {
				return err
			}
			a.total = append(a.total, r)
		}
	}
	for _, b := range d.Frameworks {
		var fw mesos.FrameworkInfo
		if err := proto.Unmarshal(b, &fw); err != nil {
			return err
		}
		a.frameworks[fw.GetID().GetValue()] = &fw
	}
	for _, ec := range d.Executors {
		e, err := restoreExecutor(ec)
		if err != nil {
			return err
		}
		a.executors[e.key()] = e
	}
	a.log.Info("recovered checkpoint", "agent_id", a.id, "executors", len(a.executors))
	return nil
}

func restoreExecutor(ec executorCheckpoint) (*executorState, error) {
	e := &executorState{frameworkID: ec.FrameworkID, command: ec.Command, containerID: ec.ContainerID,
		dir: ec.Dir, pid: ec.PID, exited: ec.Exited, tasks: map[string]*taskState{}}
	if err := proto.Unmarshal(ec.Info, &e.info); err != nil {
		return nil, err
	}
	for _, b := range ec.Pending {
		ev := &execproto.Event{}
		if err := proto.Unmarshal(b, ev); err != nil {
			return nil, err
		}
		e.pending = append(e.pending, ev)
	}
	for _, tc := range ec.Tasks {
		t := &taskState{state: mesos.TaskState(tc.State)}
		if err := proto.Unmarshal(tc.Info, &t.info); err != nil {
			return nil, err
		}
		for _, b := range tc.Queue {
			var st mesos.TaskStatus
			if err := proto.Unmarshal(b, &st); err != nil {
				return nil, err
			}
			t.queue = append(t.queue, st)
		}
		if len(tc.Latest) > 0 {
			t.latest = &mesos.TaskStatus{}
			if err := proto.Unmarshal(tc.Latest, t.latest); err != nil {
				return nil, err
			}
		}
		e.tasks[t.info.TaskID.Value] = t
	}
	return e, nil
}
