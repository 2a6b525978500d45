package plans

import (
	"fmt"
	"time"
)

// The methods in this file feed the Set what happened. Each changes the
// Set's intent where needed; the caller stores Intent() before acting on
// anything that depends on the change.

// ErrUnknownStep is returned for a step id no plan has.
var ErrUnknownStep = fmt.Errorf("plans: unknown step")

// Advance moves the Set's clock: DELAYED steps whose backoff has expired
// become PENDING.
//
// Statuses and reasons read the time only against backoff deadlines: when
// no deadline lies between the Set's time and now, and no task changed,
// nothing is computed. (Reasons also read World.Waiting and World.Held;
// Settle computes them again.)
func (s *Set) Advance(now time.Time) {
	switch {
	case s.stale:
		s.world.Now = now
		s.rebuildDynamic()
	case s.backoffCrossed(s.world.Now, now):
		s.world.Now = now
		s.refresh()
	default:
		s.world.Now = now
	}
}

// Prepared records that the scheduler has started looking for offers for
// step id. The step reads PREPARED until it launches.
//
// Like UpdateTask, it leaves the statuses to be computed again when the Set
// is next read, so that a batch of launches costs one computation.
func (s *Set) Prepared(id string, now time.Time) error {
	p, st := s.findLazy(id)
	if st == nil {
		return fmt.Errorf("%w %s", ErrUnknownStep, id)
	}
	s.world.Now = now
	si := s.planIntent(p).step(st.ID)
	if si.Prepared == nil {
		si.Prepared = timePtr(now)
	}
	if si.Started == nil {
		si.Started = timePtr(now)
	}
	s.stale = true
	return nil
}

// Launched records that the scheduler has launched step id's tasks with
// the task ids taskIDs (their TaskInfos and TASK_STAGING statuses are
// stored with the same batch). A pending restart is satisfied by the launch.
//
// Like UpdateTask, it leaves the statuses to be computed again when the Set
// is next read (by any other method): the launched step, and any *Plan or
// *Step obtained before, show the launch once one has been called. A launch
// changes only its own step's intent, so the statuses of the other steps a
// caller obtained from Candidates stay what they were.
func (s *Set) Launched(id string, taskIDs []string, now time.Time) error {
	p, st := s.findLazy(id)
	if st == nil {
		return fmt.Errorf("%w %s", ErrUnknownStep, id)
	}
	s.world.Now = now
	si := s.planIntent(p).step(st.ID)
	si.Prepared, si.Restart = nil, false
	si.Launched = append([]string(nil), taskIDs...)
	if si.Started == nil {
		si.Started = timePtr(now)
	}
	s.stale = true
	return nil
}

// UpdateTask records the latest state of a task and applies the backoff
// rules: a failure (TASK_FAILED, TASK_ERROR) delays the next launch, more
// each time; reaching the goal or TASK_GONE_BY_OPERATOR clears the delay. A
// failure already counted (the same task id) is not counted twice. The
// plans are computed again when the Set is next used (by any other
// method): a *Plan or *Step obtained before shows the change once one has
// been called.
func (s *Set) UpdateTask(t Task, now time.Time) {
	s.world.Now = now
	s.world.Tasks[t.Name] = &t
	switch t.State {
	case TaskFailed, TaskError:
		s.recordFailure(&t, now)
	case TaskGoneByOperator:
		delete(s.intent.Backoff, t.Name)
	case TaskRunning:
		if t.Ready {
			delete(s.intent.Backoff, t.Name)
		}
	}
	s.stale = true
}

func (s *Set) recordFailure(t *Task, now time.Time) {
	if s.intent.Backoff == nil {
		s.intent.Backoff = map[string]*Backoff{}
	}
	b := s.intent.Backoff[t.Name]
	if b == nil {
		b = &Backoff{}
		s.intent.Backoff[t.Name] = b
	}
	if b.TaskID == t.ID && b.Failures > 0 {
		return
	}
	b.TaskID = t.ID
	b.Failures++
	b.Until = now.Add(s.world.Backoff.Delay(b.Failures))
	b.Reason = describeState(t)
}

// RemoveTask forgets a task, as the scheduler does when it erases a
// decommissioned task from its state.
func (s *Set) RemoveTask(name string, now time.Time) {
	s.catchUp()
	s.world.Now = now
	delete(s.world.Tasks, name)
	delete(s.intent.Backoff, name)
	s.rebuildDynamic()
}

