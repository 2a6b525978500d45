package plans

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// Action steps are steps whose work the service's own code performs (a
// Kafka partition reassignment, a metadata version bump) instead of a task
// launch. The package keeps their bookkeeping; the scheduler runs them:
//
//   - ActionCandidates are the action steps to run now. The scheduler calls
//     ActionAsked before it runs one (and stores the intent first): from
//     then on the step owes a cleanup.
//   - Each run's result comes back through ActionResult: progress (opaque
//     to this package, stored in the intent so that a restarted scheduler
//     resumes from it), the reason shown on the step, and whether the
//     action is done or failed for good.
//   - A cleanup is owed from a step's first run until the step stops
//     running, whatever stops it: done, failed, the plan or phase
//     interrupted, stopped, restarted or forced complete, or the scheduler
//     restarted (ResumeActions). Owed cleanups are listed by Cleanups and
//     run until CleanupDone; a step does not run while it owes one, so a
//     cleanup never races its own action.
//
// A step's status: PENDING until its first run, STARTED while it runs
// (its reason is the action's) and until its cleanup is done, COMPLETE
// then, ERROR once failed (plan restart runs it again from scratch).

// ActionIntent is the progress of an action step.
type ActionIntent struct {
	// Progress is what the action asked to keep between runs, as it gave
	// it (opaque here).
	Progress string `json:"progress,omitempty"`
	// Reason is what the action's latest run said.
	Reason string `json:"reason,omitempty"`
	Done   bool   `json:"done,omitempty"`
	Failed bool   `json:"failed,omitempty"`
	// Live is set from the step's first run until a cleanup is owed for it:
	// the action's effects may be in place.
	Live bool `json:"live,omitempty"`
}

// Cleanup is a cleanup an action step owes: the action's Cleanup runs with
// the step's parameters and latest progress until it reports done.
type Cleanup struct {
	Plan       string            `json:"plan"`
	Step       string            `json:"step"`
	Action     string            `json:"action"`
	Parameters map[string]string `json:"parameters,omitempty"`
	Progress   string            `json:"progress,omitempty"`
	// Why says what stopped the step (done, failed, interrupted, …).
	Why   string    `json:"why"`
	Since time.Time `json:"since"`
	// Reason is what the cleanup's latest run said, while it has not
	// finished.
	Reason string `json:"reason,omitempty"`
}

// ActionOutcome is the result of one run of an action step.
type ActionOutcome struct {
	// Progress replaces the stored progress when not empty.
	Progress string
	// Reason becomes the step's reason.
	Reason string
	// Done completes the step; Failed puts it in ERROR.
	Done, Failed bool
}

// addActionStep appends a step running action to ph.
func (s *Set) addActionStep(ph *Phase, action string) *Step {
	name := action
	st := &Step{Name: name, Kind: StepAction, Action: action, Index: -1, phase: ph,
		inst: "action " + ph.plan.Name + "/" + ph.Name + "/" + name}
	if ph.names == nil {
		ph.names = map[string]int{}
	}
	st.ID = elementID(ph.plan.Name, ph.Name, name, itoa(ph.names[name]))
	ph.names[name]++
	ph.Steps = append(ph.Steps, st)
	return st
}

// actionStatus is an action step's status from its intent: a step done
// whose cleanup has not finished is still STARTED.
func (s *Set) actionStatus(st *Step, si *StepIntent) Status {
	switch a := stepAction(si); {
	case a == nil:
		return Pending
	case a.Done && s.intent.Cleanups[st.ID] != nil:
		return Started
	case a.Done:
		return Complete
	case a.Failed:
		return Error
	case a.Live || a.Progress != "" || a.Reason != "":
		return Started
	}
	return Pending
}

func stepAction(si *StepIntent) *ActionIntent {
	if si == nil {
		return nil
	}
	return si.Action
}

