package local_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"

	"github.com/kennel-sdk/kennel/deploy/local"
)

const role = "svc-role"

// pod is what the conformance scenarios launch: reserved cpus and mem, a
// persistent volume on a MOUNT disk, and a default executor running one
// task in a task group.
type pod struct {
	offer    mesos.Offer
	executor mesos.ExecutorInfo
	volume   mesos.Resource
	task     mesos.TaskInfo
}

// reservePod reserves resources and creates a volume in one ACCEPT, waits
// for the reserved offer and returns the pieces to launch with it.
func reservePod(t *testing.T, f *framework, hostname, volumeID string) pod {
	t.Helper()
	o := f.offer(hostname)
	disk := mountDisk(t, o)
	res := []mesos.Resource{reserved(scalar("cpus", 0.5), role), reserved(scalar("mem", 160), role), reserved(scalar("disk", 64), role), reserved(disk, role)}
	vol := reserved(clone(disk), role)
	vol.Disk.Persistence = &mesos.Resource_DiskInfo_Persistence{ID: volumeID, Principal: strPtr("kennel")}
	vol.Disk.Volume = &mesos.Volume{Mode: mesos.RW.Enum(), ContainerPath: "data"}
	f.accept(o, calls.OpReserve(allocated(res, role)...), calls.OpCreate(allocated([]mesos.Resource{vol}, role)...))
	// The next offer of that agent holds the reservations and the volume.
	var got mesos.Offer
	for got.ID.Value == "" {
		next := f.offer(o.Hostname)
		for _, r := range next.Resources {
			if r.GetDisk().GetPersistence().GetID() == volumeID {
				got = next
			}
		}
		if got.ID.Value == "" {
			f.mustCall(calls.Decline(next.ID).With(calls.RefuseSeconds(10 * time.Millisecond)))
		}
	}
	return pod{offer: got, volume: vol,
		executor: defaultExecutor("exec-"+volumeID, f, allocated([]mesos.Resource{reserved(scalar("cpus", 0.1), role), reserved(scalar("mem", 32), role), reserved(scalar("disk", 32), role)}, role)...)}
}

// run launches shell as the pod's task and waits for TASK_RUNNING.
func (p *pod) run(t *testing.T, f *framework, taskID, shell string) mesos.TaskStatus {
	t.Helper()
	p.launch(t, f, taskID, shell)
	return f.update(taskID, mesos.TASK_RUNNING)
}

// launch launches shell as the pod's task, with the volume.
func (p *pod) launch(t *testing.T, f *framework, taskID, shell string) {
	t.Helper()
	p.task = commandTask(taskID, p.offer, shell, allocated([]mesos.Resource{reserved(scalar("cpus", 0.4), role), reserved(scalar("mem", 128), role), reserved(scalar("disk", 32), role), p.volume}, role)...)
	f.accept(p.offer, calls.OpLaunchGroup(p.executor, p.task))
}

func TestLaunchGroupWithPersistentVolume(t *testing.T) {
	for _, codec := range []encoding{protobufCodec, jsonCodec} {
		t.Run(string(codec), func(t *testing.T) {
			t.Parallel()
			c := startCluster(t, 1)
			f := subscribed(t, c, codec)
			p := reservePod(t, f, "", "vol-1")
			p.launch(t, f, "writer", `echo "$MESOS_TASK_ID was here" > data/proof && test -d "$MESOS_SANDBOX"`)
			f.update("writer", mesos.TASK_STARTING)
			f.update("writer", mesos.TASK_RUNNING)
			f.update("writer", mesos.TASK_FINISHED)
			// The data is on the MOUNT disk, outside any sandbox.
			root := p.volume.GetDisk().GetSource().GetMount().GetRoot()
			b, err := os.ReadFile(filepath.Join(root, "proof"))
			if err != nil || string(b) != "writer was here\n" {
				t.Fatalf("volume data: %q, %v", b, err)
			}
			// Once the executor has exited, the whole reservation and the
			// volume come back in offers.
			ev := f.next(func(e *scheduler.Event) bool { return e.Type == scheduler.Event_FAILURE && e.Failure.ExecutorID != nil }, 30*time.Second)
			if ev.Failure.GetExecutorID().Value != "exec-vol-1" || ev.Failure.GetStatus() != 0 {
				t.Errorf("executor exit: %v status %d", ev.Failure.GetExecutorID(), ev.Failure.GetStatus())
			}
			waitForOffer(t, f, func(o mesos.Offer) bool {
				return reservedScalar(o, "cpus") == 0.5 && volume(o, "vol-1") != nil
			})
		})
	}
}

// reservedScalar sums the reserved resources of that name in the offer.
func reservedScalar(o mesos.Offer, name string) float64 {
	var sum float64
	for _, r := range o.Resources {
		if r.Name == name && len(r.Reservations) > 0 {
			sum += r.GetScalar().GetValue()
		}
	}
	return sum
}

