package plans

import (
	"sort"
	"time"
)

// decommissioning is a pod instance the target spec no longer has: its pod
// type is gone or its index is beyond the pod's count.
type decommissioning struct {
	inst      string
	pod       string
	index     int
	rank      int // position of the pod type from the end of the spec; -1 if gone
	tasks     []string
	resources []string
}

// decommissioningInstances lists the known instances to remove, in the
// order DC/OS Commons removes them: pod types missing from the spec first
// (alphabetically), then pod types from the last in the spec to the first;
// within a pod type, the highest index first.
func (s *Set) decommissioningInstances() []*decommissioning {
	byInst := map[string]*decommissioning{}
	for _, t := range s.world.Tasks {
		pod := s.world.Spec.Pod(t.Pod)
		if pod != nil && t.Index < pod.Count {
			continue
		}
		inst := instanceName(t.Pod, t.Index)
		d := byInst[inst]
		if d == nil {
			d = &decommissioning{inst: inst, pod: t.Pod, index: t.Index, rank: -1}
			for i := range s.world.Spec.Pods {
				if s.world.Spec.Pods[i].Name == t.Pod {
					d.rank = len(s.world.Spec.Pods) - 1 - i
				}
			}
			byInst[inst] = d
		}
		d.tasks = append(d.tasks, t.Name)
		for _, r := range t.Resources {
			d.resources = append(d.resources, r.ID)
		}
	}
	for inst, rec := range s.intent.Decommissions {
		if byInst[inst] == nil && !s.withinCount(inst) {
			pod, index := splitInstance(inst)
			byInst[inst] = &decommissioning{inst: inst, pod: pod, index: index, rank: -1, tasks: rec.Tasks, resources: rec.Resources}
		}
	}
	out := make([]*decommissioning, 0, len(byInst))
	for _, d := range byInst {
		sort.Strings(d.tasks)
		sort.Strings(d.resources)
		d.resources = compact(d.resources)
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.rank != b.rank:
			return a.rank < b.rank
		case a.pod != b.pod:
			return a.pod < b.pod
		}
		return a.index > b.index
	})
	return out
}

// withinCount reports whether the spec's pod count covers the instance
// again (the pod was scaled back up after it was removed).
func (s *Set) withinCount(inst string) bool {
	podName, index := splitInstance(inst)
	pod := s.world.Spec.Pod(podName)
	return pod != nil && index < pod.Count
}

// splitInstance splits <pod>-<index> at its last dash.
func splitInstance(inst string) (string, int) {
	for i := len(inst) - 1; i >= 0; i-- {
		if inst[i] == '-' {
			n := 0
			for _, c := range inst[i+1:] {
				n = n*10 + int(c-'0')
			}
			return inst[:i], n
		}
	}
	return inst, 0
}

func compact(sorted []string) []string {
	out := sorted[:0]
	for i, v := range sorted {
		if i == 0 || v != sorted[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// decommissionPlan has one serial phase per instance to remove: kill each
// task, release each reservation, then forget each task. It exists only
// while there is something to remove or recently removed.
func (s *Set) decommissionPlan() *Plan {
	instances := s.decommissioningInstances()
	if len(instances) == 0 {
		return nil
	}
	p := &Plan{Name: DecommissionPlan, ID: elementID(DecommissionPlan), Strategy: Serial, kind: kindDecommission}
	p.interrupted = s.interruptedPlan(p)
	for _, d := range instances {
		ph := s.newPhase(p, d.inst, Serial)
		for _, t := range d.tasks {
			s.addDecommissionStep(ph, d, StepKill, "kill-"+t, t, "")
		}
		for _, r := range d.resources {
			s.addDecommissionStep(ph, d, StepUnreserve, "unreserve-"+r, "", r)
		}
		for _, t := range d.tasks {
			s.addDecommissionStep(ph, d, StepErase, "erase-"+t, t, "")
		}
	}
	return p
}

func (s *Set) addDecommissionStep(ph *Phase, d *decommissioning, kind StepKind, name, task, resource string) {
	st := &Step{Name: name, ID: elementID(DecommissionPlan, ph.Name, name), Kind: kind, Pod: d.pod, Index: d.index, Resource: resource, phase: ph, inst: d.inst}
	if task != "" {
		st.taskNames = []string{task}
		st.goals = []string{""}
		if t := s.world.Tasks[task]; t != nil {
			st.Tasks = []string{t.Spec}
		}
	}
	ph.Steps = append(ph.Steps, st)
}

// settleDecommissions records the instances being removed and marks
// finished the ones whose phase completed.
func (s *Set) settleDecommissions() {
	for inst, rec := range s.intent.Decommissions {
		if s.withinCount(inst) {
			s.changed = true
			s.forgetDecommissionIntent(inst, rec)
			delete(s.intent.Decommissions, inst)
		}
	}
	p := s.Plan(DecommissionPlan)
	if p == nil {
		return
	}
	for _, ph := range p.Phases {
		rec := s.intent.Decommissions[ph.Name]
		if rec == nil {
			if s.intent.Decommissions == nil {
				s.intent.Decommissions = map[string]*Decommission{}
			}
			rec = &Decommission{Started: s.world.Now}
			s.intent.Decommissions[ph.Name] = rec
			s.changed = true
			for _, st := range ph.Steps {
				switch st.Kind {
				case StepErase:
					rec.Tasks = append(rec.Tasks, st.taskNames[0])
				case StepUnreserve:
					rec.Resources = append(rec.Resources, st.Resource)
				}
			}
		}
		if ph.Status == Complete && rec.Completed == nil {
			rec.Completed = timePtr(s.world.Now)
			s.changed = true
		}
	}
	pruneFinished(s.intent.Decommissions, func(r *Decommission) *time.Time { return r.Completed }, s.forgetDecommissionIntent)
}

// forgetDecommissionIntent drops the operator intent of a pruned
// decommission's phase and steps.
func (s *Set) forgetDecommissionIntent(inst string, rec *Decommission) {
	s.changed = true
	pi := s.intent.Plans[DecommissionPlan]
	if pi == nil {
		return
	}
	delete(pi.Phases, elementID(DecommissionPlan, inst))
	for _, t := range rec.Tasks {
		delete(pi.Steps, elementID(DecommissionPlan, inst, "kill-"+t))
		delete(pi.Steps, elementID(DecommissionPlan, inst, "erase-"+t))
	}
	for _, r := range rec.Resources {
		delete(pi.Steps, elementID(DecommissionPlan, inst, "unreserve-"+r))
	}
}
