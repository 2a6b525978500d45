package plans

import (
	"slices"
	"time"

	"github.com/kennel-sdk/kennel/servicespec"
)

// World is what plans are computed from, besides Intent: the target spec,
// the tasks the scheduler knows and the time.
type World struct {
	// Spec is the target configuration and Config its id.
	Spec   *servicespec.ServiceSpec
	Config string
	// Tasks are the known tasks by task instance name (hello-0-server).
	Tasks map[string]*Task
	// Errors are configuration errors; the deploy plan shows them and
	// reads ERROR.
	Errors []string
	// Now is the current time; nothing in this package reads a clock.
	Now time.Time
	// Backoff is the failure backoff policy; the zero value is
	// DefaultBackoff.
	Backoff BackoffPolicy
	// Waiting optionally says, per pod instance, why its step has not found
	// an offer yet ("no offer has a 2048 MB MOUNT disk"); it enriches reasons.
	Waiting map[string]string
	// Held optionally says, per pod instance, what its step waits for
	// instead of an offer (an unreachable agent that holds its
	// reservations, and the way out); it replaces the step's reason.
	Held map[string]string
}

// Set is every plan of a service: deploy, recovery, decommission (when pods
// are being removed) and the spec's custom plans. It is a pure value: it
// reads nothing but its World and Intent, and every change goes through its
// methods, which return what the caller must act on. A Set is not safe for
// concurrent use; the scheduler's single state goroutine owns it.
type Set struct {
	world  World
	intent Intent
	plans  []*Plan
	// reserved holds the ids of reservations some task still holds; it is
	// computed once per refresh, for the decommission plan's unreserve
	// steps.
	reserved map[string]bool
	// stale: a task changed (UpdateTask) since the plans were last
	// computed. Every other method computes them again first, so a batch
	// of task updates costs one computation, not one each.
	stale bool
	// changed: Settle changed the intent (see Settle), so the statuses
	// are computed again.
	changed bool
	// steps indexes the plans' steps by id, built on first use after the
	// plans were generated (nil until then).
	steps map[string]stepRef
	// cands caches Candidates between computations of the statuses; nil
	// when it must be computed again (see forgetCandidates).
	cands []*Step
}

// forgetCandidates drops the cached candidates: statuses or interrupts
// changed.
func (s *Set) forgetCandidates() { s.cands = nil }

// stepRef is a step and its plan.
type stepRef struct {
	plan *Plan
	step *Step
}

// catchUp computes the plans again if a task changed since they were.
func (s *Set) catchUp() {
	if s.stale {
		s.rebuildDynamic()
	}
}

// New computes every plan from w and in. The Set keeps its own copies of
// the task table and the intent: Intent returns the current intent, and
// the caller's values are never changed. Tasks in w are not modified.
func New(w World, in Intent) *Set {
	tasks := make(map[string]*Task, len(w.Tasks))
	for name, t := range w.Tasks {
		tasks[name] = t
	}
	w.Tasks = tasks
	s := &Set{world: w, intent: in.Clone()}
	s.build()
	return s
}

// Intent returns a copy of the Set's intent, to be stored after every
// change and before acting on it.
func (s *Set) Intent() Intent {
	s.catchUp()
	return s.intent.Clone()
}

// IntentEntries is Intent().Entries() without the copy: the entries are
// encoded afresh, so nothing the caller holds shares the Set's intent.
func (s *Set) IntentEntries() map[string][]byte {
	s.catchUp()
	return s.intent.Entries()
}

// Plans returns the plans in API order: deploy, recovery, decommission (if
// any), then custom plans in spec order.
func (s *Set) Plans() []*Plan {
	s.catchUp()
	return s.plans
}

