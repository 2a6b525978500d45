package local_test

import (
	"bytes"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// TestReservationsAndVolumesOverAgentKinds: a reserved pod with a
// persistent volume runs; while it runs neither its reservation nor its
// volume is offered; once it is killed and its executor has exited both
// come back, and DESTROY and UNRESERVE leave the agent unreserved. Real
// and simulated agents alike.
func TestReservationsAndVolumesOverAgentKinds(t *testing.T) {
	for _, kind := range agentKinds {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			c := startClusterOf(t, kind, 1)
			f := subscribed(t, c, protobufCodec)
			p := reservePod(t, f, "", "vol-rv")
			st := p.run(t, f, "keeper", "sleep 300")
			if o := f.offer(""); volume(o, "vol-rv") != nil || reservedScalar(o, "cpus") != 0 {
				t.Fatalf("resources of a running task offered: %v", o.Resources)
			} else {
				f.mustCall(calls.Decline(o.ID).With(calls.RefuseSeconds(10 * time.Millisecond)))
			}
			f.mustCall(calls.Kill("keeper", st.GetAgentID().GetValue()))
			f.update("keeper", mesos.TASK_KILLED)
			f.next(func(e *scheduler.Event) bool { return e.Type == scheduler.Event_FAILURE && e.Failure.ExecutorID != nil }, 30*time.Second)
			o := waitForOffer(t, f, func(o mesos.Offer) bool {
				return reservedScalar(o, "cpus") == 0.5 && volume(o, "vol-rv") != nil
			})
			var vol, res []mesos.Resource
			for _, r := range o.Resources {
				if r.GetDisk().GetPersistence().GetID() == "vol-rv" {
					vol = append(vol, r)
					r = clone(r)
					r.Disk.Persistence, r.Disk.Volume = nil, nil
				}
				if len(r.Reservations) > 0 {
					res = append(res, r)
				}
			}
			f.accept(o, calls.OpDestroy(vol...), calls.OpUnreserve(res...))
			waitForOffer(t, f, func(o mesos.Offer) bool {
				return reservedScalar(o, "cpus") == 0 && reservedScalar(o, "disk") == 0
			})
		})
	}
}

// TestStatusUpdatesResentUntilAcknowledged: an update the framework does
// not acknowledge comes again with the same uuid, and the next one waits
// behind it; acknowledged, the next one comes. Real and simulated agents
// alike.
func TestStatusUpdatesResentUntilAcknowledged(t *testing.T) {
	for _, kind := range agentKinds {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			c := startClusterOf(t, kind, 1)
			f := newFramework(t, c.URL(), protobufCodec)
			f.autoAck = false
			f.subscribe()
			o := f.offer("")
			ex := defaultExecutor("exec-resent", f, allocated([]mesos.Resource{scalar("cpus", 0.1), scalar("mem", 32), scalar("disk", 8)}, role)...)
			task := commandTask("resent", o, "sleep 300", allocated([]mesos.Resource{scalar("cpus", 0.1), scalar("mem", 32)}, role)...)
			f.accept(o, calls.OpLaunchGroup(ex, task))
			first := f.update("resent", mesos.TASK_STARTING)
			again := f.update("resent", mesos.TASK_STARTING, mesos.TASK_RUNNING)
			if again.GetState() != mesos.TASK_STARTING || !bytes.Equal(again.UUID, first.UUID) {
				t.Fatalf("after an unacknowledged TASK_STARTING: %s uuid %x, want it resent (uuid %x)", again.GetState(), again.UUID, first.UUID)
			}
			agentID := first.GetAgentID().GetValue()
			f.mustCall(calls.Acknowledge(agentID, "resent", first.UUID))
			st := f.update("resent", mesos.TASK_RUNNING)
			f.mustCall(calls.Acknowledge(agentID, "resent", st.UUID))
			f.mustCall(calls.Kill("resent", agentID))
			st = f.update("resent", mesos.TASK_KILLED)
			f.mustCall(calls.Acknowledge(agentID, "resent", st.UUID))
		})
	}
}
