package plans

import (
	"encoding/json"
	"maps"
	"time"
)

// Intent is everything about plans that task states cannot tell: operator
// actions (interrupts, forced completions, restarts, canary progress, plan
// parameters), failure backoff, and the progress marks that keep a step
// COMPLETE once it got there. The scheduler stores it; a Set rebuilt from
// the same spec, task states and Intent reports the same statuses.
//
// Intent is a plain value with a stable JSON form. Steps and phases are
// keyed by their ids, which are derived from names and so survive restarts.
type Intent struct {
	Plans map[string]*PlanIntent `json:"plans,omitempty"`
	// Backoff holds the failure backoff of each task instance, shared by
	// every plan that launches the task.
	Backoff map[string]*Backoff `json:"backoff,omitempty"`
	// Recoveries are the pod instances the recovery plan has worked on, by
	// instance name, kept after they recover so the plan shows them.
	Recoveries map[string]*Recovery `json:"recoveries,omitempty"`
	// Decommissions are the pod instances being or having been removed.
	Decommissions map[string]*Decommission `json:"decommissions,omitempty"`
	// DeployedConfig is the configuration the deploy plan last completed,
	// after which a spec's `update` plan replaces `deploy`.
	DeployedConfig string `json:"deployed-config,omitempty"`
	// Cleanups are the cleanups action steps owe, by step id (see
	// Cleanup).
	Cleanups map[string]*Cleanup `json:"cleanups,omitempty"`
}

// PlanIntent is the operator intent and progress of one plan.
type PlanIntent struct {
	// Config scopes the progress of deploy and update plans: when the
	// target configuration changes, a new rollout starts from scratch.
	Config string `json:"config,omitempty"`
	// Interrupted overrides the plan's initial state (custom plans start
	// interrupted, the others proceeding).
	Interrupted *bool                   `json:"interrupted,omitempty"`
	Parameters  map[string]string       `json:"parameters,omitempty"`
	Phases      map[string]*PhaseIntent `json:"phases,omitempty"`
	Steps       map[string]*StepIntent  `json:"steps,omitempty"`
}

// PhaseIntent is the operator intent of one phase.
type PhaseIntent struct {
	Interrupted bool `json:"interrupted,omitempty"`
	// Canary is the ids of the steps of a canary strategy's trial, chosen
	// when the rollout starts; Proceeds counts the `continue`s received.
	Canary       []string `json:"canary,omitempty"`
	CanaryChosen bool     `json:"canary-chosen,omitempty"`
	Proceeds     int      `json:"proceeds,omitempty"`
}

// StepIntent is the operator intent and progress of one step.
type StepIntent struct {
	// Forced is set by forceComplete.
	Forced bool `json:"forced,omitempty"`
	// Restart is set by restart: the step is PENDING until it launches.
	Restart bool `json:"restart,omitempty"`
	// Prepared is when the scheduler began looking for offers for the
	// step's current attempt; cleared by a launch.
	Prepared *time.Time `json:"prepared,omitempty"`
	// Launched is the task ids of the step's latest launch.
	Launched []string `json:"launched,omitempty"`
	// Started and Completed are when the step was first worked on and when
	// it reached COMPLETE; a completed step stays COMPLETE.
	Started   *time.Time `json:"started,omitempty"`
	Completed *time.Time `json:"completed,omitempty"`
	// Action is the progress of an action step.
	Action *ActionIntent `json:"action,omitempty"`
}

// Backoff is the failure backoff of one task: after its Failures-th
// consecutive failure it may not relaunch before Until.
type Backoff struct {
	// TaskID is the launch whose failure was counted last.
	TaskID   string    `json:"task-id,omitempty"`
	Failures int       `json:"failures"`
	Until    time.Time `json:"until"`
	Reason   string    `json:"reason,omitempty"`
}

// Recovery records the recovery of one pod instance.
type Recovery struct {
	// Generation counts the recoveries of the instance; it keeps step ids
	// distinct when an instance fails again.
	Generation int        `json:"generation,omitempty"`
	Tasks      []string   `json:"tasks"`
	Permanent  bool       `json:"permanent,omitempty"`
	Started    time.Time  `json:"started"`
	Completed  *time.Time `json:"completed,omitempty"`
}

// Decommission records the removal of one pod instance.
type Decommission struct {
	Tasks     []string   `json:"tasks"`
	Resources []string   `json:"resources,omitempty"`
	Started   time.Time  `json:"started"`
	Completed *time.Time `json:"completed,omitempty"`
}

// Clone returns a deep copy of in, which the caller may change freely.
func (in Intent) Clone() Intent {
	b, err := json.Marshal(in)
	if err != nil {
		panic("plans: intent does not marshal: " + err.Error())
	}
	var out Intent
	if err := json.Unmarshal(b, &out); err != nil {
		panic("plans: intent does not unmarshal: " + err.Error())
	}
	return out
}

// Equal reports whether two intents have the same JSON form.
func (in Intent) Equal(other Intent) bool {
	a, _ := json.Marshal(in)
	b, _ := json.Marshal(other)
	return string(a) == string(b)
}

// plan returns the intent of plan name, creating it.
func (in *Intent) plan(name string) *PlanIntent {
	if in.Plans == nil {
		in.Plans = map[string]*PlanIntent{}
	}
	p := in.Plans[name]
	if p == nil {
		p = &PlanIntent{}
		in.Plans[name] = p
	}
	return p
}

func (p *PlanIntent) phase(id string) *PhaseIntent {
	if p.Phases == nil {
		p.Phases = map[string]*PhaseIntent{}
	}
	ph := p.Phases[id]
	if ph == nil {
		ph = &PhaseIntent{}
		p.Phases[id] = ph
	}
	return ph
}

func (p *PlanIntent) step(id string) *StepIntent {
	if p.Steps == nil {
		p.Steps = map[string]*StepIntent{}
	}
	s := p.Steps[id]
	if s == nil {
		s = &StepIntent{}
		p.Steps[id] = s
	}
	return s
}

func (p *PlanIntent) parameters() map[string]string { return maps.Clone(p.Parameters) }

func timePtr(t time.Time) *time.Time { return &t }