// Plan returns the plan named name, or nil.
func (s *Set) Plan(name string) *Plan {
	s.catchUp()
	for _, p := range s.plans {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Names returns the plan names in API order.
func (s *Set) Names() []string {
	s.catchUp()
	names := make([]string, len(s.plans))
	for i, p := range s.plans {
		names[i] = p.Name
	}
	return names
}

// build regenerates the plans from the world and intent and computes their
// statuses.
func (s *Set) build() {
	s.steps = nil
	s.plans = s.plans[:0]
	s.plans = append(s.plans, s.deployPlan(), s.recoveryPlan())
	if p := s.decommissionPlan(); p != nil {
		s.plans = append(s.plans, p)
	}
	s.plans = append(s.plans, s.customPlans()...)
	s.refresh()
}

// refresh recomputes every status and reason from the current world and
// intent, without regenerating the plans' shape.
func (s *Set) refresh() {
	s.refreshStatuses()
	s.explain()
}

// refreshStatuses is refresh without the reasons (explain): what Settle
// needs to decide, before it computes the reasons once at the end.
func (s *Set) refreshStatuses() {
	s.forgetCandidates()
	s.reserved = nil
	for _, p := range s.plans {
		for _, ph := range p.Phases {
			for _, st := range ph.Steps {
				s.stepStatus(p, st)
			}
			ph.canary = s.canaryOf(p, ph)
			for _, st := range ph.Steps {
				st.applyCanary(ph.canary)
			}
		}
		p.aggregate()
	}
}

// aggregate computes phase and plan statuses. A phase's status is computed
// from its steps' statuses and its candidates; the plan's likewise.
func (p *Plan) aggregate() {
	phaseStatuses := make([]Status, len(p.Phases))
	for i, ph := range p.Phases {
		children := make([]Status, len(ph.Steps))
		for j, st := range ph.Steps {
			children[j] = st.Status
		}
		cands := ph.stepCandidates(nil)
		candStatuses := make([]Status, len(cands))
		for j, c := range cands {
			candStatuses[j] = c.Status
		}
		ph.Status = aggregate(children, candStatuses, false, ph.Interrupted())
		phaseStatuses[i] = ph.Status
	}
	cands := p.phaseCandidates()
	candStatuses := make([]Status, len(cands))
	for i, c := range cands {
		candStatuses[i] = c.Status
	}
	p.Status = aggregate(phaseStatuses, candStatuses, len(p.Errors) > 0, p.interrupted)
}

// Candidates returns the steps the scheduler should work on now, across all
// plans. Plans are consulted in priority order (deploy, recovery,
// decommission, custom) and a pod instance is worked on by one step at a
// time: a step whose instance another plan is preparing or launching, or
// has already claimed in this call, is not a candidate.
func (s *Set) Candidates() []*Step {
	s.catchUp()
	if s.cands == nil {
		s.cands = s.candidates()
	}
	if len(s.cands) == 0 {
		return nil
	}
	return slices.Clone(s.cands)
}

// candidates computes Candidates; never nil.
func (s *Set) candidates() []*Step {
	out := []*Step{}
	claimed := busy{}
	for _, p := range s.plans {
		held := busy{}
		for inst := range claimed {
			held[inst] = true
		}
		for _, other := range s.plans {
			if other == p {
				continue
			}
			for _, ph := range other.Phases {
				for _, st := range ph.Steps {
					if st.Status == Prepared || st.Status == Starting {
						held[st.Instance()] = true
					}
				}
			}
		}
		for _, st := range p.candidates(held) {
			out = append(out, st)
			claimed[st.Instance()] = true
		}
	}
	return out
}

// Step returns the step with id, in any plan, or nil.
func (s *Set) Step(id string) *Step {
	s.catchUp()
	_, st := s.find(id)
	return st
}

// planIntent returns the intent of p, scoped to the target configuration
// for deploy plans: progress of an older rollout does not carry over.
func (s *Set) planIntent(p *Plan) *PlanIntent {
	pi := s.intent.plan(p.Name)
	if p.kind == kindDeploy && pi.Config != s.world.Config {
		*pi = PlanIntent{Config: s.world.Config}
	}
	return pi
}

// peekPlanIntent is planIntent without creating anything.
func (s *Set) peekPlanIntent(p *Plan) *PlanIntent {
	pi := s.intent.Plans[p.Name]
	if pi == nil || (p.kind == kindDeploy && pi.Config != s.world.Config) {
		return &PlanIntent{}
	}
	return pi
}
