package plans

import (
	"github.com/kennel-sdk/kennel/servicespec"
)

const (
	goalRunning = servicespec.GoalRunning
	goalOnce    = servicespec.GoalOnce
)

// deployPlan generates the deploy plan: the spec's `update` plan once a
// deployment has completed (presented as deploy, as DC/OS Commons does),
// else its `deploy` plan, else one serial phase per pod type with one step
// per instance launching all its tasks.
func (s *Set) deployPlan() *Plan {
	spec := s.world.Spec
	var p *Plan
	if up := spec.Plan(UpdatePlan); up != nil && s.intent.DeployedConfig != "" {
		p = s.fromSpec(DeployPlan, up, kindDeploy)
	} else if dp := spec.Plan(DeployPlan); dp != nil {
		p = s.fromSpec(DeployPlan, dp, kindDeploy)
	} else {
		p = &Plan{Name: DeployPlan, ID: elementID(DeployPlan), Strategy: Serial, kind: kindDeploy}
		params := s.peekPlanIntent(p).parameters()
		for i := range spec.Pods {
			pod := &spec.Pods[i]
			ph := s.newPhase(p, pod.Name, Serial)
			for idx := 0; idx < pod.Count; idx++ {
				s.addLaunchStep(ph, pod, idx, taskNamesOf(pod)).Parameters = params
			}
		}
	}
	p.Errors = append([]string(nil), s.world.Errors...)
	p.interrupted = s.interruptedPlan(p)
	return p
}

// customPlans generates every plan of the spec other than deploy and update.
// They start interrupted and run on `start`.
func (s *Set) customPlans() []*Plan {
	var out []*Plan
	for i := range s.world.Spec.Plans {
		sp := &s.world.Spec.Plans[i]
		if sp.Name == DeployPlan || sp.Name == UpdatePlan {
			continue
		}
		p := s.fromSpec(sp.Name, sp, kindCustom)
		p.interrupted = s.interruptedPlan(p)
		out = append(out, p)
	}
	return out
}

func (s *Set) interruptedPlan(p *Plan) bool {
	if pi := s.peekPlanIntent(p); pi.Interrupted != nil {
		return *pi.Interrupted
	}
	return p.kind == kindCustom
}

// fromSpec generates a plan from its svc.yml definition.
func (s *Set) fromSpec(name string, sp *servicespec.PlanSpec, kind planKind) *Plan {
	p := &Plan{Name: name, ID: elementID(name), Strategy: sp.Strategy, kind: kind}
	params := s.peekPlanIntent(p).parameters()
	for i := range sp.Phases {
		sph := &sp.Phases[i]
		ph := s.newPhase(p, sph.Name, sph.Strategy)
		if sph.Action != "" {
			s.addActionStep(ph, sph.Action).Parameters = params
			continue
		}
		pod := s.world.Spec.Pod(sph.Pod)
		if len(sph.Steps) > 0 && (sph.Strategy == Parallel || sph.Strategy == ParallelCanary) {
			// Steps of one instance run in order, instances in parallel.
			ph.dependency = true
			ph.Strategy = Dependency
			if sph.Strategy == ParallelCanary {
				ph.Strategy = Dependency + "-canary"
			}
		}
		for idx := 0; idx < pod.Count; idx++ {
			for _, tasks := range sph.StepsFor(pod, idx) {
				s.addLaunchStep(ph, pod, idx, tasks).Parameters = params
			}
		}
	}
	return p
}

func (s *Set) newPhase(p *Plan, name, strategy string) *Phase {
	ph := &Phase{Name: name, ID: elementID(p.Name, name), Strategy: strategy, plan: p}
	ph.parallel = strategy == Parallel || strategy == ParallelCanary
	if pi := s.peekPlanIntent(p); pi.Phases[ph.ID] != nil {
		ph.interrupted = pi.Phases[ph.ID].Interrupted
	}
	p.Phases = append(p.Phases, ph)
	return ph
}

// addLaunchStep appends a step launching tasks of instance idx of pod. Two
// steps with the same name in a phase get distinct ids.
func (s *Set) addLaunchStep(ph *Phase, pod *servicespec.PodSpec, idx int, tasks []string) *Step {
	name := stepName(pod.Name, idx, tasks)
	st := &Step{Name: name, Kind: StepLaunch, Pod: pod.Name, Index: idx, Tasks: tasks, phase: ph, inst: instanceName(pod.Name, idx)}
	if ph.names == nil {
		ph.names = map[string]int{}
	}
	st.ID = elementID(ph.plan.Name, ph.Name, name, itoa(ph.names[name]))
	ph.names[name]++
	st.taskNames = make([]string, len(tasks))
	st.goals = make([]string, len(tasks))
	for i, t := range tasks {
		st.taskNames[i] = taskInstanceName(pod.Name, idx, t)
		if ts := pod.Task(t); ts != nil {
			st.goals[i] = ts.Goal
		}
	}
	ph.Steps = append(ph.Steps, st)
	return st
}

func taskNamesOf(pod *servicespec.PodSpec) []string {
	names := make([]string, len(pod.Tasks))
	for i, t := range pod.Tasks {
		names[i] = t.Name
	}
	return names
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}
