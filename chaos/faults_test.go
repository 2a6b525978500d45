package chaos_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/kennel-sdk/kennel/deploy/local"
	"github.com/kennel-sdk/kennel/deploy/local/master"
	"github.com/kennel-sdk/kennel/scheduler/runtime"
)

// The kinds of fault the campaign applies.
const (
	schedulerKill     = "scheduler-kill"
	crashAfterWrite   = "scheduler-crash-after-write"
	reconfigMidRoll   = "scheduler-reconfig-mid-rollout"
	secondScheduler   = "second-scheduler"
	agentStop         = "agent-stop"
	agentPartition    = "agent-partition"
	agentDestroy      = "agent-destroy"
	taskKill          = "task-kill"
	executorKill      = "executor-kill"
	masterRestart     = "master-restart"
	eventStall        = "framework-event-stall"
	zkRestart         = "zk-restart"
	zkExpiry          = "zk-session-expiry"
	diskFull          = "state-disk-full"
	diskSlow          = "state-disk-slow"
	operatorPause     = "operator-pause-resume"
	operatorRestart   = "operator-pod-restart"
	operatorReplace   = "operator-pod-replace"
	operatorUpdate    = "operator-update"
	operatorScale     = "operator-scale"
	splitBrainTimeout = 90 * time.Second
)

// fault is one scheduled fault. Everything about it is drawn from the seed
// up front, so a seed replays the same schedule; only the moments at which
// the system under test reacts vary.
type fault struct {
	n     int
	kind  string
	agent int           // agent-1.. for agent faults
	pod   int           // pod instance for pod faults
	task  int           // index into the service's task names for task-kill
	dur   time.Duration // how long the fault lasts, or when it strikes
	count int           // writes before the crash point
}

func (f fault) String() string {
	s := fmt.Sprintf("#%d %s", f.n, f.kind)
	switch f.kind {
	case agentStop, agentPartition, agentDestroy:
		s += fmt.Sprintf(" agent-%d for %s", f.agent, f.dur)
	case schedulerKill, reconfigMidRoll, operatorPause, eventStall:
		s += fmt.Sprintf(" after %s", f.dur)
	case crashAfterWrite:
		s += fmt.Sprintf(" at write %d", f.count)
	case operatorRestart, operatorReplace:
		s += fmt.Sprintf(" instance %d", f.pod)
	case taskKill, executorKill, diskFull, diskSlow:
		s += fmt.Sprintf(" task %d for %s", f.task, f.dur)
	}
	return s
}

// schedule draws n faults from seed among the kinds of weights: first
// every kind once in a seeded order (so that even a short campaign covers
// them all), then kinds at random by weight.
func schedule(seed uint64, n int, weights map[string]int) []fault {
	rng := rand.New(rand.NewPCG(seed, 0x16))
	kinds := slices.Sorted(maps.Keys(weights))
	order := slices.Clone(kinds)
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	total := 0
	for _, k := range kinds {
		total += weights[k]
	}
	out := make([]fault, n)
	for i := range out {
		kind := ""
		for x, k := rng.IntN(total), 0; kind == ""; k++ {
			if x -= weights[kinds[k]]; x < 0 {
				kind = kinds[k]
			}
		}
		if i < len(order) {
			kind = order[i]
		}
		out[i] = fault{n: i + 1, kind: kind, agent: 1 + rng.IntN(agentCount), pod: rng.IntN(3), task: rng.IntN(4),
			dur: time.Duration(100+rng.IntN(4900)) * time.Millisecond, count: 1 + rng.IntN(3)}
	}
	return out
}

// campaign is one run: the env, the invariants, and the figures.
type campaign struct {
	e       *env
	c       *checker
	rep     *report
	hello   int // instances of the service's pod it declares now
	version int // configuration changes so far
	// relaunch are tasks the fault ends, by name, with the id each had:
	// recovery needs them running under new ids.
	relaunch map[string]string
}

// mustRelaunch notes that the live tasks of names (all, if keep is nil;
// else those keep accepts) are ended by the fault.
func (r *campaign) mustRelaunch(w world, keep func(master.TaskState) bool) {
	for name, ts := range w.live() {
		for _, t := range ts {
			if keep(t) {
				r.relaunch[name] = t.ID
			}
		}
	}
}

// taskNames are the tasks that run once the deploy is COMPLETE.
func (r *campaign) taskNames() []string {
	s := r.e.s
	names := slices.Clone(s.others)
	for i := range r.hello {
		names = append(names, s.pod+"-"+strconv.Itoa(i)+"-"+s.task)
	}
	return names
}

// reconfigure changes the service's configuration (a setting that rolls
// every instance of its pod) for the next scheduler start.
func (r *campaign) reconfigure() {
	r.version++
	r.e.vars[r.e.s.greetVar] = r.e.s.greeting(r.version)
}