// ActionCandidates are the action steps to run now: candidates of plans
// that owe no cleanup.
func (s *Set) ActionCandidates() []*Step {
	s.catchUp()
	owing := map[string]bool{}
	for _, c := range s.intent.Cleanups {
		owing[c.Plan] = true
	}
	var out []*Step
	for _, st := range s.Candidates() {
		if st.Kind == StepAction && !owing[st.PlanName()] && !st.doneAction(s) {
			out = append(out, st)
		}
	}
	return out
}

// doneAction reports whether an action step is done (its cleanup may
// still run).
func (st *Step) doneAction(s *Set) bool {
	a := stepAction(s.peekPlanIntent(st.phase.plan).Steps[st.ID])
	return a != nil && (a.Done || a.Failed)
}

// ActionAsked records that the scheduler runs action step id now: it owes
// a cleanup from now on. The intent must be stored before the run.
func (s *Set) ActionAsked(id string, now time.Time) error {
	s.catchUp()
	p, st := s.find(id)
	if st == nil || st.Kind != StepAction {
		return fmt.Errorf("%w %s", ErrUnknownStep, id)
	}
	s.world.Now = now
	si := s.planIntent(p).step(st.ID)
	if si.Action == nil {
		si.Action = &ActionIntent{}
	}
	si.Action.Live = true
	si.Restart, si.Prepared = false, nil
	if si.Started == nil {
		si.Started = timePtr(now)
	}
	s.refresh()
	return nil
}

// ActionResult records the result of a run of action step id; applied
// is false for a result that comes after the step stopped running, which
// updates the progress its owed cleanup gets, and nothing else.
func (s *Set) ActionResult(id string, o ActionOutcome, now time.Time) (applied bool, err error) {
	s.catchUp()
	p, st := s.find(id)
	if st == nil || st.Kind != StepAction {
		return false, fmt.Errorf("%w %s", ErrUnknownStep, id)
	}
	s.world.Now = now
	si := s.planIntent(p).step(st.ID)
	if a := si.Action; a == nil || !a.Live {
		if c := s.intent.Cleanups[st.ID]; c != nil && o.Progress != "" {
			c.Progress = o.Progress
		}
		return false, nil
	}
	a := si.Action
	if o.Progress != "" {
		a.Progress = o.Progress
	}
	a.Reason = o.Reason
	switch {
	case o.Done:
		a.Done = true
		s.owe(p, st, si, "done")
	case o.Failed:
		a.Failed = true
		s.owe(p, st, si, "failed: "+o.Reason)
	}
	s.refresh()
	return true, nil
}

// PlanProgress is the stored progress of plan's action steps, by step
// name (those with none left out): a later step reads what an earlier
// one did.
func (s *Set) PlanProgress(plan string) map[string]string {
	s.catchUp()
	out := map[string]string{}
	p := s.Plan(plan)
	if p == nil {
		return out
	}
	for _, ph := range p.Phases {
		for _, st := range ph.Steps {
			if a := stepAction(s.peekPlanIntent(p).Steps[st.ID]); st.Kind == StepAction && a != nil && a.Progress != "" {
				out[st.Name] = a.Progress
			}
		}
	}
	return out
}

// ActionProgress is the stored progress of action step id ("" if none).
func (s *Set) ActionProgress(id string) string {
	s.catchUp()
	p, st := s.find(id)
	if st == nil {
		return ""
	}
	if a := stepAction(s.peekPlanIntent(p).Steps[st.ID]); a != nil {
		return a.Progress
	}
	return ""
}

// owe records the cleanup st owes, if it ran since its last one.
func (s *Set) owe(p *Plan, st *Step, si *StepIntent, why string) {
	a := stepAction(si)
	if a == nil || !a.Live {
		return
	}
	a.Live = false
	s.changed = true
	if s.intent.Cleanups == nil {
		s.intent.Cleanups = map[string]*Cleanup{}
	}
	prev := s.intent.Cleanups[st.ID]
	c := &Cleanup{Plan: p.Name, Step: st.Name, Action: st.Action, Parameters: maps.Clone(st.Parameters),
		Progress: a.Progress, Why: why, Since: s.world.Now}
	if prev != nil {
		c.Since = prev.Since
	}
	s.intent.Cleanups[st.ID] = c
}

