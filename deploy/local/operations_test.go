package local_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// TestReserveCreateLaunchInOneAccept does what a DC/OS Commons scheduler
// does for a new pod: one ACCEPT that reserves, creates the volume and
// launches. The data outlives a kill; the pod relaunches on the reserved
// resources offered back and finds it.
func TestReserveCreateLaunchInOneAccept(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	f := subscribed(t, c, protobufCodec)
	o := f.offer("")
	var mounts int
	var ports string
	for _, r := range o.Resources {
		if r.GetDisk().GetSource().GetType() == mesos.Resource_DiskInfo_Source_MOUNT {
			mounts++
		}
		if r.Name == "ports" {
			ports = r.GetRanges().String()
		}
	}
	if mounts != 2 || !strings.Contains(ports, "31000") {
		t.Fatalf("offer: %d MOUNT disks, ports %q", mounts, ports)
	}
	disk := mountDisk(t, o)
	cpus, mem, edisk := reserved(scalar("cpus", 0.5), role), reserved(scalar("mem", 160), role), reserved(scalar("disk", 64), role)
	vol := reserved(clone(disk), role)
	vol.Disk.Persistence = &mesos.Resource_DiskInfo_Persistence{ID: "vol-1a", Principal: strPtr("kennel")}
	vol.Disk.Volume = &mesos.Volume{Mode: mesos.RW.Enum(), ContainerPath: "data"}
	ex := defaultExecutor("exec-1a", f, allocated([]mesos.Resource{reserved(scalar("cpus", 0.1), role), reserved(scalar("mem", 32), role), reserved(scalar("disk", 32), role)}, role)...)
	taskRes := allocated([]mesos.Resource{reserved(scalar("cpus", 0.4), role), reserved(scalar("mem", 128), role), reserved(scalar("disk", 32), role), vol}, role)
	// The writer finishes once it has written: a writer killed once
	// RUNNING may not have written yet.
	writer := commandTask("writer-1a", o, "echo kept > data/file", taskRes...)
	f.accept(o,
		calls.OpReserve(allocated([]mesos.Resource{cpus, mem, edisk, reserved(disk, role)}, role)...),
		calls.OpCreate(allocated([]mesos.Resource{vol}, role)...),
		calls.OpLaunchGroup(ex, writer))
	f.update("writer-1a", mesos.TASK_FINISHED)
	f.next(func(e *scheduler.Event) bool { return e.Type == scheduler.Event_FAILURE && e.Failure.ExecutorID != nil }, 30*time.Second)
	o = waitForOffer(t, f, func(o mesos.Offer) bool { return volume(o, "vol-1a") != nil && reservedScalar(o, "cpus") == 0.5 })
	reader := commandTask("reader-1a", o, "grep -q kept data/file", taskRes...)
	f.accept(o, calls.OpLaunchGroup(ex, reader))
	f.update("reader-1a", mesos.TASK_FINISHED)
}

