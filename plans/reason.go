package plans

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// clock formats times in reasons; JSON carries full timestamps.
const clock = "15:04:05"

// explain writes every step's display status and its reason: why it has its
// status and, for a step that waits, what it waits for.
func (s *Set) explain() {
	cands := map[*Step]bool{}
	for _, st := range s.Candidates() {
		cands[st] = true
	}
	workers := map[string]*Step{}
	for _, p := range s.plans {
		for _, ph := range p.Phases {
			for _, st := range ph.Steps {
				if st.Status.Running() && workers[st.Instance()] == nil {
					workers[st.Instance()] = st
				}
			}
		}
	}
	paused := s.pausedInstances()
	for _, p := range s.plans {
		for _, ph := range p.Phases {
			var blocker *Step
			for _, st := range ph.Steps {
				w := workers[st.Instance()]
				if w == st {
					w = nil
				}
				st.Reason = s.reason(p, ph, st, cands[st], blocker, w)
				st.display(paused[st.Instance()])
				if blocker == nil && st.Status != Complete {
					blocker = st
				}
			}
		}
	}
}

// pausedInstances returns the pod instances whose every known task is
// paused, finished ONCE and FINISH tasks aside (those are not relaunched
// paused, and their instance is paused once its other tasks are): Paused
// once each paused task runs its paused launch, Pausing until then.
func (s *Set) pausedInstances() map[string]string {
	anyPaused := false
	for _, t := range s.world.Tasks {
		anyPaused = anyPaused || t.Paused
	}
	if !anyPaused {
		return nil
	}
	out := map[string]string{}
	for _, name := range taskNamesSorted(s.world.Tasks) {
		t := s.world.Tasks[name]
		if s.finishedForGood(t) {
			continue
		}
		inst := instanceName(t.Pod, t.Index)
		prev, seen := out[inst]
		switch {
		case !t.Paused:
			out[inst] = ""
		case seen && prev == "":
		case !t.PausedLaunch || t.State != TaskRunning:
			out[inst] = Pausing
		case !seen:
			out[inst] = Paused
		}
	}
	return out
}