// volume returns the offer's persistent volume with that id, or nil.
func volume(o mesos.Offer, id string) *mesos.Resource {
	for i, r := range o.Resources {
		if r.GetDisk().GetPersistence().GetID() == id {
			return &o.Resources[i]
		}
	}
	return nil
}

// waitForOffer declines offers until one satisfies ok.
func waitForOffer(t testing.TB, f *framework, ok func(mesos.Offer) bool) mesos.Offer {
	t.Helper()
	for range 50 {
		o := f.offer("")
		if ok(o) {
			return o
		}
		f.mustCall(calls.Decline(o.ID).With(calls.RefuseSeconds(10 * time.Millisecond)))
	}
	t.Fatal("no offer as expected among 50")
	return mesos.Offer{}
}

func TestKillAndCrash(t *testing.T) {
	for _, kind := range agentKinds {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			c := startClusterOf(t, kind, 1)
			f := subscribed(t, c, protobufCodec)
			p := reservePod(t, f, "", "vol-k")
			st := p.run(t, f, "sleeper", "sleep 300")
			f.mustCall(calls.Kill("sleeper", st.GetAgentID().GetValue()))
			f.update("sleeper", mesos.TASK_KILLED)
			// The default executor exits once its last task ended; the next task
			// group starts a new one. As on Mesos, the executor that exited by
			// itself after its tasks were killed reports status 0.
			ev := f.next(func(e *scheduler.Event) bool { return e.Type == scheduler.Event_FAILURE && e.Failure.ExecutorID != nil }, 30*time.Second)
			if got := ev.Failure.GetStatus(); got != 0 {
				t.Errorf("FAILURE of the executor after its tasks were killed: status %d, want 0 (Mesos)", got)
			}
			p.offer = waitForOffer(t, f, func(o mesos.Offer) bool { return reservedScalar(o, "cpus") == 0.5 })
			p.run(t, f, "crasher", "sleep 300")
			if err := c.CrashTask("crasher"); err != nil {
				t.Fatal(err)
			}
			st = f.update("crasher", mesos.TASK_FAILED)
			if !strings.Contains(st.GetMessage(), "signal") && !strings.Contains(st.GetMessage(), "killed") {
				t.Errorf("a task killed by SIGKILL: message %q", st.GetMessage())
			}
			// An executor killed with SIGKILL: its task fails as the executor
			// terminated, and none of the task's processes outlives it. Real
			// agents only: a simulated one has no executor process to kill.
			if kind != realAgents {
				return
			}
			p.offer = waitForOffer(t, f, func(o mesos.Offer) bool { return reservedScalar(o, "cpus") == 0.5 })
			p.run(t, f, "orphan", "sleep 300")
			if err := c.CrashExecutor("orphan"); err != nil {
				t.Fatal(err)
			}
			st = f.update("orphan", mesos.TASK_FAILED)
			if st.GetReason() != mesos.REASON_EXECUTOR_TERMINATED {
				t.Errorf("the task of a crashed executor: reason %s, want REASON_EXECUTOR_TERMINATED", st.GetReason())
			}
			deadline := time.Now().Add(time.Minute)
			for taskProcesses("orphan") > 0 {
				if time.Now().After(deadline) {
					t.Fatal("the task of a crashed executor still runs a minute later")
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

func TestAgentRestartKeepsTasks(t *testing.T) {
	for _, kind := range agentKinds {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			c := startClusterOf(t, kind, 1)
			f := subscribed(t, c, protobufCodec)
			p := reservePod(t, f, "", "vol-r")
			st := p.run(t, f, "survivor", "sleep 300")
			if err := c.Agent(agentName(kind, 1), local.ActionRestart); err != nil {
				t.Fatal(err)
			}
			// The task is still running: explicit reconciliation says so, and a
			// kill reaches it through the executor, which re-subscribed.
			f.mustCall(calls.Reconcile(calls.ReconcileTasks(map[string]string{"survivor": st.GetAgentID().GetValue()})))
			if rec := f.reconciled("survivor"); rec.GetState() != mesos.TASK_RUNNING {
				t.Fatalf("after an agent restart: %s %s", rec.GetState(), rec.GetMessage())
			}
			// The master learned the task back: its reservation and volume are in
			// use, not offered.
			if o := f.offer(""); volume(o, "vol-r") != nil || reservedScalar(o, "cpus") != 0 {
				t.Fatalf("resources of a running task offered after an agent restart: %v", o.Resources)
			}
			f.mustCall(calls.Kill("survivor", st.GetAgentID().GetValue()))
			if killed := f.update("survivor", mesos.TASK_KILLED); killed.GetSource() != mesos.SOURCE_EXECUTOR {
				t.Errorf("TASK_KILLED from %s, want the re-subscribed executor", killed.GetSource())
			}
			// The executor started before the restart ends by itself, and the
			// restarted agent knows its exit status, as Mesos's does.
			ev := f.next(func(e *scheduler.Event) bool { return e.Type == scheduler.Event_FAILURE && e.Failure.ExecutorID != nil }, 30*time.Second)
			if got := ev.Failure.GetStatus(); got != 0 {
				t.Errorf("FAILURE of the executor after its task was killed: status %d, want 0 (Mesos)", got)
			}
		})
	}
}

func TestPartitionUnreachableThenBack(t *testing.T) {
	for _, kind := range agentKinds {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			c := startClusterOf(t, kind, 1)
			f := subscribed(t, c, jsonCodec)
			p := reservePod(t, f, "", "vol-p")
			p.run(t, f, "islander", "sleep 300")
			if err := c.Agent(agentName(kind, 1), local.ActionPartition); err != nil {
				t.Fatal(err)
			}
			st := f.update("islander", mesos.TASK_UNREACHABLE)
			if st.GetReason() != mesos.REASON_AGENT_REMOVED || st.UnreachableTime == nil || len(st.UUID) != 0 {
				t.Errorf("unreachable update: reason %s, unreachable_time %v, uuid %x", st.GetReason(), st.UnreachableTime, st.UUID)
			}
			f.next(func(e *scheduler.Event) bool { return e.Type == scheduler.Event_FAILURE && e.Failure.ExecutorID == nil }, 30*time.Second)
			if err := c.Agent(agentName(kind, 1), local.ActionHeal); err != nil {
				t.Fatal(err)
			}
			st = f.update("islander", mesos.TASK_RUNNING)
			if st.GetReason() != mesos.REASON_AGENT_REREGISTERED {
				t.Errorf("back from the partition: reason %s", st.GetReason())
			}
		})
	}
}

