package plans

// This file holds the strategies: which children of a plan or phase are
// candidates, the elements to work on now. Nothing else decides that.

// canary is the trial of a canary strategy: its steps (at most two, the
// first steps still PENDING when the rollout began) each wait for one
// `continue`; once every trial step has had its continue, the underlying
// strategy runs the rest.
type canary struct {
	steps    []*Step
	proceeds int
}

// canaryTrialSize is how many steps a canary trial holds, as in DC/OS
// Commons: one `continue` releases the first step, the next the second and,
// with it, the rest of the phase.
const canaryTrialSize = 2

// active reports whether some trial step still awaits its continue.
func (c *canary) active() bool { return c.proceeds < len(c.steps) }

// proceeded reports whether trial step s has had its continue.
func (c *canary) proceeded(s *Step) bool {
	for i, t := range c.steps {
		if t == s {
			return i < c.proceeds
		}
	}
	return true
}

// waiting reports whether the phase is held by the trial: some trial step
// awaits continue and none that has had it is still running.
func (c *canary) waiting() bool {
	if !c.active() {
		return false
	}
	for i := 0; i < c.proceeds && i < len(c.steps); i++ {
		if c.steps[i].Status != Complete {
			return false
		}
	}
	return true
}

// busy is the set of pod instances other work holds; a step on one of them
// is not a candidate.
type busy map[string]bool

func (b busy) holds(s *Step) bool { return b[s.Instance()] }

// eligibleStep reports whether s may be worked on now.
func eligibleStep(s *Step, held busy) bool {
	return s.Status != Complete && s.Status != Error && !s.interrupted && !held.holds(s)
}

// stepCandidates returns the steps of ph its strategy would work on now.
func (ph *Phase) stepCandidates(held busy) []*Step {
	if ph.interrupted {
		return nil
	}
	if c := ph.canary; c != nil && c.active() {
		var out []*Step
		for _, s := range c.steps {
			if c.proceeded(s) && eligibleStep(s, held) {
				out = append(out, s)
			}
		}
		return out
	}
	switch {
	case ph.dependency:
		return firstPerInstance(ph.Steps, held)
	case ph.parallel:
		var out []*Step
		for _, s := range ph.Steps {
			if eligibleStep(s, held) {
				out = append(out, s)
			}
		}
		return out
	}
	return serialStep(ph.Steps, held)
}

// serialStep is the serial strategy: one step at a time. The candidate is
// the first step that is not complete, unless a later step is under way
// (an operator restarted a step behind it): then that one, until it is done.
func serialStep(steps []*Step, held busy) []*Step {
	first := -1
	for i, s := range steps {
		if s.Status == Complete {
			continue
		}
		if first < 0 {
			first = i
		}
		if s.Status.Running() {
			first = i
			break
		}
	}
	if first >= 0 && eligibleStep(steps[first], held) {
		return []*Step{steps[first]}
	}
	return nil
}

// firstPerInstance is the dependency strategy: for each pod instance, its
// first step that is not complete, if eligible.
func firstPerInstance(steps []*Step, held busy) []*Step {
	seen := map[string]bool{}
	var out []*Step
	for _, s := range steps {
		inst := s.Instance()
		if seen[inst] || s.Status == Complete {
			continue
		}
		seen[inst] = true
		if eligibleStep(s, held) {
			out = append(out, s)
		}
	}
	return out
}

// eligiblePhase reports whether ph may be worked on now.
func eligiblePhase(ph *Phase) bool {
	return ph.Status != Complete && ph.Status != Error && !ph.Interrupted()
}

// phaseCandidates returns the phases of p its strategy would work on now.
func (p *Plan) phaseCandidates() []*Phase {
	if p.interrupted {
		return nil
	}
	if p.Strategy == Parallel {
		var out []*Phase
		for _, ph := range p.Phases {
			if eligiblePhase(ph) {
				out = append(out, ph)
			}
		}
		return out
	}
	first := -1
	for i, ph := range p.Phases {
		if ph.Status == Complete {
			continue
		}
		if first < 0 {
			first = i
		}
		if ph.Status.Running() {
			first = i
			break
		}
	}
	if first >= 0 && eligiblePhase(p.Phases[first]) {
		return []*Phase{p.Phases[first]}
	}
	return nil
}

// candidates returns the steps of p to work on now, DELAYED steps left out.
func (p *Plan) candidates(held busy) []*Step {
	var out []*Step
	for _, ph := range p.phaseCandidates() {
		for _, s := range ph.stepCandidates(held) {
			if s.Status != Delayed {
				out = append(out, s)
			}
		}
	}
	return out
}
