package scheduler

import (
	"maps"
	"slices"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	sched "github.com/mesos/mesos-go/api/v1/lib/scheduler"

	"github.com/kennel-sdk/kennel/plans"
)

// Gates are the extension point through which a service written in Go
// keeps its restarts safe: before the core kills a running pod instance
// to restart it (a configuration update rolling it, `pod restart`), the
// instance's BeforeRestart gate must pass; and once an instance restarted
// through its gate is ready again, its AfterReady gate must pass before
// any other instance is restarted. A Kafka broker may restart only while
// no partition would drop below min.insync.replicas, and the next one
// only once the first is back in every in-sync replica set it left.
//
// The core does no IO: it asks through Decisions.GateAsks, and the
// runtime runs the service's gates and hands each answer back as
// Core.GateVerdict. While a gate says wait, the step that would restart
// the instance shows the gate's reason, and the core asks again every
// Config.GateInterval. A pass is good for one GateInterval. A pod
// instance that is not running restarts without a gate: there is nothing
// left to keep available. Which instances wait for AfterReady is kept in
// memory only: a scheduler restarted mid-roll asks BeforeRestart again,
// which for Kafka refuses while a partition is under-replicated.

// GateKind names a gate.
type GateKind string

const (
	// GateBeforeRestart is asked before a running instance is killed to
	// be restarted.
	GateBeforeRestart GateKind = "before-restart"
	// GateAfterReady is asked once an instance restarted through its gate
	// is ready, before any other instance is restarted.
	GateAfterReady GateKind = "after-ready"
)

// gateRevive is how often a passing gate may revive offers.
const gateRevive = time.Second

// DefaultGateInterval is how often a waiting gate is asked again when
// Config.GateInterval is zero.
const DefaultGateInterval = 10 * time.Second

// GateAsk asks the runtime to run a gate for a pod instance.
type GateAsk struct {
	Kind     GateKind
	Instance Instance
	// View is where the service's pod instances are placed (as EnvSource
	// sees them), for the gate to find the instances it asks.
	View EnvView
}

// GateVerdict is a gate's answer, handed to Core.GateVerdict.
type GateVerdict struct {
	Kind     GateKind
	Instance Instance
	// Pass lets the restart go on; otherwise Reason says in words what
	// the gate waits for (it becomes the step's reason).
	Pass   bool
	Reason string
}

type gateKey struct {
	kind     GateKind
	instance string
}

// gateState is what the core knows of one gate of one instance.
type gateState struct {
	asked    time.Time // when last asked
	answered bool
	pass     bool
	at       time.Time // when answered
	reason   string
}

// gateBook is the core's gate bookkeeping.
type gateBook struct {
	states map[gateKey]*gateState
	// restarts are the instances `pod restart` asked for that wait for
	// their BeforeRestart gate.
	restarts map[string]Instance
	// settling are the instances restarted through their gate whose
	// AfterReady gate has not passed yet.
	settling map[string]settling
	// held says, per instance, what its restart waits for.
	held map[string]gateHold
}

// settling is an instance restarted through its gate: the launches of
// its tasks that ran then, by task name, are the ones being restarted.
type settling struct {
	inst   Instance
	before map[string]string
}

// gateHold is what an instance's restart waits for, and the gate that
// says so (its verdict rewrites why).
type gateHold struct {
	why string
	by  gateKey
}

func newGateBook() gateBook {
	return gateBook{states: map[gateKey]*gateState{}, restarts: map[string]Instance{},
		settling: map[string]settling{}, held: map[string]gateHold{}}
}

func (c *Core) gateInterval() time.Duration {
	if c.cfg.GateInterval > 0 {
		return c.cfg.GateInterval
	}
	return DefaultGateInterval
}

// GateVerdict handles a gate's answer. A pass may let a `pod restart`
// waiting for it go on at once; a restart a plan step waits for goes on
// at the step's next offer.
func (c *Core) GateVerdict(v GateVerdict, now time.Time) Decisions {
	d := newDecisions()
	key := gateKey{v.Kind, v.Instance.String()}
	st := c.gates.states[key]
	if st != nil {
		st.answered, st.pass, st.at, st.reason = true, v.Pass, now, v.Reason
		if v.Pass {
			c.heldTried = nil // the steps it let go on try the held offers again
		}
		waiting := false
		for inst, h := range c.gates.held {
			if h.by == key {
				h.why = st.waiting(v.Kind, v.Instance)
				c.gates.held[inst] = h
				_, podRestart := c.gates.restarts[inst]
				waiting = waiting || !podRestart
			}
		}
		// A step waiting for this pass goes on at its next offer: offers
		// declined meanwhile are asked back at once.
		if v.Pass && waiting && now.Sub(c.lastRevive) >= gateRevive {
			c.suppressed, c.lastRevive = false, now
			d.call(&sched.Call{Type: sched.Call_REVIVE})
		}
	}
	c.gatedRestarts(&d, now)
	c.settle(&d, now)
	return d
}