// TestInvalidOperations: every ACCEPT is answered 202, and what went wrong
// arrives as events, as reference/mesos-api.md §6.2 records them.
func TestInvalidOperations(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	f := subscribed(t, c, jsonCodec)
	o := f.offer("")
	small := func(id string) mesos.TaskInfo {
		return commandTask(id, o, "true", allocated([]mesos.Resource{scalar("cpus", 0.1), scalar("mem", 32)}, role)...)
	}
	ex := func(id string, mem float64) mesos.ExecutorInfo {
		return defaultExecutor(id, f, allocated([]mesos.Resource{scalar("cpus", 0.1), scalar("mem", mem), scalar("disk", 8)}, role)...)
	}

	// An offer id that does not exist.
	bogus := o
	bogus.ID = mesos.OfferID{Value: "no-such-offer"}
	f.accept(bogus, calls.OpLaunchGroup(ex("e1", 32), small("t-bogus")))
	if st := f.update("t-bogus", mesos.TASK_DROPPED); st.GetReason() != mesos.REASON_INVALID_OFFERS {
		t.Errorf("unknown offer: reason %s", st.GetReason())
	}

	// A RESERVE larger than the offer, with an operation id; a group
	// asking for more than offered; an executor below the minimums. The
	// first offer is still valid.
	huge := reserved(scalar("cpus", 1000), role)
	reserve := calls.OpReserve(allocated([]mesos.Resource{huge}, role)...)
	reserve.ID = &mesos.OperationID{Value: "op-too-big"}
	greedy := commandTask("t-greedy", o, "true", allocated([]mesos.Resource{scalar("cpus", 100), scalar("mem", 32)}, role)...)
	tiny := small("t-tiny")
	f.accept(o, reserve, calls.OpLaunchGroup(ex("e2", 32), greedy), calls.OpLaunchGroup(ex("e3", 16), tiny))
	ev := f.next(func(e *scheduler.Event) bool { return e.Type == scheduler.Event_UPDATE_OPERATION_STATUS }, 30*time.Second)
	if s := ev.UpdateOperationStatus.Status; s.GetOperationID().Value != "op-too-big" || s.State != mesos.OPERATION_ERROR || s.AgentID != nil || s.UUID != nil {
		t.Errorf("operation status: %+v", s)
	}
	if st := f.update("t-greedy", mesos.TASK_ERROR); st.GetReason() != mesos.REASON_TASK_GROUP_INVALID {
		t.Errorf("oversized group: reason %s", st.GetReason())
	}
	if st := f.update("t-tiny", mesos.TASK_ERROR); !strings.Contains(st.GetMessage(), "uses less memory (16MB) than the minimum required (32MB)") {
		t.Errorf("executor below the minimum: %q", st.GetMessage())
	}
}

// TestDestroyAndUnreserveFreeTheDiskForOthers: after DESTROY + UNRESERVE a
// framework of another role is offered the MOUNT disk.
func TestDestroyAndUnreserveFreeTheDiskForOthers(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	f := subscribed(t, c, protobufCodec)
	p := reservePod(t, f, "", "vol-o")
	root := p.volume.GetDisk().GetSource().GetMount().GetRoot()
	var res []mesos.Resource
	for _, r := range p.offer.Resources {
		if len(r.Reservations) > 0 {
			if r.GetDisk().GetPersistence() != nil {
				r = clone(r)
				r.Disk.Persistence, r.Disk.Volume = nil, nil
			}
			res = append(res, r)
		}
	}
	f.accept(p.offer, calls.OpDestroy(*volume(p.offer, "vol-o")), calls.OpUnreserve(res...))
	f.stopOffers()
	other := newFramework(t, c.URL(), protobufCodec)
	other.info.Roles = []string{"other-role"}
	other.subscribe()
	waitForOffer(t, other, func(o mesos.Offer) bool {
		for _, r := range o.Resources {
			if r.GetDisk().GetSource().GetMount().GetRoot() == root && len(r.Reservations) == 0 {
				return true
			}
		}
		return false
	})
}

// TestKillPolicyGracePeriod: the task sees SIGTERM first and has its grace
// period to finish.
func TestKillPolicyGracePeriod(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	f := subscribed(t, c, protobufCodec)
	p := reservePod(t, f, "", "vol-term")
	st := p.run(t, f, "graceful", `trap 'echo got-term > data/term; exit 0' TERM; touch data/trapped; while :; do sleep 0.05; done`)
	root := p.volume.GetDisk().GetSource().GetMount().GetRoot()
	waitFor(t, 30*time.Second, "the task to set its trap", func() bool {
		_, err := os.Stat(filepath.Join(root, "trapped"))
		return err == nil
	})
	kill := calls.Kill("graceful", st.GetAgentID().GetValue())
	// The grace is far longer than any test waits: a task still running
	// when it ends would be SIGKILLed ("signal" in the message), so status
	// 0 proves the task ended by itself on SIGTERM.
	kill.Kill.KillPolicy = &mesos.KillPolicy{GracePeriod: &mesos.DurationInfo{Nanoseconds: int64(time.Hour)}}
	f.mustCall(kill)
	if killed := f.update("graceful", mesos.TASK_KILLED); !strings.Contains(killed.GetMessage(), "exited with status 0") {
		t.Errorf("killed: %q, want the task's own exit with status 0", killed.GetMessage())
	}
	if b, err := os.ReadFile(filepath.Join(root, "term")); err != nil || string(b) != "got-term\n" {
		t.Errorf("the task did not see SIGTERM: %q %v", b, err)
	}
}

