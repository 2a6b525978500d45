package plans

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Outcome is the result of an operator action, as the API maps it to HTTP.
type Outcome int

// Outcomes.
const (
	Accepted        Outcome = iota // 200: done
	AlreadyReported                // 208: nothing to do
	NotFound                       // 404: no such plan, phase or step
	BadRequest                     // 400: the request is malformed
)

// Result is an Outcome with the message DC/OS Commons sends with it.
type Result struct {
	Outcome Outcome
	Message string
}

var alreadyReported = Result{AlreadyReported, "Command has already been reported or completed"}

func accepted(cmd string) Result { return Result{Accepted, "Received cmd: " + cmd} }

func notFound(kind, name string) Result {
	return Result{NotFound, fmt.Sprintf("%s %s not found", kind, name)}
}

var paramName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Start sets plan's parameters (they become the environment of the tasks
// it launches), restarts it if it had completed or failed (an action step
// in ERROR runs again from scratch), and lets it proceed.
func (s *Set) Start(plan string, params map[string]string, now time.Time) Result {
	s.catchUp()
	for _, k := range slices.Sorted(maps.Keys(params)) {
		if !paramName.MatchString(k) {
			return Result{BadRequest, fmt.Sprintf("Couldn't parse parameters: %s is not a valid environment variable name", k)}
		}
	}
	p := s.Plan(plan)
	if p == nil {
		return notFound("Plan", plan)
	}
	s.world.Now = now
	pi := s.planIntent(p)
	pi.Parameters = nil
	if len(params) > 0 {
		pi.Parameters = make(map[string]string, len(params))
		for k, v := range params {
			pi.Parameters[k] = v
		}
	}
	for _, ph := range p.Phases {
		for _, st := range ph.Steps {
			st.Parameters = pi.parameters()
		}
	}
	if p.Status == Complete || p.Status == Error && len(p.Errors) == 0 {
		s.restartSteps(p, allSteps(p), "restarted by an operator")
	}
	s.setPlanInterrupted(p, false)
	s.refresh()
	return accepted(fmt.Sprintf("start %s with parameters: %s", plan, javaMap(params)))
}

// Stop interrupts plan and puts every step back to PENDING.
func (s *Set) Stop(plan string, now time.Time) Result {
	s.catchUp()
	p := s.Plan(plan)
	if p == nil {
		return notFound("Plan", plan)
	}
	s.world.Now = now
	s.setPlanInterrupted(p, true)
	s.restartSteps(p, allSteps(p), "stopped by an operator")
	s.refresh()
	return accepted("stop")
}

// Interrupt stops plan (or its phase, by id or name) from starting new
// steps; running steps finish.
func (s *Set) Interrupt(plan, phase string) Result {
	s.catchUp()
	p := s.Plan(plan)
	if p == nil {
		return notFound("Plan", plan)
	}
	if phase != "" {
		ph := p.Phase(phase)
		if ph == nil {
			return notFound("Phase", phase)
		}
		if ph.Interrupted() || ph.Status == Complete {
			return alreadyReported
		}
		s.planIntent(p).phase(ph.ID).Interrupted = true
		ph.interrupted = true
		s.forgetCandidates()
	} else {
		if p.interrupted || p.Status == Complete {
			return alreadyReported
		}
		s.setPlanInterrupted(p, true)
	}
	s.refresh()
	return accepted("interrupt")
}

// Continue lets plan (or its phase) proceed. On a canary phase each
// continue releases the next trial step. A continue of a plan resumes the
// plan and every phase an operator interrupted, as `plan resume` is
// expected to (interrupt and continue are pause and resume at plan and
// phase level). Kennel extension: a continue of a plan that nothing
// interrupted continues its waiting canary phases, so `plan continue
// deploy` advances a canary without naming the phase.
func (s *Set) Continue(plan, phase string) Result {
	s.catchUp()
	p := s.Plan(plan)
	if p == nil {
		return notFound("Plan", plan)
	}
	if phase != "" {
		ph := p.Phase(phase)
		if ph == nil {
			return notFound("Phase", phase)
		}
		if ph.Status.Running() || ph.Status == Complete {
			return alreadyReported
		}
		s.proceedPhase(p, ph)
		s.refresh()
		return accepted("continue")
	}
	if p.Status == Complete {
		return alreadyReported
	}
	var paused []*Phase
	for _, ph := range p.Phases {
		if ph.interrupted && ph.Status != Complete {
			paused = append(paused, ph)
		}
	}
	switch {
	case p.interrupted || len(paused) > 0:
		s.setPlanInterrupted(p, false)
		for _, ph := range paused {
			s.planIntent(p).phase(ph.ID).Interrupted = false
			ph.interrupted = false
			s.forgetCandidates()
		}
	default:
		proceeded := 0
		for _, ph := range p.Phases {
			if ph.Interrupted() && ph.Status != Complete {
				s.proceedPhase(p, ph)
				proceeded++
			}
		}
		if proceeded == 0 {
			return alreadyReported // nothing paused: it runs already
		}
	}
	s.refresh()
	return accepted("continue")
}

