package scheduler

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/scheduler/offer"
	"github.com/kennel-sdk/kennel/servicespec"
)

// parallelCore is a subscribed core of the test spec with count pods
// deployed in parallel.
func parallelCore(t *testing.T, count int) *Core {
	t.Helper()
	s, err := servicespec.Load("svc.yml", []byte(strings.Replace(spec, "count: 1", "count: "+fmt.Sprint(count), 1)+parallelPlan), servicespec.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	c, err := New(Config{Identity: offer.Identity{Service: "svc", Role: "svc-role", Principal: "p", User: "root"}},
		Loaded{Spec: s, ConfigID: s.ID()}, func() string { n++; return fmt.Sprintf("id-%d", n) }, t0)
	if err != nil {
		t.Fatal(err)
	}
	c.Subscribed("fw-1", t0)
	return c
}

// threePods is a core that launched three pods into one offer, and the
// launched task ids.
func threePods(t *testing.T) (*Core, []mesos.TaskID) {
	t.Helper()
	c := parallelCore(t, 3)
	d := c.Offers([]mesos.Offer{agentOffer()}, t0.Add(time.Second))
	var ids []mesos.TaskID
	for _, call := range d.Calls {
		for _, op := range call.GetAccept().GetOperations() {
			for _, ti := range op.GetLaunchGroup().GetTaskGroup().Tasks {
				ids = append(ids, ti.TaskID)
			}
		}
	}
	if len(ids) != 3 {
		t.Fatalf("launched %d tasks, want 3 (calls %s)", len(ids), callTypes(d))
	}
	return c, ids
}

func statusOf(id mesos.TaskID, state mesos.TaskState, uuid string, msg string) mesos.TaskStatus {
	return mesos.TaskStatus{TaskID: id, State: state.Enum(), AgentID: &mesos.AgentID{Value: "a1"}, UUID: []byte(uuid),
		Message: &msg}
}

// stepStatuses is every step's status of every plan, in order.
func stepStatuses(c *Core) string {
	var out []string
	for _, p := range c.Plans().Plans() {
		for _, ph := range p.Info().Phases {
			for _, st := range ph.Steps {
				out = append(out, st.Name+"="+st.Status)
			}
		}
	}
	return strings.Join(out, " ")
}

// Status updates handled together leave the core as handling them one by
// one does: the same task records and plans, one acknowledgement each in
// their order, all after the records are in the batch.
func TestUpdatesTogetherAsOneByOne(t *testing.T) {
	for _, tc := range []struct {
		name   string
		states []mesos.TaskState // one update per launched task, then one more for the first
	}{
		{"all running", []mesos.TaskState{mesos.TASK_RUNNING, mesos.TASK_RUNNING, mesos.TASK_RUNNING, mesos.TASK_RUNNING}},
		{"starting then running", []mesos.TaskState{mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_STARTING, mesos.TASK_RUNNING}},
		{"one fails after running", []mesos.TaskState{mesos.TASK_RUNNING, mesos.TASK_RUNNING, mesos.TASK_RUNNING, mesos.TASK_FAILED}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			one, ids := threePods(t)
			together, _ := threePods(t)
			var sts []mesos.TaskStatus
			for i, s := range tc.states {
				sts = append(sts, statusOf(ids[i%len(ids)], s, fmt.Sprintf("u%d", i), "m"))
			}
			now := t0.Add(2 * time.Second)
			var acks []string
			for _, st := range sts {
				for _, call := range one.Update(st, now).Calls {
					if ack := call.GetAcknowledge(); ack != nil {
						acks = append(acks, string(ack.UUID))
					}
				}
			}
			d, rest := together.Updates(sts, now)
			if len(rest) != 0 {
				t.Fatalf("%d updates left", len(rest))
			}
			var got []string
			for _, call := range d.Calls {
				if ack := call.GetAcknowledge(); ack != nil {
					got = append(got, string(ack.UUID))
				}
			}
			if !slices.Equal(got, acks) {
				t.Errorf("acknowledgements %v, one by one %v", got, acks)
			}
			if a, b := stepStatuses(together), stepStatuses(one); a != b {
				t.Errorf("plans %s, one by one %s", a, b)
			}
			for name, want := range one.tasks {
				g := together.tasks[name]
				if g == nil || g.state() != want.state() || string(storedRecord(g).Status) != string(storedRecord(want).Status) {
					t.Errorf("task %s differs from one by one", name)
				}
			}
			if d.Batch.Len() == 0 {
				t.Errorf("nothing written for %d updates", len(sts))
			}
		})
	}
}

// Updates stops once its writes pass the launch cap, handling at least
// one, and returns the rest for the next decision.
func TestUpdatesStopAtTheWriteCap(t *testing.T) {
	c, ids := threePods(t)
	big := strings.Repeat("x", maxLaunchBatch/2)
	sts := []mesos.TaskStatus{
		statusOf(ids[0], mesos.TASK_RUNNING, "u0", big),
		statusOf(ids[1], mesos.TASK_RUNNING, "u1", big),
		statusOf(ids[2], mesos.TASK_RUNNING, "u2", big),
	}
	handled := 0
	for len(sts) > 0 {
		var d Decisions
		before := len(sts)
		d, sts = c.Updates(sts, t0.Add(2*time.Second))
		if len(sts) >= before {
			t.Fatalf("no progress: %d updates left of %d", len(sts), before)
		}
		handled += before - len(sts)
		if d.Batch.Size() > 2*maxLaunchBatch {
			t.Errorf("one decision writes %d bytes", d.Batch.Size())
		}
		if before == 3 && len(sts) == 0 {
			t.Errorf("all three %d-byte updates in one decision", len(big))
		}
	}
	if handled != 3 {
		t.Errorf("handled %d updates, want 3", handled)
	}
}