// TestHealthAndReadinessChecks: a failing health check kills the task
// (TASK_KILLED with healthy=false, as reference/mesos-api.md §6.2 records
// for the default executor); a check's result arrives in check_status.
func TestHealthAndReadinessChecks(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	f := subscribed(t, c, protobufCodec)
	p := reservePod(t, f, "", "vol-hc")
	cmd := func(s string) *mesos.CommandInfo { return &mesos.CommandInfo{Value: strPtr(s)} }
	sec := func(v float64) *float64 { return &v }
	one := uint32(1)
	task := commandTask("checked", p.offer, "sleep 300", allocated([]mesos.Resource{reserved(scalar("cpus", 0.4), role), reserved(scalar("mem", 128), role), reserved(scalar("disk", 32), role), p.volume}, role)...)
	task.Check = &mesos.CheckInfo{Type: mesos.CheckInfo_COMMAND, Command: &mesos.CheckInfo_Command{Command: *cmd("exit 0")},
		DelaySeconds: sec(0), IntervalSeconds: sec(0.1), TimeoutSeconds: sec(2)}
	task.HealthCheck = &mesos.HealthCheck{Type: mesos.HealthCheck_COMMAND, Command: cmd("exit 1"),
		DelaySeconds: sec(0.3), IntervalSeconds: sec(0.1), TimeoutSeconds: sec(2), GracePeriodSeconds: sec(0), ConsecutiveFailures: &one}
	p.task = task
	f.accept(p.offer, calls.OpLaunchGroup(p.executor, task))
	var sawCheck, sawUnhealthy bool
	for !sawUnhealthy {
		st := f.update("checked", mesos.TASK_RUNNING, mesos.TASK_KILLED)
		if st.GetState() == mesos.TASK_KILLED {
			t.Fatal("killed before reporting the failed health check")
		}
		if cs := st.GetCheckStatus().GetCommand(); cs != nil && cs.ExitCode != nil && *cs.ExitCode == 0 {
			sawCheck = true
		}
		sawUnhealthy = st.Healthy != nil && !*st.Healthy
	}
	killed := f.update("checked", mesos.TASK_KILLED)
	if killed.Healthy == nil || *killed.Healthy {
		t.Errorf("killed by its health check: healthy %v", killed.Healthy)
	}
	if !sawCheck {
		t.Error("no check_status with the readiness result arrived")
	}
}

// TestUnacknowledgedUpdateIsResent: without an acknowledgement the same
// update (same uuid) comes again.
func TestUnacknowledgedUpdateIsResent(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	f := newFramework(t, c.URL(), protobufCodec)
	f.autoAck = false
	f.subscribe()
	p := reservePod(t, f, "", "vol-ack")
	p.launch(t, f, "unacked", "sleep 300")
	first := f.update("unacked", mesos.TASK_STARTING)
	again := f.update("unacked", mesos.TASK_STARTING, mesos.TASK_RUNNING)
	if again.GetState() != mesos.TASK_STARTING || string(again.UUID) != string(first.UUID) {
		t.Fatalf("after no acknowledgement: %s %x, first %x", again.GetState(), again.UUID, first.UUID)
	}
	f.mustCall(calls.Acknowledge(first.GetAgentID().GetValue(), "unacked", first.UUID))
	f.update("unacked", mesos.TASK_RUNNING)
}

// TestImplicitReconciliationAndFailoverWithinTimeout: a scheduler that
// reconnects within its failover timeout keeps its tasks, and implicit
// reconciliation lists the live ones.
func TestImplicitReconciliationAndFailoverWithinTimeout(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	f := subscribed(t, c, jsonCodec)
	p := reservePod(t, f, "", "vol-imp")
	p.run(t, f, "kept", "sleep 300")
	f.cancel()
	f.streamEnded(30 * time.Second)
	f.subscribe()
	f.mustCall(calls.Reconcile())
	if st := f.reconciled("kept"); st.GetState() != mesos.TASK_RUNNING || len(st.UUID) != 0 || st.GetSource() != mesos.SOURCE_MASTER {
		t.Fatalf("implicit reconciliation: %s source %s uuid %x", st.GetState(), st.GetSource(), st.UUID)
	}
}
