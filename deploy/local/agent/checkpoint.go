package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	execproto "github.com/mesos/mesos-go/api/v1/lib/executor"
)

// The checkpoint is what a restarted agent recovers, laid out as a Mesos
// agent lays out its meta directory so that a status update costs the
// agent in proportion to that task, not to everything it runs:
//
//	meta/agent.info                                  id, total resources, frameworks
//	meta/frameworks/F/executors/E/executor.info      one executor (its run, pid, pending events)
//	meta/frameworks/F/executors/E/tasks/T/task.info  the TaskInfo, written once
//	meta/frameworks/F/executors/E/tasks/T/task.updates
//	                                                 its status updates and acknowledgements, appended
//
// F, E and T are the ids, path-escaped. Whole files are written to a
// temporary name and renamed; task.updates only grows, one record per
// update or acknowledgement, and a record torn by a crash is cut off on
// recovery. A task directory without task.info is an unfinished write
// and is ignored. Files are synced, except on a simulated agent (it
// models many hosts on one disk).
const (
	metaDir          = "meta"
	agentInfoFile    = "agent.info"
	executorInfoFile = "executor.info"
	taskInfoFile     = "task.info"
	taskUpdatesFile  = "task.updates"
)

type agentInfo struct {
	AgentID    string   `json:"agent_id"`
	Total      [][]byte `json:"total"`
	Frameworks [][]byte `json:"frameworks"`
}

type executorInfo struct {
	FrameworkID string   `json:"framework_id"`
	Info        []byte   `json:"info"`
	Command     bool     `json:"command"`
	ContainerID string   `json:"container_id"`
	Dir         string   `json:"dir"`
	PID         int      `json:"pid"`
	Exited      bool     `json:"exited"`
	Pending     [][]byte `json:"pending,omitempty"`
}

// journal is what the agent changed since its last checkpoint: checkpoint
// writes only that. Guarded by the agent's mu.
type journal struct {
	agent     bool                          // agent.info
	executors map[*executorState]struct{}   // executor.info (and, unsaved, the whole directory)
	tasks     map[*taskState]*executorState // task.updates records (and, unsaved, task.info)
	removals  []string                      // directories to remove, before anything is written
}

func newJournal() journal {
	return journal{executors: map[*executorState]struct{}{}, tasks: map[*taskState]*executorState{}}
}

func marshal(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic("agent: protobuf does not marshal: " + err.Error())
	}
	return b
}

func (a *Agent) metaPath() string { return filepath.Join(a.cfg.Dir, metaDir) }

func (a *Agent) executorPath(frameworkID, executorID string) string {
	return filepath.Join(a.metaPath(), "frameworks", url.PathEscape(frameworkID), "executors", url.PathEscape(executorID))
}

func (a *Agent) taskPath(e *executorState, taskID string) string {
	return filepath.Join(a.executorPath(e.frameworkID, e.info.ExecutorID.Value), "tasks", url.PathEscape(taskID))
}

// markAgent records that the agent's id, resources or frameworks changed.
func (a *Agent) markAgent() { a.journal.agent = true }

// markExecutor records that e changed (or is new).
func (a *Agent) markExecutor(e *executorState) { a.journal.executors[e] = struct{}{} }

// recordUpdate records a status update queued for t.
func (a *Agent) recordUpdate(e *executorState, t *taskState, st *mesos.TaskStatus) {
	t.unsaved = append(t.unsaved, updateRecord(st))
	a.journal.tasks[t] = e
}

// recordAck records the acknowledgement of t's update uuid.
func (a *Agent) recordAck(e *executorState, t *taskState, uuid []byte) {
	t.unsaved = append(t.unsaved, ackRecord(uuid))
	a.journal.tasks[t] = e
}

// forgetTask records that e no longer has task taskID.
func (a *Agent) forgetTask(e *executorState, taskID string) {
	a.journal.removals = append(a.journal.removals, a.taskPath(e, taskID))
}