// instance is the pod instance a pod fault targets.
func (r *campaign) instance(f fault) string {
	return r.e.s.pod + "-" + strconv.Itoa(f.pod%r.hello)
}

// restartScheduler stops the active scheduler gracefully and starts it
// again (on the current configuration).
func (r *campaign) restartScheduler(environ ...string) {
	if r.e.active != nil {
		r.e.active.term()
	}
	r.e.startScheduler(environ...)
}

// apply injects f and repairs what an operator or Marathon would repair
// (an agent started again, a partition healed); recovery is the caller's.
// The sleeps are the faults' durations, drawn from the seed: what is
// tested, not a wait for something to happen.
func (r *campaign) apply(f fault) error {
	e := r.e
	c, cancel := ctx()
	defer cancel()
	agent := "agent-" + strconv.Itoa(f.agent)
	during := func(d time.Duration) {
		deadline := time.Now().Add(d)
		for time.Now().Before(deadline) {
			r.note(f, r.c.duringFault())
			time.Sleep(min(200*time.Millisecond, time.Until(deadline)))
		}
	}
	switch f.kind {
	case schedulerKill:
		e.supervise()
		time.Sleep(f.dur)
		e.killScheduler()
	case crashAfterWrite:
		r.reconfigure()
		r.restartScheduler(runtime.CrashAfterWritesEnv + "=" + strconv.Itoa(f.count))
		fired := poll(60*time.Second, func() bool { return !e.active.alive() || r.complete() })
		if fired && !e.active.alive() {
			r.rep.crashPointsFired++
		}
	case reconfigMidRoll:
		r.reconfigure()
		r.restartScheduler()
		during(f.dur)
		e.killScheduler()
		r.reconfigure()
		e.startScheduler()
	case secondScheduler:
		e.supervise()
		e.startStandby()
		// The standby must not take the lock while the active one runs.
		during(2 * time.Second)
		e.killScheduler()
		select {
		case line := <-e.standby.ready:
			e.promote(line)
		case <-time.After(splitBrainTimeout):
			e.dropStandby()
			return fmt.Errorf("the standby did not take the lock within %s of the active scheduler's death", splitBrainTimeout)
		}
		r.rep.splitBrainTrials++
	case zkExpiry:
		// The active scheduler is cut off from ZooKeeper until its session
		// expires; a standby that reaches ZooKeeper takes the lock. The
		// cut-off one must stop acting.
		e.supervise()
		old := e.active
		e.startStandby()
		cut := e.proxies[e.side]
		cut.Partition()
		var line string
		ok := poll(splitBrainTimeout, func() bool {
			r.note(f, r.c.duringFault())
			select {
			case line = <-e.standby.ready:
				return true
			default:
				return false
			}
		})
		cut.Heal()
		if !ok {
			e.dropStandby()
			return fmt.Errorf("no standby took the lock within %s of the partition", splitBrainTimeout)
		}
		start := time.Now()
		if !poll(splitBrainTimeout, func() bool { return !old.alive() }) {
			r.note(f, []violation{{"one-scheduler", fmt.Sprintf("the scheduler that lost its ZooKeeper session still runs %s after the standby took the lock", splitBrainTimeout)}})
			old.kill()
		}
		r.rep.lockLossExit = append(r.rep.lockLossExit, time.Since(start))
		e.promote(line)
		r.rep.splitBrainTrials++
	case agentStop, agentPartition, agentDestroy:
		act := map[string]local.AgentAction{agentStop: local.ActionStop, agentPartition: local.ActionPartition, agentDestroy: local.ActionDestroy}[f.kind]
		undo := local.ActionStart
		if f.kind == agentPartition {
			undo = local.ActionHeal
		}
		if f.kind == agentDestroy {
			if w, err := e.read(); err == nil {
				id := ""
				for _, a := range w.agents {
					if a.Name == agent {
						id = a.ID
					}
				}
				r.mustRelaunch(w, func(t master.TaskState) bool { return t.SlaveID == id })
			}
		}
		if err := e.client.Agent(c, agent, act); err != nil {
			return err
		}
		during(f.dur)
		c2, cancel2 := ctx()
		defer cancel2()
		return e.client.Agent(c2, agent, undo)
	case taskKill, executorKill:
		crash := e.client.CrashTask
		if f.kind == executorKill {
			crash = e.client.CrashExecutor
		}
		return r.crashOne(f, crash)
	case masterRestart:
		return e.client.RestartMaster(c)
	case zkRestart:
		return e.zk.Restart(3 * time.Minute)
	case operatorPause:
		r.reconfigure()
		r.restartScheduler()
		if !poll(3*time.Minute, func() bool { return e.apiURL() != "" }) {
			return fmt.Errorf("the scheduler did not take the lock")
		}
		if err := e.post("/v1/plans/deploy/interrupt", ""); err != nil {
			return err
		}
		during(f.dur)
		return e.post("/v1/plans/deploy/continue", "")
	case operatorRestart, operatorReplace:
		e.supervise()
		if !poll(3*time.Minute, func() bool { return e.apiURL() != "" }) {
			return fmt.Errorf("the scheduler did not take the lock")
		}
		pod := r.instance(f)
		name := pod + "-" + e.s.task
		if w, err := e.read(); err == nil {
			r.mustRelaunch(w, func(t master.TaskState) bool { return t.Name == name })
		}
		verb := "restart"
		if f.kind == operatorReplace {
			// The instance's volume is given up: its data goes, and its
			// ONCE task runs again on the new one.
			verb = "replace"
			r.c.replaced(f.pod % r.hello)
		}
		return e.post("/v1/pod/"+pod+"/"+verb, "")
	case eventStall:
		e.supervise()
		if !poll(3*time.Minute, func() bool { return e.apiURL() != "" }) {
			return fmt.Errorf("the scheduler did not take the lock")
		}
		// After a master failover the scheduler may not have subscribed
		// again yet: the stall needs its stream.
		var id string
		var err error
		if !poll(3*time.Minute, func() bool { id, err = r.frameworkID(); return err == nil }) {
			return err
		}
		// A task crashes while the stream is stalled: its status update
		// reaches the scheduler only through the agent's retries or the
		// scheduler's reconciliation.
		if err := r.crashOne(f, e.client.CrashTask); err != nil {
			return err
		}
		if err := e.client.StallFramework(c, id, true); err != nil {
			return err
		}
		during(f.dur)
		c2, cancel2 := ctx()
		defer cancel2()
		return e.client.StallFramework(c2, id, false)
	case diskFull, diskSlow:
		if f.kind == diskFull {
			if err := e.fillDisk(); err != nil {
				return err
			}
		} else if err := os.WriteFile(e.slowFile(), []byte("700ms"), 0o644); err != nil {
			return err
		}
		// A task crashes on the full or slow disk: the scheduler must
		// record its relaunch there.
		err := r.crashOne(f, e.client.CrashTask)
		during(f.dur)
		if f.kind == diskFull {
			return errors.Join(err, e.freeDisk())
		}
		return errors.Join(err, os.Remove(e.slowFile()))
	case operatorUpdate:
		r.reconfigure()
		r.restartScheduler()
	case operatorScale:
		if e.s.countVar != "" && r.hello < e.s.maxCount {
			r.hello++
			e.vars[e.s.countVar] = strconv.Itoa(r.hello)
		} else {
			r.reconfigure()
		}
		r.restartScheduler()
	}
	return nil
}