// gateOpen reports whether inst may be restarted now: every instance
// restarted earlier is ready again and passed its AfterReady gate, and
// inst passed its BeforeRestart gate. Gates not answered yet, or not
// lately, are asked through d; what inst waits for is kept for its step.
// An open gate is used up: the caller restarts inst.
func (c *Core) gateOpen(d *Decisions, inst Instance, now time.Time) bool {
	name := inst.String()
	delete(c.gates.held, name)
	if !c.cfg.Gates {
		return true
	}
	for _, k := range slices.Sorted(maps.Keys(c.gates.settling)) {
		prev := c.gates.settling[k]
		if k == name {
			continue
		}
		switch ready, gone := c.restartedReady(prev); {
		case gone:
			delete(c.gates.settling, k)
			continue
		case !ready:
			c.gates.held[name] = gateHold{why: "waiting: " + k + " is restarting; " + name + " restarts once it is ready again"}
			return false
		}
		if pass, reason := c.askGate(d, GateAfterReady, prev.inst, now); !pass {
			c.gates.held[name] = gateHold{why: reason, by: gateKey{GateAfterReady, k}}
			return false
		}
		delete(c.gates.settling, k)
		delete(c.gates.states, gateKey{GateAfterReady, k})
	}
	if pass, reason := c.askGate(d, GateBeforeRestart, inst, now); !pass {
		c.gates.held[name] = gateHold{why: reason, by: gateKey{GateBeforeRestart, name}}
		return false
	}
	// Other instances' passes were given with inst running: they are
	// asked again once it is back.
	for k := range c.gates.states {
		if k.kind == GateBeforeRestart {
			delete(c.gates.states, k)
		}
	}
	before := map[string]string{}
	for _, t := range c.instanceTasks(name) {
		if t.live() {
			before[t.name] = t.head.id
		}
	}
	c.gates.settling[name] = settling{inst: inst, before: before}
	return true
}

// askGate reports whether a gate passed within the last GateInterval,
// asking it when it was not asked within the last GateInterval; when it
// did not pass, reason says what it waits for.
func (c *Core) askGate(d *Decisions, kind GateKind, inst Instance, now time.Time) (pass bool, reason string) {
	key := gateKey{kind, inst.String()}
	st := c.gates.states[key]
	interval := c.gateInterval()
	if st != nil && st.answered && st.pass && now.Sub(st.at) < interval {
		return true, ""
	}
	if st == nil || now.Sub(st.asked) >= interval {
		if st == nil {
			st = &gateState{}
			c.gates.states[key] = st
		}
		st.asked = now
		d.GateAsks = append(d.GateAsks, GateAsk{Kind: kind, Instance: inst, View: c.envView(nil)})
	}
	return false, st.waiting(kind, inst)
}

// waiting says what a gate that has not passed waits for.
func (st *gateState) waiting(kind GateKind, inst Instance) string {
	switch {
	case st.answered && !st.pass && st.reason != "":
		return "waiting: " + st.reason
	case kind == GateAfterReady:
		return "waiting: checking that " + inst.String() + " has recovered from its restart"
	}
	return "waiting: checking whether " + inst.String() + " may restart"
}

// restartedReady reports whether an instance restarted through its gate
// runs again: each of its tasks that ran then was relaunched, and every
// task that should run is ready; gone when the instance has no task any
// more.
func (c *Core) restartedReady(s settling) (ready, gone bool) {
	ts := c.instanceTasks(s.inst.String())
	if len(ts) == 0 {
		return false, true
	}
	for _, t := range ts {
		switch {
		case t.goal == goalDecommissioned:
			return false, true
		case s.before[t.name] == t.head.id:
			return false, false // not relaunched yet
		case t.state() == mesos.TASK_FINISHED || t.goal == goalPaused:
		case !c.isReady(t):
			return false, false
		}
	}
	return true, false
}

// restartsRunning reports whether a launch step would kill a running task
// of its instance: a restart the gates guard. Tasks not running (crashed,
// staging, unreachable) restart without a gate.
func restartsRunning(st *plans.Step, existing map[string]*task) bool {
	for _, name := range st.Tasks {
		if t := existing[name]; t != nil && t.live() && t.state() == mesos.TASK_RUNNING {
			return true
		}
	}
	return false
}

// gatedRestarts kills the tasks of the instances `pod restart` asked for
// whose gates are open; the recovery plan relaunches them in place.
func (c *Core) gatedRestarts(d *Decisions, now time.Time) {
	for _, name := range slices.Sorted(maps.Keys(c.gates.restarts)) {
		inst := c.gates.restarts[name]
		ts := c.instanceTasks(name)
		running := false
		for _, t := range ts {
			running = running || t.state() == mesos.TASK_RUNNING
		}
		if running && !c.gateOpen(d, inst, now) {
			continue
		}
		delete(c.gates.restarts, name)
		delete(c.gates.held, name)
		for _, spec := range slices.Sorted(maps.Keys(ts)) {
			if t := ts[spec]; t.live() {
				c.kill(d, t.head.id, t.head.agent, now)
			}
		}
	}
}

// holdForGates shows, for the plans, what each instance's restart waits
// for; an unreachable agent's hold (holdForAgents) comes first.
func (c *Core) holdForGates() {
	for inst, h := range c.gates.held {
		if c.held[inst] == "" {
			c.held[inst] = h.why
		}
	}
}

// GateHolds are the instances whose restart waits for a gate, with what
// it waits for (`pod restart` of an instance whose plans show no step).
func (c *Core) GateHolds() map[string]string {
	out := map[string]string{}
	for inst, h := range c.gates.held {
		out[inst] = h.why
	}
	return out
}