// forgetExecutor records that the agent no longer has e.
func (a *Agent) forgetExecutor(e *executorState) {
	a.journal.removals = append(a.journal.removals, a.executorPath(e.frameworkID, e.info.ExecutorID.Value))
}

// checkpoint writes what changed since the last checkpoint while the
// agent runs; a stopped agent writes nothing. Call with a.mu held.
func (a *Agent) checkpoint() error {
	if !a.running {
		return errStopped
	}
	return a.writeCheckpoint()
}

// writeCheckpoint writes what changed even when the agent is stopped:
// Shutdown and Destroy record the end of its executors. What fails to be
// written stays in the journal for the next checkpoint. Call with a.mu
// held.
func (a *Agent) writeCheckpoint() error {
	j := &a.journal
	var errs []error
	for len(j.removals) > 0 {
		if err := os.RemoveAll(j.removals[0]); err != nil {
			errs = append(errs, err)
			break
		}
		j.removals = j.removals[1:]
	}
	if j.agent {
		if err := a.writeAgentInfo(); err != nil {
			errs = append(errs, err)
		} else {
			j.agent = false
		}
	}
	for e := range j.executors {
		if a.executors[e.key()] == e {
			if err := a.writeExecutor(e); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		delete(j.executors, e)
	}
	for t, e := range j.tasks {
		if cur := a.executors[e.key()]; cur != nil && cur.saved && cur.tasks[t.info.TaskID.Value] == t {
			if err := a.writeTask(cur, t); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		t.unsaved = nil
		delete(j.tasks, t)
	}
	return errors.Join(errs...)
}

func (a *Agent) writeAgentInfo() error {
	d := agentInfo{AgentID: a.id}
	for i := range a.total {
		d.Total = append(d.Total, marshal(&a.total[i]))
	}
	for _, fw := range a.frameworks {
		d.Frameworks = append(d.Frameworks, marshal(fw))
	}
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return a.writeFile(filepath.Join(a.metaPath(), agentInfoFile), data)
}

// writeExecutor writes e's executor.info; an executor not yet saved gets
// a fresh directory holding all its tasks (an executor id used again
// replaces the old run's directory).
func (a *Agent) writeExecutor(e *executorState) error {
	dir := a.executorPath(e.frameworkID, e.info.ExecutorID.Value)
	if !e.saved {
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		for _, t := range e.tasks {
			t.saved = false
			if err := a.writeTask(e, t); err != nil {
				return err
			}
		}
	}
	d := executorInfo{FrameworkID: e.frameworkID, Info: marshal(&e.info), Command: e.command,
		ContainerID: e.containerID, Dir: e.dir, PID: e.pid, Exited: e.exited}
	for _, ev := range e.pending {
		d.Pending = append(d.Pending, marshal(ev))
	}
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	if err := a.writeFile(filepath.Join(dir, executorInfoFile), data); err != nil {
		return err
	}
	e.saved = true
	return nil
}

// writeTask appends t's unsaved records to its task.updates; a task not
// yet saved gets its whole directory: task.updates holding its queue (or
// its acknowledged latest update), then task.info.
func (a *Agent) writeTask(e *executorState, t *taskState) error {
	dir := a.taskPath(e, t.info.TaskID.Value)
	if t.saved {
		if len(t.unsaved) == 0 {
			return nil
		}
		if err := a.appendRecords(filepath.Join(dir, taskUpdatesFile), t.unsaved); err != nil {
			return err
		}
		t.unsaved = nil
		return nil
	}
	var records [][]byte
	if len(t.queue) == 0 && t.latest != nil {
		records = append(records, updateRecord(t.latest), ackRecord(t.latest.UUID))
	}
	for i := range t.queue {
		records = append(records, updateRecord(&t.queue[i]))
	}
	var updates []byte
	for _, r := range records {
		updates = append(updates, r...)
	}
	if err := a.writeFile(filepath.Join(dir, taskUpdatesFile), updates); err != nil {
		return err
	}
	if err := a.writeFile(filepath.Join(dir, taskInfoFile), marshal(&t.info)); err != nil {
		return err
	}
	t.saved, t.unsaved = true, nil
	return nil
}

// writeFile writes data to path through a temporary file and a rename,
// creating path's directory.
func (a *Agent) writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := a.syncUnlessSimulated(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// appendRecords appends records to the file at path.
func (a *Agent) appendRecords(path string, records [][]byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	var data []byte
	for _, r := range records {
		data = append(data, r...)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := a.syncUnlessSimulated(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// recover loads the checkpoint, if any: the agent's state is then what it
// was at its last checkpoint. Call with a.mu held.
func (a *Agent) recover() error {
	a.journal = newJournal()
	if _, err := os.Stat(a.metaPath()); errors.Is(err, os.ErrNotExist) {
		return a.recoverLegacy()
	}
	data, err := os.ReadFile(filepath.Join(a.metaPath(), agentInfoFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err == nil {
		if err := a.restoreAgent(data); err != nil {
			return fmt.Errorf("%s: %w", agentInfoFile, err)
		}
	}
	executors, err := filepath.Glob(filepath.Join(a.metaPath(), "frameworks", "*", "executors", "*", executorInfoFile))
	if err != nil {
		return err
	}
	for _, path := range executors {
		e, err := a.restoreExecutor(filepath.Dir(path))
		if err != nil {
			return fmt.Errorf("recovering %s: %w", filepath.Dir(path), err)
		}
		a.executors[e.key()] = e
	}
	a.log.Info("recovered checkpoint", "agent_id", a.id, "executors", len(a.executors))
	return nil
}

func (a *Agent) restoreAgent(data []byte) error {
	var d agentInfo
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
	return nil
}

// restoreExecutor reads an executor's directory: its executor.info and
// every task with a task.info.
func (a *Agent) restoreExecutor(dir string) (*executorState, error) {
	data, err := os.ReadFile(filepath.Join(dir, executorInfoFile))
	if err != nil {
		return nil, err
	}
	var d executorInfo
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", executorInfoFile, err)
	}
	e := &executorState{frameworkID: d.FrameworkID, command: d.Command, containerID: d.ContainerID,
		dir: d.Dir, pid: d.PID, exited: d.Exited, tasks: map[string]*taskState{}, saved: true}
	if err := proto.Unmarshal(d.Info, &e.info); err != nil {
		return nil, fmt.Errorf("%s: %w", executorInfoFile, err)
	}
	for _, b := range d.Pending {
		ev := &execproto.Event{}
		if err := proto.Unmarshal(b, ev); err != nil {
			return nil, fmt.Errorf("%s: %w", executorInfoFile, err)
		}
		e.pending = append(e.pending, ev)
	}
	tasks, err := filepath.Glob(filepath.Join(dir, "tasks", "*", taskInfoFile))
	if err != nil {
		return nil, err
	}
	for _, path := range tasks {
		t, err := a.restoreTask(filepath.Dir(path))
		if err != nil {
			return nil, err
		}
		e.tasks[t.info.TaskID.Value] = t
	}
	return e, nil
}

// restoreTask reads a task's task.info and replays its task.updates.
func (a *Agent) restoreTask(dir string) (*taskState, error) {
	info, err := os.ReadFile(filepath.Join(dir, taskInfoFile))
	if err != nil {
		return nil, err
	}
	t := &taskState{state: mesos.TASK_STAGING, saved: true}
	if err := proto.Unmarshal(info, &t.info); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, taskInfoFile), err)
	}
	path := filepath.Join(dir, taskUpdatesFile)
	updates, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	good, err := replayUpdates(updates, t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if good < len(updates) {
		// A record torn by a crash: it was never written.
		if err := os.Truncate(path, int64(good)); err != nil {
			return nil, err
		}
	}
	return t, nil
}
