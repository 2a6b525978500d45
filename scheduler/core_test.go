package scheduler

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	sched "github.com/mesos/mesos-go/api/v1/lib/scheduler"

	"github.com/kennel-sdk/kennel/scheduler/offer"
	"github.com/kennel-sdk/kennel/scheduler/record"
	"github.com/kennel-sdk/kennel/servicespec"
)

const spec = `name: svc
scheduler: {principal: p, user: root}
pods:
  hello:
    count: 1
    tasks:
      server:
        goal: RUNNING
        cmd: ./server
        cpus: 0.5
        memory: 64
        volume: {path: data, type: ROOT, size: 16}
`

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func newCore(t *testing.T, tasks map[string]record.Task) *Core {
	t.Helper()
	s, err := servicespec.Load("svc.yml", []byte(spec), servicespec.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	c, err := New(Config{Identity: offer.Identity{Service: "svc", Role: "svc-role", Principal: "p", User: "root"}},
		Loaded{Spec: s, ConfigID: s.ID(), Tasks: tasks}, func() string { n++; return fmt.Sprintf("id-%d", n) }, t0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func agentOffer() mesos.Offer {
	role := proto.String("svc-role")
	scalar := func(name string, v float64) mesos.Resource {
		return mesos.Resource{Name: name, Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: v}, AllocationInfo: &mesos.Resource_AllocationInfo{Role: role}}
	}
	return mesos.Offer{ID: mesos.OfferID{Value: "o1"}, AgentID: mesos.AgentID{Value: "a1"}, Hostname: "h1",
		AllocationInfo: &mesos.Resource_AllocationInfo{Role: role},
		Resources:      []mesos.Resource{scalar("cpus", 4), scalar("mem", 4096), scalar("disk", 4096)}}
}

func callTypes(d Decisions) string {
	var out []string
	for _, c := range d.Calls {
		out = append(out, c.Type.String())
	}
	return strings.Join(out, " ")
}

// No launch before reconciliation; then a launch is written before the
// ACCEPT that performs it.
func TestLaunchWaitsForReconciliationAndIsWrittenFirst(t *testing.T) {
	c := newCore(t, nil)
	if d := c.Offers([]mesos.Offer{agentOffer()}, t0); callTypes(d) != "DECLINE" {
		t.Fatalf("offers before subscribing: %s", callTypes(d))
	}
	d := c.Subscribed("fw-1", t0)
	if callTypes(d) != "RECONCILE" || d.Batch.Len() == 0 {
		t.Fatalf("subscribed: %s, %d writes", callTypes(d), d.Batch.Len())
	}
	d = c.Offers([]mesos.Offer{agentOffer()}, t0.Add(time.Second))
	if got := callTypes(d); got != "ACCEPT" {
		t.Fatalf("offers after reconciliation: %s", got)
	}
	rec := c.tasks["hello-0-server"]
	if rec == nil || rec.state() != mesos.TASK_STAGING || d.Batch.Len() == 0 {
		t.Fatalf("the launch is not recorded: %+v", rec)
	}
	ops := d.Calls[0].GetAccept().Operations
	if len(ops) != 3 || ops[2].Type != mesos.Offer_Operation_LAUNCH_GROUP ||
		ops[2].LaunchGroup.TaskGroup.Tasks[0].TaskID.Value != rec.head.id {
		t.Fatalf("accept %v does not launch the recorded task %s", ops, rec.head.id)
	}
}

// A status of a task the scheduler does not know is acknowledged and the
// task killed; an explicit reconciliation covers the known live tasks.
func TestUnknownTaskIsKilledAndKnownOnesReconciled(t *testing.T) {
	c := newCore(t, nil)
	c.Subscribed("fw-1", t0)
	c.Offers([]mesos.Offer{agentOffer()}, t0)
	id := c.tasks["hello-0-server"].head.id
	d := c.Update(mesos.TaskStatus{TaskID: mesos.TaskID{Value: "stranger"}, State: mesos.TASK_RUNNING.Enum(),
		AgentID: &mesos.AgentID{Value: "a1"}, UUID: []byte("0123456789abcdef")}, t0)
	if got := callTypes(d); got != "KILL ACKNOWLEDGE" {
		t.Fatalf("unknown task: %s", got)
	}

	// A restarted scheduler reconciles the stored task explicitly, and
	// launches nothing until Mesos answered.
	stored := map[string]record.Task{"hello-0-server": storedRecord(c.tasks["hello-0-server"])}
	c2 := newCore(t, stored)
	d = c2.Subscribed("fw-1", t0)
	if got := d.Calls[0].GetReconcile().Tasks; len(got) != 1 || got[0].TaskID.Value != id {
		t.Fatalf("explicit reconciliation: %v", got)
	}
	if d := c2.Offers([]mesos.Offer{agentOffer()}, t0); callTypes(d) != "DECLINE" {
		t.Fatalf("offers while reconciling: %s", callTypes(d))
	}
	// Mesos never got the launch: it is redone on fresh resources.
	d = c2.Update(mesos.TaskStatus{TaskID: mesos.TaskID{Value: id}, State: mesos.TASK_GONE.Enum(),
		Reason: mesos.REASON_RECONCILIATION.Enum(), AgentID: &mesos.AgentID{Value: "a1"}}, t0)
	if got := callTypes(d); got != "RECONCILE" {
		t.Fatalf("the last answer ends explicit reconciliation with an implicit one: %s", got)
	}
	d = c2.Offers([]mesos.Offer{agentOffer()}, t0.Add(time.Minute))
	if got := callTypes(d); got != "ACCEPT" {
		t.Fatalf("relaunch: %s", got)
	}
	if ops := d.Calls[0].GetAccept().Operations; ops[0].Type != mesos.Offer_Operation_RESERVE {
		t.Fatalf("an unconfirmed launch is redone on fresh resources: %v", ops[0].Type)
	}
}

// A confirmed launch relaunches in place and never reserves again.
func TestConfirmedLaunchRelaunchesInPlace(t *testing.T) {
	c := newCore(t, nil)
	c.Subscribed("fw-1", t0)
	d := c.Offers([]mesos.Offer{agentOffer()}, t0)
	accept := d.Calls[0].GetAccept()
	id := c.tasks["hello-0-server"].decodeInfo().TaskID
	c.Update(mesos.TaskStatus{TaskID: id, State: mesos.TASK_RUNNING.Enum(), AgentID: &mesos.AgentID{Value: "a1"}}, t0)
	if !c.tasks["hello-0-server"].confirmed() {
		t.Fatal("a RUNNING status does not confirm the launch")
	}
	c.Update(mesos.TaskStatus{TaskID: id, State: mesos.TASK_FAILED.Enum(), AgentID: &mesos.AgentID{Value: "a1"}}, t0)
	back := agentOffer()
	back.ID.Value = "o2"
	back.Resources = append([]mesos.Resource(nil), accept.Operations[1].Create.Volumes...)
	back.Resources = append(back.Resources, accept.Operations[0].Reserve.Resources...)
	back.Resources = append(back.Resources, agentOffer().Resources...)
	d = c.Offers([]mesos.Offer{back}, t0.Add(time.Hour))
	var launched bool
	for _, call := range d.Calls {
		if call.Type != sched.Call_ACCEPT {
			continue
		}
		for _, op := range call.GetAccept().Operations {
			if op.Type == mesos.Offer_Operation_RESERVE || op.Type == mesos.Offer_Operation_CREATE {
				t.Fatalf("relaunch in place reserves again: %v", op.Type)
			}
			launched = launched || op.Type == mesos.Offer_Operation_LAUNCH_GROUP
		}
	}
	if !launched {
		t.Fatalf("no relaunch: %s", callTypes(d))
	}
}

// storedRecord is the record of the core's task tk, as put stores it.
func storedRecord(tk *task) record.Task {
	return record.Task{Info: tk.info, Status: tk.status, Goal: tk.goal}
}
