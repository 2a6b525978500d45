package scheduler

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	sched "github.com/mesos/mesos-go/api/v1/lib/scheduler"

	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler/offer"
	"github.com/kennel-sdk/kennel/scheduler/record"
	"github.com/kennel-sdk/kennel/servicespec"
)

// Config is what the core is told once, at start.
type Config struct {
	offer.Identity
	offer.Endpoints
	// SchedulerEnv is the scheduler's environment; TASKCFG_* variables are
	// routed into tasks (offer.RouteEnv).
	SchedulerEnv map[string]string
	// PermanentFailureTimeout replaces a pod whose task has been
	// unreachable this long; zero never does.
	PermanentFailureTimeout time.Duration
	// Backoff is the failure backoff; zero is plans.DefaultBackoff.
	Backoff plans.BackoffPolicy
	// Uninstall removes the service: every task killed, every volume
	// destroyed and reservation released, then the framework torn down.
	Uninstall bool
	// SweepWindow is how long offers keep coming after a subscription and
	// after each launch or replacement, so that every agent offers what it
	// holds and reservations no task claims any more are released (zero:
	// defaultSweep).
	SweepWindow time.Duration
	// UninstallAgentTimeout bounds how long an uninstall waits for an
	// agent that holds tasks or reservations and offers nothing, counted
	// from the start of the uninstall or the agent's last offer; then the
	// steps it holds say so and `plan force-complete` gives them up
	// (zero: 15 minutes).
	UninstallAgentTimeout time.Duration
	// Env, when set, adds values to the environment of the tasks the core
	// launches (see EnvSource).
	Env EnvSource
	// Seeds are values generated once per service and kept in the state
	// store (the runtime generates and stores them; see runtime.Seed), by
	// name; EnvView passes them to Env.
	Seeds map[string]string
	// CACert is the service's CA certificate (PEM), when it has one; it
	// is shown to EnvSources and gates in EnvView.
	CACert []byte
	// SecretSeeds are the seeds kept secret (runtime.Seed.Secret), by
	// name; EnvView passes them on.
	SecretSeeds map[string]string
	// Gates, when set, makes every restart of a running pod instance pass
	// the service's gates first (see GateAsk); GateInterval is how often
	// a waiting gate is asked again (zero: DefaultGateInterval).
	Gates        bool
	GateInterval time.Duration
	// ActionInterval is how often a running action step, or an owed
	// cleanup, is run again (zero: DefaultActionInterval; see ActionAsk).
	ActionInterval time.Duration
}

// Offer discipline (reference §1.13).
const (
	declineLong     = time.Hour
	declineShort    = 5 * time.Second
	reviveInterval  = 5 * time.Second
	killResend      = 30 * time.Second
	reconcileFirst  = 4 * time.Second
	reconcileMax    = 30 * time.Second
	implicitEvery   = time.Hour
	maxOfferReasons = 3
	defaultSweep    = 30 * time.Second
)

// Decisions are what an event asks of the runtime, applied in order: the
// batch is written (all or nothing) before any call is sent.
type Decisions struct {
	Batch *record.Batch
	Calls []*sched.Call
	// Done is set when an uninstall has finished: the runtime tears the
	// framework down and stops.
	Done bool
	// GateAsks are gates the runtime runs, each answered with
	// Core.GateVerdict (see Config.Gates).
	GateAsks []GateAsk
	// ActionAsks are action steps and cleanups the runtime runs, each
	// answered with Core.ActionResult.
	ActionAsks []ActionAsk
	// More is set when the write cap left launches for later while the
	// offers they can use are kept: once this decision is written and
	// sent, the runtime calls Core.Continue before its next event.
	More bool
}

func (d *Decisions) call(c *sched.Call) { d.Calls = append(d.Calls, c) }

