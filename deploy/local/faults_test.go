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

	"github.com/kennel-sdk/kennel/deploy/local"
)

func TestAgentDownBeyondPingTimeout(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	f := subscribed(t, c, protobufCodec)
	p := reservePod(t, f, "", "vol-s")
	p.run(t, f, "patient", "sleep 300")
	if err := c.Agent("agent-1", local.ActionStop); err != nil {
		t.Fatal(err)
	}
	f.update("patient", mesos.TASK_UNREACHABLE)
	if err := c.Agent("agent-1", local.ActionStart); err != nil {
		t.Fatal(err)
	}
	// The executor kept running without its agent and re-subscribes; the
	// task comes back.
	st := f.update("patient", mesos.TASK_RUNNING)
	if st.GetReason() != mesos.REASON_AGENT_REREGISTERED {
		t.Errorf("back after the agent restarted: reason %s", st.GetReason())
	}
	f.mustCall(calls.Kill("patient", st.GetAgentID().GetValue()))
	f.update("patient", mesos.TASK_KILLED)
}

// TestAgentPingTimeoutDecidesAgentLoss runs the cluster on Mesos's clock
// (15 s heartbeats) with Mesos's own --agent_ping_timeout=1secs and
// --max_agent_ping_timeouts=2: a stopped agent is lost after those pings,
// not after the defaults (15secs × 5) nor the heartbeat interval.
func TestAgentPingTimeoutDecidesAgentLoss(t *testing.T) {
	t.Parallel()
	timeout, misses := local.Duration(time.Second), 2
	c := startClusterWith(t, 1, func(cfg *local.Config) {
		cfg.TimeScale = 1
		cfg.AgentPingTimeout, cfg.MaxAgentPingTimeouts = &timeout, &misses
	})
	f := subscribed(t, c, protobufCodec)
	if hb := f.subscribedEv.GetHeartbeatIntervalSeconds(); hb != 15 {
		t.Errorf("heartbeat interval %g s, want Mesos's 15 s: the ping flags must not change it", hb)
	}
	stopped := time.Now()
	if err := c.Agent("agent-1", local.ActionStop); err != nil {
		t.Fatal(err)
	}
	// With the default pings the agent could not be lost before 4 × 15 s
	// had passed, so an event within 50 s proves the flags were used.
	f.next(func(e *scheduler.Event) bool {
		return e.Type == scheduler.Event_FAILURE && e.Failure.AgentID != nil && e.Failure.ExecutorID == nil
	}, 50*time.Second)
	// A ping is missed only once its timeout has passed, so the agent is
	// never lost before (misses-1) whole timeouts: a lower bound load
	// cannot break.
	if lost, least := time.Since(stopped), time.Duration(misses-1)*time.Duration(timeout); lost < least {
		t.Errorf("agent lost %s after it stopped, before %d missed pings of %s", lost, misses-1, time.Duration(timeout))
	}
}

func TestHostLossKeepsReservationsUnderANewAgentID(t *testing.T) {
	for _, tc := range []struct {
		name            string
		waitUnreachable bool
	}{{"rebooted after the ping timeout", true}, {"rebooted at once", false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := startCluster(t, 1)
			f := subscribed(t, c, protobufCodec)
			p := reservePod(t, f, "", "vol-h")
			st := p.run(t, f, "lost", "echo keep > data/kept; sleep 300")
			oldID := st.GetAgentID().GetValue()
			// TASK_RUNNING means the shell was started, not that it has
			// written: the host must not go down before the data is there.
			kept := filepath.Join(p.volume.GetDisk().GetSource().GetMount().GetRoot(), "kept")
			waitFor(t, 30*time.Second, "the task's write to the volume", func() bool {
				b, err := os.ReadFile(kept)
				return err == nil && string(b) == "keep\n"
			})
			if err := c.Agent("agent-1", local.ActionDestroy); err != nil {
				t.Fatal(err)
			}
			if tc.waitUnreachable {
				f.update("lost", mesos.TASK_UNREACHABLE)
			}
			if err := c.Agent("agent-1", local.ActionStart); err != nil {
				t.Fatal(err)
			}
			// The new agent at the old one's address ends the old tasks.
			if st := f.update("lost", mesos.TASK_GONE); st.GetReason() != mesos.REASON_AGENT_RESTARTED {
				t.Errorf("the task of the lost host: reason %s", st.GetReason())
			}
			// The rebooted host is a new agent offering the same reservation
			// and volume, with the data written before the loss.
			o := waitForOffer(t, f, func(o mesos.Offer) bool { return volume(o, "vol-h") != nil })
			if o.AgentID.Value == oldID {
				t.Errorf("the rebooted host kept agent id %s", oldID)
			}
			if reservedScalar(o, "cpus") != 0.5 {
				t.Errorf("reserved cpus after the reboot: %g", reservedScalar(o, "cpus"))
			}
			s, err := local.NewClient(c.URL()).State(t.Context())
			if err != nil || len(s.Slaves) != 1 {
				t.Fatalf("agents after the reboot: %+v, %v", s.Slaves, err)
			}
			p.offer, p.executor.ExecutorID.Value = o, "exec-vol-h-2"
			p.launch(t, f, "found", "grep -q keep data/kept")
			f.update("found", mesos.TASK_FINISHED)
		})
	}
}

