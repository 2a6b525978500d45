package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	execproto "github.com/mesos/mesos-go/api/v1/lib/executor"
)

// legacyCheckpointFile is the single-file checkpoint earlier versions
// rewrote on every change. An agent that finds one (and no meta
// directory) recovers from it, writes its meta directory and removes it.
const legacyCheckpointFile = "checkpoint.json"

type legacyCheckpoint struct {
	agentInfo // id, total and frameworks, as in agent.info
	Executors []struct {
		executorInfo
		Tasks []struct {
			Info   []byte   `json:"info"`
			State  int32    `json:"state"`
			Queue  [][]byte `json:"queue,omitempty"`
			Latest []byte   `json:"latest,omitempty"`
		} `json:"tasks"`
	} `json:"executors"`
}

// recoverLegacy loads a legacy checkpoint, if any, and converts it. Call
// with a.mu held.
func (a *Agent) recoverLegacy() error {
	path := filepath.Join(a.cfg.Dir, legacyCheckpointFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var d legacyCheckpoint
	if err := json.Unmarshal(data, &d); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	raw, err := json.Marshal(d.agentInfo)
	if err != nil {
		return err
	}
	if err := a.restoreAgent(raw); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for _, ec := range d.Executors {
		e := &executorState{frameworkID: ec.FrameworkID, command: ec.Command, containerID: ec.ContainerID,
			dir: ec.Dir, pid: ec.PID, exited: ec.Exited, tasks: map[string]*taskState{}}
		if err := proto.Unmarshal(ec.Info, &e.info); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for _, b := range ec.Pending {
			ev := &execproto.Event{}
			if err := proto.Unmarshal(b, ev); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			e.pending = append(e.pending, ev)
		}
		for _, tc := range ec.Tasks {
			t := &taskState{state: mesos.TaskState(tc.State)}
			if err := proto.Unmarshal(tc.Info, &t.info); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			for _, b := range tc.Queue {
				var st mesos.TaskStatus
				if err := proto.Unmarshal(b, &st); err != nil {
					return fmt.Errorf("%s: %w", path, err)
				}
				t.queue = append(t.queue, st)
			}
			if len(tc.Latest) > 0 {
				t.latest = &mesos.TaskStatus{}
				if err := proto.Unmarshal(tc.Latest, t.latest); err != nil {
					return fmt.Errorf("%s: %w", path, err)
				}
			}
			e.tasks[t.info.TaskID.Value] = t
		}
		a.executors[e.key()] = e
		a.markExecutor(e)
	}
	a.markAgent()
	if err := a.writeCheckpoint(); err != nil {
		return fmt.Errorf("converting %s: %w", path, err)
	}
	a.log.Info("recovered legacy checkpoint", "agent_id", a.id, "executors", len(a.executors))
	return os.Remove(path)
}
