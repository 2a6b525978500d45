package plans

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"time"
)

// Plan names the scheduler gives its own plans.
const (
	DeployPlan       = "deploy"
	UpdatePlan       = "update"
	RecoveryPlan     = "recovery"
	DecommissionPlan = "decommission"
)

// Strategy names, as the API reports them.
const (
	Serial         = "serial"
	Parallel       = "parallel"
	SerialCanary   = "serial-canary"
	ParallelCanary = "parallel-canary"
	Dependency     = "dependency" // steps of one instance in order, instances in parallel
)

type planKind int

const (
	kindDeploy planKind = iota // deploy, or update presented as deploy
	kindCustom
	kindRecovery
	kindDecommission
)

// Plan is a plan of phases. Its fields are computed by the Set that owns it
// and must not be changed by callers.
type Plan struct {
	Name     string
	ID       string
	Strategy string
	Phases   []*Phase
	Errors   []string
	Status   Status

	kind        planKind
	interrupted bool
}

// Phase is a phase of steps.
type Phase struct {
	Name     string
	ID       string
	Strategy string
	Steps    []*Step
	Status   Status

	plan        *Plan
	interrupted bool           // the phase's own interrupt
	canary      *canary        // nil unless a canary strategy
	parallel    bool           // parallel (or dependency) rather than serial
	dependency  bool           // steps of one instance run in order
	names       map[string]int // step names seen while generating, for ids
}

// StepKind says what a step does to its pod instance.
type StepKind string

// Step kinds.
const (
	StepLaunch    StepKind = "launch"    // launch (or relaunch) tasks
	StepKill      StepKind = "kill"      // decommission: kill a task
	StepUnreserve StepKind = "unreserve" // decommission: release a reservation
	StepErase     StepKind = "erase"     // decommission: forget a task
	StepAction    StepKind = "action"    // the service's Go code does the work (see ActionIntent)
)

// Recovery types of a recovery step.
const (
	Transient = "TRANSIENT" // relaunch in place, on the same reservations
	Permanent = "PERMANENT" // relaunch elsewhere, with fresh reservations
)

// Step is one unit of work on one pod instance.
type Step struct {
	Name string
	ID   string
	Kind StepKind
	// Pod and Index name the pod instance; Tasks the task names (as in
	// the spec) the step launches, or acts on.
	Pod   string
	Index int
	Tasks []string
	// Resource is the reservation an unreserve step releases.
	Resource string
	// Recovery is Transient or Permanent for recovery steps.
	Recovery string
	// Parameters are the plan's start parameters, which become task
	// environment (and an action's input).
	Parameters map[string]string
	// Action names the service action an action step runs.
	Action string

	Status Status
	// Display is the status shown to people: Status, or PAUSING/PAUSED.
	Display string
	// Reason says in words why the step has its status.
	Reason string
	// Started and Completed are when the step was first worked on and when
	// it completed; Until is when a DELAYED step may retry.
	Started, Completed *time.Time
	Until              *time.Time

	phase       *Phase
	inst        string   // pod instance name
	taskNames   []string // task instance names
	goals       []string
	base        Status // status before canary interruption
	interrupted bool   // a canary step awaiting continue
}

// Instance is the pod instance name, <pod>-<index> (for an action step,
// a name of its own that no pod instance has).
func (s *Step) Instance() string { return s.inst }

// PlanName is the name of the step's plan.
func (s *Step) PlanName() string { return s.phase.plan.Name }

// TaskNames are the task instance names the step acts on.
func (s *Step) TaskNames() []string { return s.taskNames }

func instanceName(pod string, index int) string { return pod + "-" + itoa(index) }

func taskInstanceName(pod string, index int, task string) string {
	return pod + "-" + itoa(index) + "-" + task
}

// stepName is DC/OS Commons' step name: hello-0:[init, server].
func stepName(pod string, index int, tasks []string) string {
	return instanceName(pod, index) + ":[" + strings.Join(tasks, ", ") + "]"
}

// elementID derives a stable id from the names that locate an element, in
// the UUID shape of DC/OS Commons ids (version 8, RFC 9562).
func elementID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	sum[6] = sum[6]&0x0f | 0x80
	sum[8] = sum[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

// Phase returns the phase whose id or name is ref (ids first), or nil.
func (p *Plan) Phase(ref string) *Phase {
	for _, ph := range p.Phases {
		if ph.ID == ref {
			return ph
		}
	}
	for _, ph := range p.Phases {
		if ph.Name == ref {
			return ph
		}
	}
	return nil
}

// Step returns the step whose id or name is ref (ids first), or nil if
// none or several steps have that name.
func (ph *Phase) Step(ref string) *Step {
	for _, s := range ph.Steps {
		if s.ID == ref {
			return s
		}
	}
	var found *Step
	for _, s := range ph.Steps {
		if s.Name == ref {
			if found != nil {
				return nil
			}
			found = s
		}
	}
	return found
}

// Interrupted reports whether the plan is interrupted.
func (p *Plan) Interrupted() bool { return p.interrupted }

// Interrupted reports whether the phase is interrupted: by an operator, or
// by a canary strategy awaiting `continue`.
func (ph *Phase) Interrupted() bool {
	if ph.canary != nil && ph.canary.waiting() {
		return true
	}
	return ph.interrupted
}