func taskNamesSorted(tasks map[string]*Task) []string {
	names := make([]string, 0, len(tasks))
	for name := range tasks {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// finishedForGood reports whether t is a ONCE or FINISH task that has
// finished.
func (s *Set) finishedForGood(t *Task) bool {
	if t.State != TaskFinished {
		return false
	}
	pod := s.world.Spec.Pod(t.Pod)
	if pod == nil {
		return true
	}
	ts := pod.Task(t.Spec)
	return ts == nil || ts.Goal != goalRunning
}

// display shows PAUSING while a paused instance is being relaunched and
// PAUSED once it is (pause is pausedInstances' word for the instance).
func (st *Step) display(pause string) {
	st.Display = string(st.Status)
	if pause == "" || st.Kind != StepLaunch {
		return
	}
	switch {
	case pause == Paused && (st.Status == Complete || st.Status == Started):
		st.Display = Paused
	case st.Status.Running() || st.Status == Complete || st.Status == Started:
		st.Display = Pausing
	}
}

func (s *Set) reason(p *Plan, ph *Phase, st *Step, candidate bool, blocker, worker *Step) string {
	if si := s.peekPlanIntent(p).Steps[st.ID]; st.Kind == StepAction && (si == nil || !si.Forced) {
		if r, ok := s.actionReason(p, st, candidate); ok {
			return r
		}
	}
	switch st.Status {
	case Complete:
		return s.completeReason(p, st)
	case Delayed:
		return s.delayedReason(st)
	case Error:
		return strings.Join(p.Errors, "; ")
	case Starting, Started:
		return s.progressReason(st)
	case Prepared:
		if held := s.world.Held[st.Instance()]; held != "" && st.Kind == StepLaunch {
			return held
		}
		msg := "looking for an offer"
		if si := s.peekPlanIntent(p).Steps[st.ID]; si != nil && si.Prepared != nil {
			msg += " since " + si.Prepared.UTC().Format(clock)
		}
		return withNote(msg, s.world.Waiting[st.Instance()])
	case Waiting:
		return "waiting for `plan continue`: the canary strategy releases each trial step by hand"
	}
	return s.pendingReason(p, ph, st, candidate, blocker, worker)
}

func (s *Set) completeReason(p *Plan, st *Step) string {
	si := s.peekPlanIntent(p).Steps[st.ID]
	switch {
	case si != nil && si.Forced:
		return "forced complete by an operator"
	case st.Kind != StepLaunch:
		return st.Name + " done"
	case st.Completed != nil:
		return "completed at " + st.Completed.UTC().Format(clock)
	}
	return "tasks are at their goal"
}

func (s *Set) delayedReason(st *Step) string {
	var parts []string
	for _, name := range st.taskNames {
		if b := s.intent.Backoff[name]; b != nil && s.world.Now.Before(b.Until) {
			parts = append(parts, fmt.Sprintf("%s (failure %d), retry at %s", b.Reason, b.Failures, b.Until.UTC().Format(clock)))
		}
	}
	return strings.Join(parts, "; ")
}

func (s *Set) progressReason(st *Step) string {
	var parts []string
	for i, name := range st.taskNames {
		t := s.world.Tasks[name]
		switch {
		case t == nil:
		case t.State == TaskRunning && st.goals[i] == goalRunning && !t.Ready && t.CheckNote != "":
			parts = append(parts, fmt.Sprintf("task %s running, waiting for its readiness check: %s", name, t.CheckNote))
		case t.State == TaskRunning && st.goals[i] == goalRunning && !t.Ready:
			parts = append(parts, fmt.Sprintf("task %s running, waiting for its readiness check", name))
		case t.State == TaskRunning && st.goals[i] != goalRunning:
			parts = append(parts, fmt.Sprintf("task %s running, waiting for it to finish", name))
		case t.State == TaskStaging || t.State == TaskStarting || t.State == "":
			parts = append(parts, fmt.Sprintf("task %s launched at %s, waiting for it to run", name, t.LaunchedAt.UTC().Format(clock)))
		}
	}
	return strings.Join(parts, "; ")
}

func (s *Set) pendingReason(p *Plan, ph *Phase, st *Step, candidate bool, blocker, worker *Step) string {
	si := s.peekPlanIntent(p).Steps[st.ID]
	restart := si != nil && si.Restart
	var msg string
	switch {
	case candidate && st.Kind == StepLaunch && s.world.Held[st.Instance()] != "":
		return s.world.Held[st.Instance()]
	case candidate && restart:
		return withNote("restarted by an operator; waiting for an offer", s.world.Waiting[st.Instance()])
	case candidate:
		return withNote(s.pendingWork(st), s.world.Waiting[st.Instance()])
	case p.interrupted:
		msg = fmt.Sprintf("plan %s is interrupted (plan continue resumes it)", p.Name)
	case ph.Interrupted():
		msg = fmt.Sprintf("phase %s is interrupted (plan continue %s %s resumes it)", ph.Name, p.Name, ph.Name)
	case worker != nil:
		msg = fmt.Sprintf("waiting for %s step %s to finish with pod instance %s", worker.phase.plan.Name, worker.Name, st.Instance())
	case blocker != nil && blocker != st && !ph.parallel && !ph.dependency:
		msg = fmt.Sprintf("waiting for %s (%s strategy)", blocker.Name, ph.Strategy)
	case p.Strategy == Serial && ph.Status == Pending:
		msg = "waiting for an earlier phase"
	default:
		msg = "waiting for an earlier step of pod instance " + st.Instance()
	}
	if restart {
		msg = "restarted by an operator; " + msg
	}
	return msg
}

// pendingWork says what a candidate PENDING step is about to do.
func (s *Set) pendingWork(st *Step) string {
	for _, name := range st.taskNames {
		if t := s.world.Tasks[name]; t != nil && t.ID != "" && t.State.needsRecovery() {
			return describeState(t) + "; waiting for an offer to relaunch"
		}
	}
	switch st.Kind {
	case StepKill:
		return "waiting to kill " + st.taskNames[0]
	case StepUnreserve:
		return "waiting for the reservation " + st.Resource + " to be offered and released"
	case StepErase:
		return "waiting to erase " + st.taskNames[0]
	}
	return "waiting for an offer"
}

func withNote(msg, note string) string {
	if note == "" {
		return msg
	}
	return msg + ": " + note
}

// fmtTime is the JSON form of step times.
func fmtTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
