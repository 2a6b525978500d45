package plans

import "time"

// stepStatus computes the status of st from the world and the intent.
func (s *Set) stepStatus(p *Plan, st *Step) {
	si := s.peekPlanIntent(p).Steps[st.ID]
	st.Started, st.Completed, st.Until = nil, nil, nil
	if si != nil {
		st.Started, st.Completed = si.Started, si.Completed
	}
	st.base = s.baseStatus(p, st, si)
	if st.base == Delayed {
		st.Until = s.delayedUntil(st)
	}
	st.Status = st.base
	st.Display = string(st.base)
}

func (s *Set) baseStatus(p *Plan, st *Step, si *StepIntent) Status {
	switch {
	case si != nil && si.Forced:
		return Complete
	case si != nil && si.Completed != nil:
		return Complete // a step that got to COMPLETE stays there for this rollout
	case si != nil && si.Restart:
		if si.Prepared != nil {
			return Prepared
		}
		return Pending
	}
	var status Status
	switch st.Kind {
	case StepLaunch:
		status = s.launchStatus(p, st, si)
	case StepAction:
		return s.actionStatus(st, si)
	default:
		status = s.decommissionStatus(st)
	}
	if status == Pending && si != nil && si.Prepared != nil {
		return Prepared
	}
	return status
}

// launchStatus is the least advanced status of the step's tasks. Deploy and
// custom steps bring tasks to goal on the target configuration; recovery
// steps relaunch them on the configuration they already had.
//
// A task on its way (STARTING, STARTED) counts only for the step that
// launched it: another plan's launch of the same task leaves this step
// PENDING, so a step never reads in progress for work it did not do.
func (s *Set) launchStatus(p *Plan, st *Step, si *StepIntent) Status {
	least := Complete
	if len(st.taskNames) == 0 {
		least = Pending
	}
	for i, name := range st.taskNames {
		t := s.world.Tasks[name]
		until := s.backoffUntil(name)
		var status Status
		if p.kind == kindRecovery {
			status = recoveryTaskStatus(st.goals[i], t, until, s.world.Now)
		} else {
			status = taskStatus(st.goals[i], t, s.world.Config, until, s.world.Now)
		}
		if (status == Starting || status == Started) && !si.launched(t.ID) {
			status = Pending
		}
		least = lessAdvanced(least, status)
	}
	return least
}

func recoveryTaskStatus(goal string, t *Task, until, now time.Time) Status {
	if t == nil {
		return Pending
	}
	if t.PermanentlyFailed || t.State.needsRecovery() {
		if now.Before(until) {
			return Delayed
		}
		return Pending
	}
	return taskStatus(goal, t, t.ConfigID, until, now)
}

// launched reports whether the step's latest launch started task id.
func (si *StepIntent) launched(id string) bool {
	if si == nil {
		return false
	}
	for _, l := range si.Launched {
		if l == id {
			return true
		}
	}
	return false
}

// decommissionStatus: a kill step completes when its task no longer runs,
// an unreserve step when no task holds its reservation, an erase step when
// the task is forgotten.
func (s *Set) decommissionStatus(st *Step) Status {
	switch st.Kind {
	case StepKill:
		if t := s.world.Tasks[st.taskNames[0]]; t == nil || t.ID == "" || t.State.Terminal() || t.State == TaskLost || t.State == TaskGoneByOperator {
			return Complete
		}
	case StepUnreserve:
		if s.reservedIDs()[st.Resource] {
			return Pending
		}
		return Complete
	case StepErase:
		if s.world.Tasks[st.taskNames[0]] == nil {
			return Complete
		}
	}
	return Pending
}

// reservedIDs is the set of reservation ids tasks hold, computed on first
// use after each refresh.
func (s *Set) reservedIDs() map[string]bool {
	if s.reserved == nil {
		s.reserved = map[string]bool{}
		for _, t := range s.world.Tasks {
			for _, r := range t.Resources {
				if r.Reserved {
					s.reserved[r.ID] = true
				}
			}
		}
	}
	return s.reserved
}

func (s *Set) backoffUntil(task string) time.Time {
	if b := s.intent.Backoff[task]; b != nil {
		return b.Until
	}
	return time.Time{}
}

// delayedUntil is when the last of a delayed step's tasks may retry.
func (s *Set) delayedUntil(st *Step) *time.Time {
	var until time.Time
	for _, name := range st.taskNames {
		if u := s.backoffUntil(name); u.After(until) {
			until = u
		}
	}
	if until.IsZero() {
		return nil
	}
	return &until
}

// applyCanary holds a step of a canary trial that has not had its
// continue: such a step reads WAITING while PENDING or PREPARED.
func (st *Step) applyCanary(c *canary) {
	st.interrupted = c != nil && c.active() && !c.proceeded(st)
	st.Status = st.base
	if st.interrupted && (st.base == Pending || st.base == Prepared) {
		st.Status = Waiting
	}
	st.Display = string(st.Status)
}

// canaryOf returns the trial of a canary phase: the stored choice, or the
// first steps still PENDING now.
func (s *Set) canaryOf(p *Plan, ph *Phase) *canary {
	if ph.Strategy != SerialCanary && ph.Strategy != ParallelCanary && ph.Strategy != Dependency+"-canary" {
		return nil
	}
	c := &canary{}
	if phi := s.peekPlanIntent(p).Phases[ph.ID]; phi != nil && phi.CanaryChosen {
		c.proceeds = phi.Proceeds
		for _, id := range phi.Canary {
			for _, st := range ph.Steps {
				if st.ID == id {
					c.steps = append(c.steps, st)
				}
			}
		}
		return c
	}
	for _, st := range ph.Steps {
		if len(c.steps) == canaryTrialSize {
			break
		}
		if st.base == Pending {
			c.steps = append(c.steps, st)
		}
	}
	return c
}