// Core is the scheduler's decision core. It is pure: events and the time
// come in, state writes and Mesos calls go out as Decisions, and nothing
// else is touched. One goroutine owns it; its methods are not safe for
// concurrent use. State is what the store holds, mirrored in memory: the
// core assumes every Batch it returned was written before its next call.
type Core struct {
	cfg      Config
	newID    func() string
	spec     *servicespec.ServiceSpec
	configID string
	errors   []string

	frameworkID string
	tasks       map[string]*task  // by task name
	instances   instanceIndex     // the tasks of each pod instance
	byID        map[string]string // Mesos TaskID -> task name
	ready       map[string]string // task name -> TaskID whose readiness passed
	checkNotes  map[string]string // TaskID -> why its readiness check fails (checkNote)
	set         *plans.Set
	intent      map[string][]byte // the intent entries as stored

	reconcile    reconciliation
	waiting      map[string]string        // pod instance -> why no offer fits
	held         map[string]string        // pod instance -> what it waits for instead (plans.World.Held)
	outcomes     map[string][]StepOutcome // step id -> its latest offer outcomes, newest first
	outcomeOrder recency                  // the step ids of outcomes, latest recorded first
	suppressed   bool
	lastRevive   time.Time
	sweepUntil   time.Time            // offers are wanted until then (see Config.SweepWindow)
	holding      []heldOffer          // offers kept for launch work behind steps in progress (hold.go)
	heldTried    map[string]bool      // the launch steps the held offers were last matched against
	capped       []mesos.Offer        // offers kept for the launches the write cap left (Continue)
	lastWork     map[string]bool      // the steps that needed offers at the last tick
	killed       map[string]time.Time // TaskID -> when KILL was last sent
	uninstall    *uninstallState
	gates        gateBook
	actions      map[string]*actionState      // by actionKey
	routed       map[string]map[string]string // pod type -> routedEnv
}

// Loaded is what the core starts from: the store's contents, read by the
// runtime after taking the lock.
type Loaded struct {
	FrameworkID string
	Spec        *servicespec.ServiceSpec
	ConfigID    string
	// Errors are configuration errors (a refused update): the deploy plan
	// shows them and nothing is deployed.
	Errors     []string
	Tasks      map[string]record.Task
	Intent     map[string][]byte
	Properties map[string][]byte
}

// New builds the core from the store's contents. newID returns unique ids
// (UUIDs in production).
func New(cfg Config, l Loaded, newID func() string, now time.Time) (*Core, error) {
	c := &Core{cfg: cfg, newID: newID, spec: l.Spec, configID: l.ConfigID, errors: l.Errors,
		frameworkID: l.FrameworkID, tasks: map[string]*task{}, instances: instanceIndex{}, byID: map[string]string{}, ready: map[string]string{},
		checkNotes: map[string]string{},
		intent:     l.Intent, waiting: map[string]string{}, held: map[string]string{}, killed: map[string]time.Time{},
		outcomes: map[string][]StepOutcome{}, gates: newGateBook(), actions: map[string]*actionState{},
		routed: map[string]map[string]string{}}
	for name, rec := range l.Tasks {
		t, st, err := decodeTask(name, rec)
		if err != nil {
			return nil, fmt.Errorf("scheduler: task %s: %w", name, err)
		}
		c.tasks[name] = t
		c.instances.add(t)
		c.byID[t.head.id] = name
		if st != nil {
			c.noteCheck(st)
		}
	}
	for key, v := range l.Properties {
		if name, ok := strings.CutPrefix(key, readyPrefix); ok {
			c.ready[name] = string(v)
		}
	}
	in, err := plans.IntentFromEntries(l.Intent)
	if err != nil {
		return nil, fmt.Errorf("scheduler: stored plan intent: %w", err)
	}
	if cfg.Uninstall {
		// Nothing stored: an earlier uninstall finished.
		c.uninstall = newUninstall(l.FrameworkID == "" && len(l.Tasks) == 0, now)
	}
	if c.cfg.SweepWindow <= 0 {
		c.cfg.SweepWindow = defaultSweep
	}
	if c.cfg.UninstallAgentTimeout <= 0 {
		c.cfg.UninstallAgentTimeout = defaultUninstallAgentTimeout
	}
	c.set = plans.New(c.world(now), in)
	if c.uninstall == nil {
		// Action steps that were running owe their cleanup before they
		// run again (written with the first event's batch).
		c.set.ResumeActions(now)
	}
	return c, nil
}

// sweep wants offers for the sweep window from now.
func (c *Core) sweep(now time.Time) {
	if until := now.Add(c.cfg.SweepWindow); until.After(c.sweepUntil) {
		c.sweepUntil = until
	}
}