func TestAgentGone(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	f := subscribed(t, c, protobufCodec)
	p := reservePod(t, f, "127.0.1.1", "vol-g")
	p.run(t, f, "doomed", "sleep 300")
	if err := c.Agent("agent-1", local.ActionGone); err != nil {
		t.Fatal(err)
	}
	f.update("doomed", mesos.TASK_GONE_BY_OPERATOR)
	// A gone agent never returns: the master refuses it, and it shuts
	// down (its executor API closes).
	if err := c.Agent("agent-1", local.ActionStart); err != nil {
		t.Fatal(err)
	}
	endpoint := c.Agents()[0].Endpoint
	waitFor(t, 30*time.Second, "the refused agent to shut down", func() bool {
		conn, err := net.Dial("tcp", endpoint)
		if err == nil {
			conn.Close()
		}
		return err != nil
	})
	s, err := local.NewClient(c.URL()).State(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Slaves) != 1 || len(s.GoneSlaves) != 1 {
		t.Fatalf("after marking agent-1 gone: %d agents, %d gone", len(s.Slaves), len(s.GoneSlaves))
	}
}

func TestMasterFailover(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	f := subscribed(t, c, protobufCodec)
	p := reservePod(t, f, "", "vol-m")
	st := p.run(t, f, "steady", "sleep 300")
	c.RestartMaster()
	f.streamEnded(30 * time.Second)
	id := f.id
	f.subscribe() // retries through the 503s of the recovery window
	if f.id != id {
		t.Fatalf("re-subscribed as %s, was %s", f.id, id)
	}
	f.mustCall(calls.Reconcile(calls.ReconcileTasks(map[string]string{"steady": st.GetAgentID().GetValue()})))
	if rec := f.reconciled("steady"); rec.GetState() != mesos.TASK_RUNNING {
		t.Errorf("reconciled after failover: %s", rec.GetState())
	}
	if o := f.offer(""); volume(o, "vol-m") != nil || reservedScalar(o, "cpus") != 0 {
		t.Fatalf("resources of a running task offered after a master failover: %v", o.Resources)
	}
}

func TestDeclineFilterAndRevive(t *testing.T) {
	for _, kind := range agentKinds {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			c := startClusterOf(t, kind, 1)
			f := subscribed(t, c, protobufCodec)
			o := f.offer("")
			f.mustCall(calls.Decline(o.ID).With(calls.RefuseSeconds(time.Hour)))
			// Another framework is offered what f declined: the allocator has run
			// with those resources since, and had to pass f over.
			g := newFramework(t, c.URL(), protobufCodec)
			g.subscribe()
			og := g.offer("")
			if _, err := f.tryNext(func(e *scheduler.Event) bool { return e.Type == scheduler.Event_OFFERS }, 0); err == nil {
				t.Fatal("an offer came despite a one-hour decline filter")
			}
			g.mustCall(calls.Decline(og.ID).With(calls.RefuseSeconds(time.Hour)))
			f.mustCall(calls.Revive())
			f.offer("")
		})
	}
}

