package local_test

import (
	"fmt"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// BenchmarkLaunchGroupToRunning measures a task group's launch end to end:
// ACCEPT with LAUNCH_GROUP, a new executor process subscribing, the task
// starting, and TASK_RUNNING reaching the framework through the agent and
// master. Each iteration takes a fresh offer; the tasks finish at once.
func BenchmarkLaunchGroupToRunning(b *testing.B) {
	c := startCluster(b, 1)
	f := newFramework(b, c.URL(), protobufCodec)
	f.subscribe()
	var toRunning time.Duration
	b.ResetTimer()
	for i := range b.N {
		f.declineHeld(time.Millisecond)
		o := waitForOffer(b, f, func(o mesos.Offer) bool { return unreservedScalar(o, "cpus") >= 1 })
		id := fmt.Sprintf("bench-%d", i)
		ex := defaultExecutor("exec-"+id, f, allocated([]mesos.Resource{scalar("cpus", 0.1), scalar("mem", 32), scalar("disk", 8)}, role)...)
		task := commandTask(id, o, "exit 0", allocated([]mesos.Resource{scalar("cpus", 0.1), scalar("mem", 32)}, role)...)
		start := time.Now()
		f.mustCall(calls.Accept(calls.OfferOperations{calls.OpLaunchGroup(ex, task)}.WithOffers(o.ID)).With(calls.RefuseSeconds(time.Millisecond)))
		f.update(id, mesos.TASK_RUNNING)
		toRunning += time.Since(start)
		f.update(id, mesos.TASK_FINISHED)
	}
	b.ReportMetric(float64(toRunning.Microseconds())/float64(b.N)/1000, "ms-to-running/op")
}

func unreservedScalar(o mesos.Offer, name string) float64 {
	var sum float64
	for _, r := range o.Resources {
		if r.Name == name && len(r.Reservations) == 0 {
			sum += r.GetScalar().GetValue()
		}
	}
	return sum
}

// BenchmarkTaskGroupsPerSecond launches 50 task groups, each with its own
// default executor process, in one ACCEPT, and measures how fast they all
// reach TASK_RUNNING (the reference records 2–3 groups/s on a real Mesos
// agent with the linux launcher).
func BenchmarkTaskGroupsPerSecond(b *testing.B) {
	const groups = 50
	c := startCluster(b, 1)
	f := newFramework(b, c.URL(), protobufCodec)
	f.subscribe()
	var total time.Duration
	b.ResetTimer()
	for i := range b.N {
		f.declineHeld(time.Millisecond)
		o := waitForOffer(b, f, func(o mesos.Offer) bool {
			return unreservedScalar(o, "cpus") >= 1.1 && unreservedScalar(o, "mem") >= groups*64+100
		})
		var ops []mesos.Offer_Operation
		for g := range groups {
			id := fmt.Sprintf("g%d-%d", i, g)
			ex := defaultExecutor("exec-"+id, f, allocated([]mesos.Resource{scalar("cpus", 0.01), scalar("mem", 32), scalar("disk", 1)}, role)...)
			task := commandTask(id, o, "exit 0", allocated([]mesos.Resource{scalar("cpus", 0.01), scalar("mem", 32)}, role)...)
			ops = append(ops, calls.OpLaunchGroup(ex, task))
		}
		start := time.Now()
		f.mustCall(calls.Accept(calls.OfferOperations(ops).WithOffers(o.ID)).With(calls.RefuseSeconds(time.Millisecond)))
		for g := range groups {
			f.update(fmt.Sprintf("g%d-%d", i, g), mesos.TASK_RUNNING)
		}
		total += time.Since(start)
		for g := range groups {
			f.update(fmt.Sprintf("g%d-%d", i, g), mesos.TASK_FINISHED)
		}
		for range groups {
			f.next(func(e *scheduler.Event) bool { return e.Type == scheduler.Event_FAILURE && e.Failure.ExecutorID != nil }, 10*time.Second)
		}
	}
	b.ReportMetric(float64(groups*b.N)/total.Seconds(), "groups/s")
}
