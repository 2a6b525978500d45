package plans

import (
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/kennel-sdk/kennel/servicespec"
)

// maxFinishedRecords bounds the completed recoveries and decommissions an
// Intent keeps for display.
const maxFinishedRecords = 16

// failing describes a pod instance the recovery plan must relaunch now.
type failing struct {
	pod       *servicespec.PodSpec
	index     int
	tasks     []string // task names to relaunch
	permanent bool
}

// failingInstances finds the pod instances of the spec with a task that
// must keep running but has stopped, or must be replaced. A failed
// essential task relaunches every RUNNING task of its instance, a failed
// non-essential one only itself.
func (s *Set) failingInstances() map[string]*failing {
	out := map[string]*failing{}
	essential := map[string]bool{}
	for _, t := range s.world.Tasks {
		pod := s.world.Spec.Pod(t.Pod)
		if pod == nil || t.Index >= pod.Count {
			continue // decommissioning, not recovery
		}
		ts := pod.Task(t.Spec)
		if ts == nil || ts.Goal != goalRunning || t.ID == "" || !(t.PermanentlyFailed || t.State.needsRecovery()) {
			continue
		}
		inst := instanceName(pod.Name, t.Index)
		f := out[inst]
		if f == nil {
			f = &failing{pod: pod, index: t.Index}
			out[inst] = f
		}
		f.tasks = append(f.tasks, ts.Name)
		f.permanent = f.permanent || t.PermanentlyFailed
		essential[inst] = essential[inst] || ts.Essential
	}
	for inst, f := range out {
		if essential[inst] {
			f.tasks = f.tasks[:0]
			for _, ts := range f.pod.Tasks {
				if ts.Goal == goalRunning {
					f.tasks = append(f.tasks, ts.Name)
				}
			}
		} else {
			sort.Slice(f.tasks, func(i, j int) bool { return taskOrder(f.pod, f.tasks[i]) < taskOrder(f.pod, f.tasks[j]) })
		}
	}
	return out
}

func taskOrder(pod *servicespec.PodSpec, name string) int {
	for i, t := range pod.Tasks {
		if t.Name == name {
			return i
		}
	}
	return len(pod.Tasks)
}

// recoveryPlan is dynamic: one phase of one step per pod instance being
// recovered or recently recovered, all in parallel.
func (s *Set) recoveryPlan() *Plan {
	p := &Plan{Name: RecoveryPlan, ID: elementID(RecoveryPlan), Strategy: Parallel, kind: kindRecovery}
	p.interrupted = s.interruptedPlan(p)
	type entry struct {
		inst       string
		pod        *servicespec.PodSpec
		index      int
		tasks      []string
		perm       bool
		start      int64
		generation int
	}
	var entries []entry
	failing := s.failingInstances()
	for inst, rec := range s.intent.Recoveries {
		if _, now := failing[inst]; now && rec.Completed != nil {
			continue // failed again: a new recovery replaces the finished one
		}
		pod, index, ok := s.podInstance(inst)
		if !ok {
			continue
		}
		entries = append(entries, entry{inst, pod, index, rec.Tasks, rec.Permanent, rec.Started.UnixNano(), rec.Generation})
	}
	for inst, f := range failing {
		gen := 0
		if rec := s.intent.Recoveries[inst]; rec != nil {
			if rec.Completed == nil {
				continue
			}
			gen = rec.Generation + 1
		}
		entries = append(entries, entry{inst, f.pod, f.index, f.tasks, f.permanent, s.world.Now.UnixNano(), gen})
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].start != entries[j].start {
			return entries[i].start < entries[j].start
		}
		return entries[i].inst < entries[j].inst
	})
	for _, e := range entries {
		name := stepName(e.pod.Name, e.index, e.tasks)
		ph := &Phase{Name: name, ID: elementID(RecoveryPlan, e.inst, itoa(e.generation)), Strategy: Parallel, parallel: true, plan: p}
		// An operator's interrupt of the phase is kept in the intent
		// (forgetRecoveryIntent drops it with the recovery).
		if phi := s.peekPlanIntent(p).Phases[ph.ID]; phi != nil {
			ph.interrupted = phi.Interrupted
		}
		p.Phases = append(p.Phases, ph)
		st := s.addLaunchStep(ph, e.pod, e.index, e.tasks)
		st.ID = elementID(ph.ID, name)
		st.Recovery = Transient
		if e.perm {
			st.Recovery = Permanent
		}
	}
	return p
}