// crashOne crashes the live task f names (its process, or its executor)
// and notes that it must be relaunched.
func (r *campaign) crashOne(f fault, crash func(context.Context, string) error) error {
	names := r.taskNames()
	name := names[f.task%len(names)]
	w, err := r.e.read()
	if err != nil {
		return err
	}
	r.mustRelaunch(w, func(t master.TaskState) bool { return t.Name == name })
	c, cancel := ctx()
	defer cancel()
	for _, t := range w.live()[name] {
		if err := crash(c, t.ID); err != nil {
			return err
		}
	}
	return nil
}

// frameworkID is the service's connected framework, from the master.
func (r *campaign) frameworkID() (string, error) {
	w, err := r.e.read()
	if err != nil {
		return "", err
	}
	for _, f := range w.master.Frameworks {
		if f.Name == r.e.s.name && f.Connected {
			return f.ID, nil
		}
	}
	return "", fmt.Errorf("the master has no connected framework %s", r.e.s.name)
}

// complete says whether the deploy plan is COMPLETE with every task
// running once.
func (r *campaign) complete() bool {
	info, err := r.e.plan("deploy")
	if err != nil || info.Status != "COMPLETE" {
		return false
	}
	// A relaunch (a replaced pod, a crashed task) is done when the
	// recovery plan is: its tasks are ready, not only running.
	if info, err := r.e.plan("recovery"); err != nil || (info.Status != "" && info.Status != "COMPLETE") {
		return false
	}
	w, err := r.e.read()
	if err != nil || !w.running(r.taskNames()) {
		return false
	}
	live := w.live()
	for name, old := range r.relaunch {
		if ts := live[name]; len(ts) != 1 || ts[0].ID == old {
			return false
		}
	}
	return true
}

// recover waits, restarting a scheduler that exited as Marathon would,
// until the deploy plan is COMPLETE with every task running once.
func (r *campaign) recover(limit time.Duration) (time.Duration, bool) {
	start := time.Now()
	ok := poll(limit, func() bool {
		if r.e.standby != nil && !r.e.standby.alive() {
			r.e.standby = nil
		}
		if r.e.standby == nil && r.e.supervise() {
			r.rep.restarts++
		}
		return r.complete()
	})
	if ok {
		clear(r.relaunch)
	}
	return time.Since(start), ok
}
