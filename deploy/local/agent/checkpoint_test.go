package agent

import (
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// testAgent is an agent whose state the test changes by hand, as the
// agent's handlers do, to check what its checkpoint recovers.
func testAgent(t *testing.T, dir string) *Agent {
	t.Helper()
	a := New(Config{Name: "agent-1", Dir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil)
	a.frameworks, a.executors = map[string]*mesos.FrameworkInfo{}, map[string]*executorState{}
	if err := a.recover(); err != nil {
		t.Fatal(err)
	}
	return a
}

// summary is what a recovered agent knows, comparable.
func summary(a *Agent) map[string]string {
	s := map[string]string{"id": a.id}
	for _, fw := range a.frameworks {
		s["framework "+fw.GetID().GetValue()] = fw.Name
	}
	for _, e := range a.executors {
		s["executor "+e.key()] = e.containerID
		if e.exited {
			s["executor "+e.key()] += " exited"
		}
		for id, t := range e.tasks {
			v := t.state.String()
			for _, q := range t.queue {
				v += " " + string(q.UUID)
			}
			if t.latest != nil {
				v += " latest " + string(t.latest.UUID)
			}
			s["task "+e.key()+"/"+id] = v
		}
	}
	return s
}

func TestCheckpointRecovers(t *testing.T) {
	dir := t.TempDir()
	a := testAgent(t, dir)
	a.id = "S1"
	a.markAgent()
	fw := &mesos.FrameworkInfo{ID: &mesos.FrameworkID{Value: "F/1"}, Name: "kennel"}
	launch := func(execID, container string, taskIDs ...string) *executorState {
		e := &executorState{frameworkID: "F/1", info: mesos.ExecutorInfo{ExecutorID: mesos.ExecutorID{Value: execID}},
			containerID: container, tasks: map[string]*taskState{}}
		a.adoptExecutor(e, fw)
		for _, id := range taskIDs {
			ts := &taskState{info: mesos.TaskInfo{TaskID: mesos.TaskID{Value: id}}, state: mesos.TASK_STAGING}
			e.tasks[id] = ts
			a.journal.tasks[ts] = e
		}
		return e
	}
	update := func(e *executorState, id string, state mesos.TaskState, uuid string) {
		t := e.tasks[id]
		st := status(state, uuid)
		t.state, t.latest = state, &st
		t.queue = append(t.queue, st)
		a.recordUpdate(e, t, &st)
	}
	ack := func(e *executorState, id string) {
		t := e.tasks[id]
		uuid := t.queue[0].UUID
		t.queue = t.queue[1:]
		a.recordAck(e, t, uuid)
		if len(t.queue) == 0 && (t.state == mesos.TASK_KILLED || t.state == mesos.TASK_FINISHED) {
			delete(e.tasks, id)
			a.forgetTask(e, id)
			a.collect(e)
		}
	}
	check := func(step string) {
		t.Helper()
		if err := a.checkpoint(); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		want := summary(a)
		b := testAgent(t, dir)
		if got := summary(b); !maps.Equal(got, want) {
			t.Fatalf("%s: recovered\n%v\nwant\n%v", step, got, want)
		}
	}
	a.running = true
	e1 := launch("pod/0", "c1", "a", "b")
	check("launched")
	update(e1, "a", mesos.TASK_STARTING, "a1")
	update(e1, "a", mesos.TASK_RUNNING, "a2")
	update(e1, "b", mesos.TASK_STARTING, "b1")
	check("updates queued")
	ack(e1, "a")
	ack(e1, "a")
	check("updates acknowledged")
	update(e1, "b", mesos.TASK_FINISHED, "b2")
	ack(e1, "b")
	ack(e1, "b")
	check("a task gone")
	e2 := launch("pod/1", "c2", "c")
	update(e2, "c", mesos.TASK_KILLED, "c1")
	e2.exited = true
	a.markExecutor(e2)
	check("an executor exited")
	ack(e2, "c")
	check("an executor collected")
	if _, err := os.Stat(a.executorPath("F/1", "pod/1")); !os.IsNotExist(err) {
		t.Errorf("the collected executor's directory: %v", err)
	}
	update(e1, "a", mesos.TASK_KILLED, "a3")
	e1.exited = true
	a.markExecutor(e1)
	e3 := launch("pod/0", "c3", "d") // the executor id used again: a's update is carried over
	check("an executor id used again")
	if got := len(e3.tasks); got != 2 {
		t.Errorf("the new run has %d tasks, want a (carried) and d", got)
	}
	a.running = false
	update(e3, "d", mesos.TASK_STARTING, "d1")
	if err := a.checkpoint(); err != errStopped {
		t.Errorf("a stopped agent's checkpoint: %v", err)
	}
	if got := summary(testAgent(t, dir))["task F/1/pod/0/d"]; got != "TASK_STAGING" {
		t.Errorf("a stopped agent wrote an update: task d is %q", got)
	}
}

// TestCheckpointTornUpdate: a record cut short by a crash is not
// recovered, and is cut off so that the next update follows the last
// whole record.
func TestCheckpointTornUpdate(t *testing.T) {
	dir := t.TempDir()
	a := testAgent(t, dir)
	a.running = true
	fw := &mesos.FrameworkInfo{ID: &mesos.FrameworkID{Value: "F"}}
	e := &executorState{frameworkID: "F", info: mesos.ExecutorInfo{ExecutorID: mesos.ExecutorID{Value: "E"}}, tasks: map[string]*taskState{}}
	a.adoptExecutor(e, fw)
	ts := &taskState{info: mesos.TaskInfo{TaskID: mesos.TaskID{Value: "T"}}, state: mesos.TASK_STAGING}
	e.tasks["T"] = ts
	st := status(mesos.TASK_RUNNING, "u1")
	ts.state, ts.latest, ts.queue = mesos.TASK_RUNNING, &st, []mesos.TaskStatus{st}
	a.recordUpdate(e, ts, &st)
	if err := a.checkpoint(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(a.taskPath(e, "T"), taskUpdatesFile)
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	killed := status(mesos.TASK_KILLED, "u2")
	if err := os.WriteFile(path, append(slices.Clone(whole), updateRecord(&killed)[:7]...), 0o600); err != nil {
		t.Fatal(err)
	}
	b := testAgent(t, dir)
	if got := summary(b)["task F/E/T"]; got != "TASK_RUNNING u1 latest u1" {
		t.Errorf("recovered %q", got)
	}
	if after, err := os.ReadFile(path); err != nil || len(after) != len(whole) {
		t.Errorf("task.updates after recovery: %d bytes (%v), want %d", len(after), err, len(whole))
	}
}