// podInstance resolves an instance name of the spec to its pod and index.
func (s *Set) podInstance(inst string) (*servicespec.PodSpec, int, bool) {
	for i := range s.world.Spec.Pods {
		pod := &s.world.Spec.Pods[i]
		prefix := pod.Name + "-"
		if len(inst) > len(prefix) && inst[:len(prefix)] == prefix {
			if idx, err := strconv.Atoi(inst[len(prefix):]); err == nil && idx >= 0 && idx < pod.Count {
				return pod, idx, true
			}
		}
	}
	return nil, 0, false
}

// settleRecoveries records the recoveries under way and marks finished the
// ones whose step completed.
func (s *Set) settleRecoveries() {
	p := s.Plan(RecoveryPlan)
	for _, ph := range p.Phases {
		st := ph.Steps[0]
		inst := st.Instance()
		rec := s.intent.Recoveries[inst]
		if rec == nil || (rec.Completed != nil && st.Status != Complete) {
			if s.intent.Recoveries == nil {
				s.intent.Recoveries = map[string]*Recovery{}
			}
			next := &Recovery{Started: s.world.Now}
			if rec != nil {
				next.Generation = rec.Generation + 1
				s.forgetRecoveryIntent(inst, rec)
			}
			rec = next
			s.intent.Recoveries[inst] = rec
			s.changed = true
		}
		if !slices.Equal(rec.Tasks, st.Tasks) || !rec.Permanent && st.Recovery == Permanent {
			s.changed = true
		}
		rec.Tasks = st.Tasks
		rec.Permanent = rec.Permanent || st.Recovery == Permanent
		if st.Status == Complete && rec.Completed == nil {
			rec.Completed = timePtr(s.world.Now)
			s.changed = true
		}
	}
	pruneFinished(s.intent.Recoveries, func(r *Recovery) *time.Time { return r.Completed }, s.forgetRecoveryIntent)
}

// forgetRecoveryIntent drops the operator intent (interrupts, forced
// completions, restarts) of a recovery that is over and replaced or pruned,
// so that intent does not grow with every failure.
func (s *Set) forgetRecoveryIntent(inst string, rec *Recovery) {
	s.changed = true
	pi := s.intent.Plans[RecoveryPlan]
	if pi == nil {
		return
	}
	pod, index := splitInstance(inst)
	phaseID := elementID(RecoveryPlan, inst, itoa(rec.Generation))
	delete(pi.Phases, phaseID)
	delete(pi.Steps, elementID(phaseID, stepName(pod, index, rec.Tasks)))
}

// pruneFinished drops the oldest finished records beyond maxFinishedRecords,
// calling forget for each.
func pruneFinished[T any](records map[string]T, finished func(T) *time.Time, forget func(string, T)) {
	var done []string
	for k, r := range records {
		if finished(r) != nil {
			done = append(done, k)
		}
	}
	if len(done) <= maxFinishedRecords {
		return
	}
	sort.Slice(done, func(i, j int) bool {
		a, b := finished(records[done[i]]), finished(records[done[j]])
		if !a.Equal(*b) {
			return a.Before(*b)
		}
		return done[i] < done[j]
	})
	for _, k := range done[:len(done)-maxFinishedRecords] {
		forget(k, records[k])
		delete(records, k)
	}
}
