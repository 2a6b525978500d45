package chaos_test

import (
	"fmt"
	"math/rand/v2"
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
	zkRestart         = "zk-restart"
	zkExpiry          = "zk-session-expiry"
	operatorPause     = "operator-pause-resume"
	operatorRestart   = "operator-pod-restart"
	operatorUpdate    = "operator-update"
	operatorScale     = "operator-scale"
	maxHello          = 3
	splitBrainTimeout = 90 * time.Second
)

var kinds = []string{schedulerKill, crashAfterWrite, reconfigMidRoll, secondScheduler, agentStop, agentPartition,
	agentDestroy, taskKill, executorKill, masterRestart, zkRestart, zkExpiry, operatorPause, operatorRestart, operatorUpdate, operatorScale}

// fault is one scheduled fault. Everything about it is drawn from the seed
// up front, so a seed replays the same schedule; only the moments at which
// the system under test reacts vary.
type fault struct {
	n     int
	kind  string
	agent int           // agent-1.. for agent faults
	pod   int           // hello instance for pod faults
	task  int           // index into the service's task names for task-kill
	dur   time.Duration // how long the fault lasts, or when it strikes
	count int           // writes before the crash point
}

func (f fault) String() string {
	s := fmt.Sprintf("#%d %s", f.n, f.kind)
	switch f.kind {
	case agentStop, agentPartition, agentDestroy:
		s += fmt.Sprintf(" agent-%d for %s", f.agent, f.dur)
	case schedulerKill, reconfigMidRoll, operatorPause:
		s += fmt.Sprintf(" after %s", f.dur)
	case crashAfterWrite:
		s += fmt.Sprintf(" at write %d", f.count)
	case operatorRestart:
		s += fmt.Sprintf(" hello-%d", f.pod)
	case taskKill, executorKill:
		s += fmt.Sprintf(" task %d", f.task)
	}
	return s
}

// schedule draws n faults from seed: first every kind once in a seeded
// order (so that even a short campaign covers them all), then kinds at
// random.
func schedule(seed uint64, n int) []fault {
	rng := rand.New(rand.NewPCG(seed, 0x16))
	order := append([]string(nil), kinds...)
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	out := make([]fault, n)
	for i := range out {
		kind := kinds[rng.IntN(len(kinds))]
		if i < len(order) {
			kind = order[i]
		}
		out[i] = fault{n: i + 1, kind: kind, agent: 1 + rng.IntN(agentCount), pod: rng.IntN(2), task: rng.IntN(3),
			dur: time.Duration(100+rng.IntN(4900)) * time.Millisecond, count: 1 + rng.IntN(3)}
	}
	return out
}

// campaign is one run: the env, the invariants, and the figures.
type campaign struct {
	e       *env
	c       *checker
	rep     *report
	hello   int // hello pods the service declares now
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
	names := []string{"world-0-server"}
	for i := range r.hello {
		names = append(names, "hello-"+strconv.Itoa(i)+"-server")
	}
	return names
}

// reconfigure changes the service's configuration (the greeting, which
// rolls every hello server) for the next scheduler start.
func (r *campaign) reconfigure() {
	r.version++
	r.e.vars["GREETING"] = "hello-v" + strconv.Itoa(r.version)
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
		names := r.taskNames()
		name := names[f.task%len(names)]
		w, err := e.read()
		if err != nil {
			return err
		}
		r.mustRelaunch(w, func(t master.TaskState) bool { return t.Name == name })
		for _, t := range w.live()[name] {
			crash := e.client.CrashTask
			if f.kind == executorKill {
				crash = e.client.CrashExecutor
			}
			if err := crash(c, t.ID); err != nil {
				return err
			}
		}
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
	case operatorRestart:
		e.supervise()
		if !poll(3*time.Minute, func() bool { return e.apiURL() != "" }) {
			return fmt.Errorf("the scheduler did not take the lock")
		}
		name := fmt.Sprintf("hello-%d-server", f.pod%r.hello)
		if w, err := e.read(); err == nil {
			r.mustRelaunch(w, func(t master.TaskState) bool { return t.Name == name })
		}
		return e.post(fmt.Sprintf("/v1/pod/hello-%d/restart", f.pod%r.hello), "")
	case operatorUpdate:
		r.reconfigure()
		r.restartScheduler()
	case operatorScale:
		if r.hello < maxHello {
			r.hello++
			e.vars["HELLO_COUNT"] = strconv.Itoa(r.hello)
		} else {
			r.reconfigure()
		}
		r.restartScheduler()
	}
	return nil
}

// complete says whether the deploy plan is COMPLETE with every task
// running once.
func (r *campaign) complete() bool {
	info, err := r.e.plan("deploy")
	if err != nil || info.Status != "COMPLETE" {
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