// TestLaunchOnAStoppedAgentIsDropped: an offer made before the agent
// stopped is still valid; the launch never reaches the agent, and the
// task is dropped rather than left staging.
func TestLaunchOnAStoppedAgentIsDropped(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	f := subscribed(t, c, protobufCodec)
	o := f.offer("")
	if err := c.Agent("agent-1", local.ActionStop); err != nil {
		t.Fatal(err)
	}
	ex := defaultExecutor("exec-nowhere", f, allocated([]mesos.Resource{scalar("cpus", 0.1), scalar("mem", 32), scalar("disk", 8)}, role)...)
	task := commandTask("nowhere", o, "true", allocated([]mesos.Resource{scalar("cpus", 0.1), scalar("mem", 32)}, role)...)
	f.accept(o, calls.OpLaunchGroup(ex, task))
	if st := f.update("nowhere", mesos.TASK_DROPPED); st.GetReason() != mesos.REASON_AGENT_DISCONNECTED || len(st.UUID) != 0 {
		t.Errorf("dropped launch: reason %s uuid %x", st.GetReason(), st.UUID)
	}
}

// TestTeardownReleasesOnlyWhatIsHeld: removing a framework whose task
// already finished must not free resources another framework's task holds.
func TestTeardownReleasesOnlyWhatIsHeld(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	launch := func(f *framework, id, shell string, cpus float64) {
		o := waitForOffer(t, f, func(o mesos.Offer) bool { return unreservedScalar(o, "cpus") >= cpus+0.1 })
		ex := defaultExecutor("exec-"+id, f, allocated([]mesos.Resource{scalar("cpus", 0.1), scalar("mem", 32), scalar("disk", 8)}, role)...)
		task := commandTask(id, o, shell, allocated([]mesos.Resource{scalar("cpus", cpus), scalar("mem", 32)}, role)...)
		f.accept(o, calls.OpLaunchGroup(ex, task))
	}
	a := newFramework(t, c.URL(), protobufCodec)
	a.autoAck = false // the master keeps a's finished task until teardown
	a.subscribe()
	launch(a, "brief", "true", 0.5)
	// Unacknowledged, the update in flight stays TASK_STARTING; the agent
	// tells the master the task's latest state all the same, and the
	// executor exits when its grace period ends.
	a.update("brief", mesos.TASK_STARTING)
	a.next(func(e *scheduler.Event) bool { return e.Type == scheduler.Event_FAILURE && e.Failure.ExecutorID != nil }, 30*time.Second)
	waitFor(t, 30*time.Second, "the master to learn the task finished", func() bool {
		s, err := localClient(c).State(t.Context())
		return err == nil && len(s.Frameworks) == 1 && len(s.Frameworks[0].Tasks) == 1 && s.Frameworks[0].Tasks[0].State == "TASK_FINISHED"
	})
	a.stopOffers()
	b := newFramework(t, c.URL(), protobufCodec)
	b.subscribe()
	launch(b, "long", "sleep 300", 1)
	b.update("long", mesos.TASK_RUNNING)
	a.mustCall(&scheduler.Call{Type: scheduler.Call_TEARDOWN})
	// b holds 1.1 cpus of 4, and the master must still count them.
	waitFor(t, 30*time.Second, "the teardown", func() bool {
		s, err := localClient(c).State(t.Context())
		return err == nil && len(s.Frameworks) == 1
	})
	s, err := localClient(c).State(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if used, _ := s.Slaves[0].UsedResources["cpus"].(float64); used < 1.1-1e-9 || used > 1.1+1e-9 {
		t.Fatalf("used cpus after the teardown: %v, want 1.1", s.Slaves[0].UsedResources["cpus"])
	}
}

// TestKillWhileTheAgentRestarts: a KILL that reaches the agent before the
// executor re-subscribed waits for it; the task is killed for real.
func TestKillWhileTheAgentRestarts(t *testing.T) {
	for _, kind := range agentKinds {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			c := startClusterOf(t, kind, 1)
			f := subscribed(t, c, protobufCodec)
			p := reservePod(t, f, "", "vol-kr")
			st := p.run(t, f, "victim", "sleep 300")
			if err := c.Agent(agentName(kind, 1), local.ActionRestart); err != nil {
				t.Fatal(err)
			}
			f.mustCall(calls.Kill("victim", st.GetAgentID().GetValue()))
			if st := f.update("victim", mesos.TASK_KILLED); st.GetReason() == mesos.REASON_TASK_KILLED_DURING_LAUNCH {
				t.Fatalf("a running task reported killed during launch: %s", st.GetMessage())
			}
			if err := c.CrashTask("victim"); err == nil {
				t.Fatal("the killed task's processes still run")
			}
		})
	}
}