// readyPrefix keys the properties that record a passed readiness check.
const readyPrefix = "ready:"

// world is what plans are computed from.
func (c *Core) world(now time.Time) plans.World {
	w := plans.World{Spec: c.spec, Config: c.configID, Tasks: map[string]*plans.Task{}, Errors: c.errors,
		Now: now, Backoff: c.cfg.Backoff, Waiting: c.waiting, Held: c.held}
	for name, t := range c.tasks {
		w.Tasks[name] = c.planTask(t)
	}
	return w
}

// Plans is the current plan set, for the API to read.
func (c *Core) Plans() *plans.Set { return c.set }

// FrameworkID is the id Mesos gave, or "".
func (c *Core) FrameworkID() string { return c.frameworkID }

// settle ends every event: the plans record what changed, and the intent
// entries that changed are written. Launch steps that became candidates
// are matched against the offers held for them (reviewHeld), and the
// plans settle again if they launched.
func (c *Core) settle(d *Decisions, now time.Time) {
	c.settlePlans(d, now)
	if c.reviewHeld(d, now) {
		c.settlePlans(d, now)
	}
}

func (c *Core) settlePlans(d *Decisions, now time.Time) {
	c.holdForAgents()
	c.holdForGates()
	c.set.Settle(now)
	c.askActions(d, now)
	after := c.set.IntentEntries()
	put, del := plans.EntryChanges(c.intent, after)
	for _, k := range slices.Sorted(maps.Keys(put)) {
		d.Batch.PutIntent(k, put[k])
	}
	for _, k := range del {
		d.Batch.DeleteIntent(k)
	}
	c.intent = after
}

// holdForAgents explains, for the plans, each pod instance whose tasks
// relaunch in place while the agent holding its reservations is
// unreachable: its steps wait for that agent, and say how to stop waiting.
func (c *Core) holdForAgents() {
	clear(c.held)
	var unreachable []string
	for name, t := range c.tasks {
		if t.state() == mesos.TASK_UNREACHABLE && !t.permanentlyFailed() {
			unreachable = append(unreachable, name)
		}
	}
	slices.Sort(unreachable) // the first task of an instance by name explains it
	for _, name := range unreachable {
		t := c.tasks[name]
		inst := t.instance()
		if c.held[inst] != "" {
			continue
		}
		since := unreachableSince(t)
		msg := fmt.Sprintf("waiting for agent %s (unreachable since %s), which holds this pod's reservations; `pod replace %s` moves it",
			t.head.agent, since.UTC().Format(time.RFC3339), inst)
		if c.cfg.PermanentFailureTimeout > 0 {
			msg += fmt.Sprintf(", or it is replaced at %s (--permanent-failure-timeout %s)",
				since.Add(c.cfg.PermanentFailureTimeout).UTC().Format(time.RFC3339), c.cfg.PermanentFailureTimeout)
		} else {
			msg += "; with --permanent-failure-timeout it would be replaced after that long"
		}
		c.held[inst] = msg
	}
}

func newDecisions() Decisions { return Decisions{Batch: &record.Batch{}} }

// FrameworkInfo is what the scheduler subscribes with.
func (c *Core) FrameworkInfo(failover time.Duration) mesos.FrameworkInfo {
	secs := failover.Seconds()
	info := mesos.FrameworkInfo{
		User: c.cfg.User, Name: c.cfg.Service, Roles: []string{c.cfg.Role}, Principal: &c.cfg.Principal,
		FailoverTimeout: &secs, Checkpoint: boolPtr(true),
		Capabilities: []mesos.FrameworkInfo_Capability{
			{Type: mesos.FrameworkInfo_Capability_MULTI_ROLE},
			{Type: mesos.FrameworkInfo_Capability_RESERVATION_REFINEMENT},
			{Type: mesos.FrameworkInfo_Capability_PARTITION_AWARE},
			{Type: mesos.FrameworkInfo_Capability_TASK_KILLING_STATE},
			{Type: mesos.FrameworkInfo_Capability_REGION_AWARE},
		},
	}
	if c.frameworkID != "" {
		info.ID = &mesos.FrameworkID{Value: c.frameworkID}
	}
	return info
}

func boolPtr(b bool) *bool { return &b }