// TestExplicitReconciliationOfUnknownTasks follows Mesos's decision table
// (reference/mesos-api.md §2.9): the answer depends on what the master
// knows of the agent and on PARTITION_AWARE.
func TestExplicitReconciliationOfUnknownTasks(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	aware := newFramework(t, c.URL(), jsonCodec)
	aware.subscribe()
	legacy := newFramework(t, c.URL(), protobufCodec)
	legacy.info.Capabilities = legacy.info.Capabilities[:2]
	legacy.subscribe()
	if err := c.Agent("agent-2", local.ActionGone); err != nil {
		t.Fatal(err)
	}
	registered, gone := c.Agents()[0].ID, c.Agents()[1].ID
	for _, tc := range []struct {
		name, agent   string
		aware, legacy mesos.TaskState
	}{
		{"agent registered", registered, mesos.TASK_GONE, mesos.TASK_LOST},
		{"agent gone", gone, mesos.TASK_GONE_BY_OPERATOR, mesos.TASK_LOST},
		{"agent unknown", "no-such-agent", mesos.TASK_UNKNOWN, mesos.TASK_LOST},
	} {
		for _, fw := range []struct {
			f    *framework
			want mesos.TaskState
		}{{aware, tc.aware}, {legacy, tc.legacy}} {
			id := "ghost-" + strings.ReplaceAll(tc.name, " ", "-")
			fw.f.mustCall(calls.Reconcile(calls.ReconcileTasks(map[string]string{id: tc.agent})))
			st := fw.f.update(id, mesos.TASK_GONE, mesos.TASK_GONE_BY_OPERATOR, mesos.TASK_UNKNOWN, mesos.TASK_LOST, mesos.TASK_UNREACHABLE)
			if st.GetState() != fw.want || st.GetReason() != mesos.REASON_RECONCILIATION || len(st.UUID) != 0 {
				t.Errorf("%s (partition aware %t): %s %s uuid %x, want %s", tc.name, fw.f == aware, st.GetState(), st.GetReason(), st.UUID, fw.want)
			}
		}
	}
}

func TestVolumeDestroyWipesData(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	f := subscribed(t, c, protobufCodec)
	p := reservePod(t, f, "", "vol-d")
	p.launch(t, f, "scribe", "echo hi > data/file")
	f.update("scribe", mesos.TASK_FINISHED)
	root := p.volume.GetDisk().GetSource().GetMount().GetRoot()
	if _, err := os.Stat(filepath.Join(root, "file")); err != nil {
		t.Fatal(err)
	}
	// Wait until the executor is gone so the volume is free, then destroy
	// the volume and unreserve everything.
	f.next(func(e *scheduler.Event) bool { return e.Type == scheduler.Event_FAILURE && e.Failure.ExecutorID != nil }, 30*time.Second)
	o := waitForOffer(t, f, func(o mesos.Offer) bool { return reservedScalar(o, "cpus") == 0.5 })
	var vol []mesos.Resource
	var res []mesos.Resource
	for _, r := range o.Resources {
		if r.GetDisk().GetPersistence().GetID() == "vol-d" {
			vol = append(vol, r)
			r = clone(r)
			r.Disk.Persistence, r.Disk.Volume = nil, nil
		}
		if len(r.Reservations) > 0 {
			res = append(res, r)
		}
	}
	if len(vol) != 1 {
		t.Fatalf("volume not offered: %v", o.Resources)
	}
	f.accept(o, calls.OpDestroy(vol...), calls.OpUnreserve(res...))
	waitFor(t, 30*time.Second, "volume data wiped", func() bool {
		_, err := os.Stat(filepath.Join(root, "file"))
		return os.IsNotExist(err)
	})
	o = f.offer("")
	for _, r := range o.Resources {
		if len(r.Reservations) > 0 {
			t.Fatalf("reservation survived UNRESERVE: %v", r)
		}
	}
}

// taskProcesses counts the live processes whose environment names the task
// (MESOS_TASK_ID), zombies aside.
func taskProcesses(taskID string) int {
	want := []byte("MESOS_TASK_ID=" + taskID)
	n := 0
	entries, _ := os.ReadDir("/proc")
	for _, ent := range entries {
		if _, err := strconv.Atoi(ent.Name()); err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + ent.Name() + "/stat")
		if err != nil || bytes.Contains(stat, []byte(") Z ")) {
			continue
		}
		env, err := os.ReadFile("/proc/" + ent.Name() + "/environ")
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if bytes.Equal(kv, want) {
				n++
				break
			}
		}
	}
	return n
}