func TestFailoverTimeoutRemovesFramework(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	f := newFramework(t, c.URL(), protobufCodec)
	f.info.FailoverTimeout = floatPtr(0.5)
	f.subscribe()
	p := reservePod(t, f, "", "vol-f")
	p.run(t, f, "orphan", "sleep 300")
	f.cancel() // the scheduler goes away
	waitFor(t, 10*time.Second, "the framework to be removed", func() bool {
		s, err := local.NewClient(c.URL()).State(t.Context())
		return err == nil && len(s.Frameworks) == 0
	})
	waitFor(t, 10*time.Second, "its task to be killed", func() bool {
		return c.CrashTask("orphan") != nil
	})
	// It may not come back under its old id.
	g := newFramework(t, c.URL(), protobufCodec)
	g.id = f.id
	g.info.FailoverTimeout = floatPtr(60)
	ev, err := g.subscribeExpectingError()
	if err != nil || !strings.Contains(ev, "removed") {
		t.Fatalf("re-subscribing a removed framework: %q, %v", ev, err)
	}
	// Its reservation outlives it, for the role.
	h := newFramework(t, c.URL(), protobufCodec)
	h.subscribe()
	waitForOffer(t, h, func(o mesos.Offer) bool { return volume(o, "vol-f") != nil && reservedScalar(o, "cpus") == 0.5 })
}

func TestStalledFrameworkMissesHeartbeats(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	f := subscribed(t, c, jsonCodec)
	heartbeat := func(e *scheduler.Event) bool { return e.Type == scheduler.Event_HEARTBEAT }
	f.next(heartbeat, 30*time.Second) // every 15s × 0.05
	if err := c.StallFramework(f.id, true); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.events = nil
	f.mu.Unlock()
	// Heartbeats go to every framework on the same tick: once another
	// framework has had two, f has missed at least one.
	g := subscribed(t, c, jsonCodec)
	g.next(heartbeat, 30*time.Second)
	g.next(heartbeat, 30*time.Second)
	if _, err := f.tryNext(heartbeat, 0); err == nil {
		t.Fatal("a stalled framework got a heartbeat")
	}
	// Re-subscribing, as a scheduler that missed heartbeats does, resumes
	// delivery.
	f.cancel()
	f.subscribe()
	f.next(heartbeat, 30*time.Second)
	if err := c.StallFramework("no-such-framework", true); err == nil {
		t.Error("stalling an unknown framework succeeded")
	}
}

// TestAckOfAnUpdateBeforeTheTerminalOne: a task that finished while its
// first update waited for acknowledgement (its scheduler was away) stays
// known to the master until its terminal update is acknowledged, as in
// Mesos, whose master removes a task only when the acknowledged update is
// terminal. Reconciliation answers the state of the update the agent
// forwarded, never a state still to come, and never "unknown" for a task
// whose FINISHED the scheduler has not seen: a scheduler that stored the
// task running and crashed would take it for lost and run it again.
func TestAckOfAnUpdateBeforeTheTerminalOne(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	f := newFramework(t, c.URL(), protobufCodec)
	f.autoAck = false
	f.subscribe()
	o := f.offer("")
	ex := defaultExecutor("exec-brief", f, allocated([]mesos.Resource{scalar("cpus", 0.1), scalar("mem", 32), scalar("disk", 8)}, role)...)
	task := commandTask("brief", o, "true", allocated([]mesos.Resource{scalar("cpus", 0.1), scalar("mem", 32)}, role)...)
	f.accept(o, calls.OpLaunchGroup(ex, task))
	st := f.update("brief", mesos.TASK_STARTING)
	waitFor(t, 30*time.Second, "the master to learn the task finished", func() bool {
		s, err := localClient(c).State(t.Context())
		return err == nil && len(s.Frameworks) == 1 && len(s.Frameworks[0].Tasks) == 1 && s.Frameworks[0].Tasks[0].State == "TASK_FINISHED"
	})
	agentID := st.GetAgentID().GetValue()
	reconcile := func() mesos.TaskStatus {
		f.mustCall(calls.Reconcile(calls.ReconcileTasks(map[string]string{"brief": agentID})))
		return f.reconciled("brief")
	}
	if r := reconcile(); r.GetState() != mesos.TASK_STARTING {
		t.Errorf("reconciled before any ack: %s (%s), want TASK_STARTING, the update forwarded", r.GetState(), r.GetMessage())
	}
	for st.GetState() != mesos.TASK_FINISHED {
		f.mustCall(calls.Acknowledge(agentID, "brief", st.UUID))
		if r := reconcile(); r.GetState() == mesos.TASK_GONE || r.GetState() == mesos.TASK_LOST {
			t.Fatalf("after the ack of %s: reconciled %s (%s)", st.GetState(), r.GetState(), r.GetMessage())
		}
		st = f.update("brief", mesos.TASK_RUNNING, mesos.TASK_FINISHED)
		if len(st.UUID) == 0 {
			t.Fatalf("a reliable update expected, got %s (%s)", st.GetState(), st.GetMessage())
		}
	}
	f.mustCall(calls.Acknowledge(agentID, "brief", st.UUID))
	if r := reconcile(); r.GetState() != mesos.TASK_GONE {
		t.Errorf("after the ack of TASK_FINISHED: reconciled %s (%s), want TASK_GONE (unknown)", r.GetState(), r.GetMessage())
	}
}