// Settle writes into the intent what the statuses show: when steps
// completed (so that they stay complete), the chosen canary trials, the
// recoveries and decommissions under way, and the configuration a
// completed deploy plan deployed. Call it after every batch of events; it
// is idempotent.
func (s *Set) Settle(now time.Time) {
	if s.stale {
		s.rebuildDynamicStatuses() // the reasons are computed once, below
	}
	timeMoved := s.backoffCrossed(s.world.Now, now)
	s.world.Now = now
	s.changed = false
	deployed := s.intent.DeployedConfig
	s.oweStopped()
	for _, p := range s.plans {
		s.settlePlan(p)
	}
	s.settleRecoveries()
	s.settleDecommissions()
	if d := s.Plan(DeployPlan); d.Status == Complete && len(d.Errors) == 0 {
		s.intent.DeployedConfig = s.world.Config
	}
	// What to compute again follows from what changed: a newly deployed
	// configuration can turn the deploy plan into the spec's update plan;
	// other intent changes (completion marks, recoveries, decommissions,
	// canary trials, cleanups) change statuses and the plans that follow
	// the intent's records; the time alone changes statuses only across a
	// backoff's end. The reasons are always computed again: they also
	// read World.Waiting and World.Held, which the caller fills in place.
	switch {
	case s.intent.DeployedConfig != deployed:
		s.build()
	case s.changed:
		s.rebuildDynamic()
	case timeMoved:
		s.refresh()
	default:
		s.explain()
	}
}

// backoffCrossed reports whether moving the clock from a to b changes any
// status or reason: they read the time only against backoff deadlines.
func (s *Set) backoffCrossed(a, b time.Time) bool {
	for _, bo := range s.intent.Backoff {
		if a.Before(bo.Until) != b.Before(bo.Until) {
			return true
		}
	}
	return false
}

func (s *Set) settlePlan(p *Plan) {
	for _, ph := range p.Phases {
		if ph.canary != nil {
			phi := s.planIntent(p).phase(ph.ID)
			if !phi.CanaryChosen {
				s.changed = true
				phi.CanaryChosen = true
				phi.Canary = nil
				for _, st := range ph.canary.steps {
					phi.Canary = append(phi.Canary, st.ID)
				}
			}
		}
		for _, st := range ph.Steps {
			if st.base != Complete || st.Completed != nil || p.kind == kindDecommission {
				continue
			}
			s.changed = true
			si := s.planIntent(p).step(st.ID)
			si.Completed = timePtr(s.world.Now)
			si.Prepared, si.Launched = nil, nil
		}
	}
}

// rebuildDynamic regenerates the plans whose shape follows the tasks
// (recovery, decommission) and recomputes every status.
func (s *Set) rebuildDynamic() {
	s.rebuildDynamicStatuses()
	s.explain()
}

// rebuildDynamicStatuses is rebuildDynamic without the reasons.
func (s *Set) rebuildDynamicStatuses() {
	out := make([]*Plan, 0, len(s.plans)+2)
	var custom []*Plan
	for _, p := range s.plans {
		switch p.kind {
		case kindDeploy:
			out = append(out, p, s.recoveryPlan())
			if d := s.decommissionPlan(); d != nil {
				out = append(out, d)
			}
		case kindCustom:
			custom = append(custom, p)
		}
	}
	s.plans = append(out, custom...)
	s.steps = nil
	s.stale = false
	s.refreshStatuses()
}

// findLazy is find without computing the plans first when they are stale:
// only when id is not in the plans as they are (a recovery or decommission
// step the changed tasks add) are they computed again. A step's plan and
// intent do not depend on the statuses.
func (s *Set) findLazy(id string) (*Plan, *Step) {
	if p, st := s.find(id); st != nil {
		return p, st
	}
	s.catchUp()
	return s.find(id)
}

// find returns the plan and step with id, the first in plan order if
// two had it.
func (s *Set) find(id string) (*Plan, *Step) {
	if s.steps == nil {
		s.steps = map[string]stepRef{}
		for _, p := range s.plans {
			for _, ph := range p.Phases {
				for _, st := range ph.Steps {
					if _, dup := s.steps[st.ID]; !dup {
						s.steps[st.ID] = stepRef{p, st}
					}
				}
			}
		}
	}
	r := s.steps[id]
	return r.plan, r.step
}