func (s *Set) proceedPhase(p *Plan, ph *Phase) {
	phi := s.planIntent(p).phase(ph.ID)
	if c := ph.canary; c != nil && c.active() {
		if !phi.CanaryChosen {
			phi.CanaryChosen = true
			for _, st := range c.steps {
				phi.Canary = append(phi.Canary, st.ID)
			}
		}
		phi.Proceeds++
		s.forgetCandidates()
		return
	}
	phi.Interrupted = false
	ph.interrupted = false
	s.forgetCandidates()
}

// ForceComplete marks plan, its phase, or a step of that phase COMPLETE,
// with everything below it.
func (s *Set) ForceComplete(plan, phase, step string, now time.Time) Result {
	s.catchUp()
	p, steps, res := s.target(plan, phase, step)
	if res != nil {
		return *res
	}
	if s.targetStatus(p, phase, step) == Complete {
		return alreadyReported
	}
	s.world.Now = now
	pi := s.planIntent(p)
	for _, st := range steps {
		si := pi.step(st.ID)
		s.owe(p, st, si, "forced complete by an operator")
		si.Forced, si.Restart, si.Prepared = true, false, nil
	}
	s.refresh()
	return accepted(fmt.Sprintf("forceComplete for Plan: %s, Phase: %s, Step: %s", plan, orNull(phase), orNull(step)))
}

// Restart lets plan, its phase or a step proceed, clears the backoff of
// its tasks and puts its steps back to PENDING: they launch again.
func (s *Set) Restart(plan, phase, step string, now time.Time) Result {
	s.catchUp()
	p, steps, res := s.target(plan, phase, step)
	if res != nil {
		return *res
	}
	if s.targetStatus(p, phase, step) == Pending {
		return alreadyReported
	}
	s.world.Now = now
	switch {
	case phase == "":
		s.setPlanInterrupted(p, false)
	case step == "":
		s.proceedPhase(p, p.Phase(phase))
	}
	s.restartSteps(p, steps, "restarted by an operator")
	s.refresh()
	return accepted(fmt.Sprintf("restart for Plan: %s, Phase: %s, Step: %s", plan, orNull(phase), orNull(step)))
}

// restartSteps puts steps back to PENDING; an action step that was
// running owes its cleanup, for the reason why.
func (s *Set) restartSteps(p *Plan, steps []*Step, why string) {
	pi := s.planIntent(p)
	for _, st := range steps {
		si := pi.step(st.ID)
		s.owe(p, st, si, why)
		*si = StepIntent{Restart: true}
		for _, name := range st.taskNames {
			delete(s.intent.Backoff, name)
		}
	}
}

// target resolves the element an action addresses and the steps below it.
func (s *Set) target(plan, phase, step string) (*Plan, []*Step, *Result) {
	p := s.Plan(plan)
	if p == nil {
		r := notFound("Plan", plan)
		return nil, nil, &r
	}
	if phase == "" && step == "" {
		return p, allSteps(p), nil
	}
	if phase == "" {
		return nil, nil, &Result{BadRequest, "Missing phase"}
	}
	ph := p.Phase(phase)
	if ph == nil {
		r := notFound("Phase", phase)
		return nil, nil, &r
	}
	if step == "" {
		return p, ph.Steps, nil
	}
	st := ph.Step(step)
	if st == nil {
		r := notFound("Step", step)
		return nil, nil, &r
	}
	return p, []*Step{st}, nil
}

func (s *Set) targetStatus(p *Plan, phase, step string) Status {
	switch {
	case phase == "":
		return p.Status
	case step == "":
		return p.Phase(phase).Status
	}
	return p.Phase(phase).Step(step).Status
}

func (s *Set) setPlanInterrupted(p *Plan, v bool) {
	s.planIntent(p).Interrupted = &v
	p.interrupted = v
	s.forgetCandidates()
}

func allSteps(p *Plan) []*Step {
	var out []*Step
	for _, ph := range p.Phases {
		out = append(out, ph.Steps...)
	}
	return out
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

// javaMap formats parameters as Java's Map.toString does ({K=V, K2=V2}),
// sorted by key.
func javaMap(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
