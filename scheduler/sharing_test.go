package scheduler

import (
	"context"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/scheduler/record"
	"github.com/kennel-sdk/kennel/scheduler/state"
)

// TestCoreSharesTaskInfoWithStore: the TaskInfo and TaskStatus bytes the
// core keeps of a task are those of the record the state store caches, not a copy, after
// a launch, a status update (the record re-framed), a confirmation (the
// TaskInfo re-encoded) and a restart (the core built from the store).
// The core holding its own copy again would double the memory per task.
func TestCoreSharesTaskInfoWithStore(t *testing.T) {
	ctx := context.Background()
	s, err := state.Open(ctx, "file://"+t.TempDir(), "svc", state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Lock(ctx, state.LockOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	apply := func(d Decisions) {
		t.Helper()
		if err := s.Apply(ctx, d.Batch); err != nil {
			t.Fatal(err)
		}
	}
	const name = "hello-0-server"
	shares := func(c *Core, when string) {
		t.Helper()
		rec, ok, err := s.Task(name)
		tk := c.tasks[name]
		if !ok || err != nil || tk == nil {
			t.Fatalf("%s: stored %v, %v; core %v", when, ok, err, tk)
		}
		if !sameMemory(tk.info, rec.Info) {
			t.Errorf("%s: the core's TaskInfo (%d bytes) is not the store's (%d bytes) but a copy", when, len(tk.info), len(rec.Info))
		}
		if !sameMemory(tk.status, rec.Status) {
			t.Errorf("%s: the core's TaskStatus (%d bytes) is not the store's (%d bytes) but a copy", when, len(tk.status), len(rec.Status))
		}
	}

	c := newCore(t, nil)
	apply(c.Subscribed("fw-1", t0))
	apply(c.Offers([]mesos.Offer{agentOffer()}, t0.Add(time.Second)))
	shares(c, "after the launch")
	id := c.tasks[name].head.id
	status := func(state mesos.TaskState) mesos.TaskStatus {
		return mesos.TaskStatus{TaskID: mesos.TaskID{Value: id}, State: state.Enum(), AgentID: &mesos.AgentID{Value: "a1"}}
	}
	apply(c.Update(status(mesos.TASK_STARTING), t0.Add(2*time.Second)))
	if !c.tasks[name].confirmed() {
		t.Fatal("TASK_STARTING did not confirm the launch")
	}
	shares(c, "after the confirmation")
	apply(c.Update(status(mesos.TASK_RUNNING), t0.Add(3*time.Second)))
	shares(c, "after a status update")

	stored := map[string]record.Task{}
	for _, n := range s.TaskNames() {
		rec, _, err := s.Task(n)
		if err != nil {
			t.Fatal(err)
		}
		stored[n] = rec
	}
	shares(newCore(t, stored), "after a restart")
}

// sameMemory reports whether a and b are the same bytes in memory.
func sameMemory(a, b []byte) bool {
	return len(a) > 0 && len(a) == len(b) && &a[0] == &b[0]
}