// oweStopped records the cleanups of the live action steps that are no
// longer candidates (their plan or phase was interrupted).
func (s *Set) oweStopped() {
	cands := map[*Step]bool{}
	for _, st := range s.Candidates() {
		cands[st] = true
	}
	for _, p := range s.plans {
		for _, ph := range p.Phases {
			for _, st := range ph.Steps {
				if st.Kind != StepAction {
					continue
				}
				si := s.peekPlanIntent(p).Steps[st.ID]
				if !cands[st] && stepAction(si) != nil && si.Action.Live {
					s.owe(p, st, s.planIntent(p).step(st.ID), "interrupted")
				}
			}
		}
	}
}

// ResumeActions is for a scheduler that starts again: every action step
// that was running owes a cleanup (whatever its effects were, nothing
// watches them now) and runs again, from its stored progress, once the
// cleanup is done.
func (s *Set) ResumeActions(now time.Time) {
	s.catchUp()
	s.world.Now = now
	for _, p := range s.plans {
		for _, ph := range p.Phases {
			for _, st := range ph.Steps {
				if si := s.peekPlanIntent(p).Steps[st.ID]; st.Kind == StepAction && stepAction(si) != nil && si.Action.Live {
					s.owe(p, st, s.planIntent(p).step(st.ID), "the scheduler restarted")
				}
			}
		}
	}
	s.refresh()
}

// Cleanups are the cleanups owed, by step id.
func (s *Set) Cleanups() map[string]Cleanup {
	s.catchUp()
	out := make(map[string]Cleanup, len(s.intent.Cleanups))
	for id, c := range s.intent.Cleanups {
		out[id] = *c
	}
	return out
}

// CleanupIDs are the ids of the steps that owe a cleanup, sorted.
func (s *Set) CleanupIDs() []string {
	s.catchUp()
	return slices.Sorted(maps.Keys(s.intent.Cleanups))
}

// CleanupResult records a run of step id's cleanup: done forgets it,
// otherwise reason says what it waits for.
func (s *Set) CleanupResult(id string, done bool, reason string, now time.Time) {
	s.catchUp()
	s.world.Now = now
	c := s.intent.Cleanups[id]
	if c == nil {
		return
	}
	if done {
		delete(s.intent.Cleanups, id)
		if len(s.intent.Cleanups) == 0 {
			s.intent.Cleanups = nil
		}
	} else {
		c.Reason = reason
	}
	s.refresh()
}

// actionReason is an action step's reason.
func (s *Set) actionReason(p *Plan, st *Step, candidate bool) (string, bool) {
	si := s.peekPlanIntent(p).Steps[st.ID]
	a := stepAction(si)
	c := s.intent.Cleanups[st.ID]
	switch {
	case c != nil && c.Reason != "":
		return fmt.Sprintf("cleaning up after %s (%s): %s", st.Name, c.Why, c.Reason), true
	case c != nil:
		return fmt.Sprintf("cleaning up after %s (%s)", st.Name, c.Why), true
	case st.Status == Complete && a != nil && a.Done && a.Reason != "" && st.Completed != nil:
		return a.Reason + " (completed at " + st.Completed.UTC().Format(clock) + ")", true
	case st.Status == Complete && a != nil && a.Done && a.Reason != "":
		return a.Reason, true
	case st.Status == Started || st.Status == Error:
		if a != nil && a.Reason != "" {
			return a.Reason, true
		}
		return "running " + st.Action, true
	case st.Status == Pending && candidate:
		return "waiting to run " + st.Action, true
	}
	return "", false
}
