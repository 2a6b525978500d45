package plans

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// propertySpecs are the services the property tests drive: serial, canary,
// parallel and dependency phases, a custom plan, and a pod that scales.
var propertySpecs = []string{
	helloSpec,
	strings.Replace(helloSpec, "      hello:\n        pod: hello\n", "      hello:\n        strategy: serial-canary\n        pod: hello\n", 1),
	strings.Replace(strings.Replace(helloSpec, "    count: 2\n", "    count: 4\n", 1),
		"      hello:\n        pod: hello\n", "      hello:\n        strategy: parallel\n        pod: hello\n", 1),
	strings.Replace(helloSpec, "    strategy: serial\n    phases:", "    strategy: parallel\n    phases:", 1),
}

var randomStates = []TaskState{
	TaskStarting, TaskRunning, TaskRunning, TaskRunning, TaskFinished, TaskFailed,
	TaskKilled, TaskLost, TaskError, TaskUnreachable, TaskGoneByOperator, TaskDropped,
}

// driver performs one random event the way a scheduler could: it only
// launches candidates, and only reports on tasks it launched.
func driver(t *rapid.T, f *fixture) string {
	switch rapid.IntRange(0, 9).Draw(t, "event") {
	case 0, 1, 2:
		var startable []*Step
		for _, st := range f.set.Candidates() {
			if st.Status == Pending || st.Status == Prepared {
				startable = append(startable, st)
			}
		}
		if len(startable) == 0 {
			return "no candidate"
		}
		st := rapid.SampledFrom(startable).Draw(t, "launch")
		f.launch(st)
		return "launch " + st.Name
	case 3, 4, 5:
		names := sortedTaskNames(f)
		if len(names) == 0 {
			return "no task"
		}
		name := rapid.SampledFrom(names).Draw(t, "task")
		if f.set.world.Tasks[name].State.Terminal() {
			return "no update: " + name + " ended" // Mesos never revives a task id
		}
		state := rapid.SampledFrom(randomStates).Draw(t, "state")
		ready := rapid.Bool().Draw(t, "ready")
		f.update(name, state, ready, "")
		return fmt.Sprintf("update %s %s %v", name, state, ready)
	case 6:
		f.tick(time.Duration(rapid.IntRange(0, 120).Draw(t, "seconds")) * time.Second)
		return "tick"
	case 7, 8:
		return operatorAction(t, f)
	}
	f.restart()
	return "restart scheduler"
}

func sortedTaskNames(f *fixture) []string {
	var names []string
	for name, task := range f.set.world.Tasks {
		if task.ID != "" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

func operatorAction(t *rapid.T, f *fixture) string {
	p := rapid.SampledFrom(f.set.Plans()).Draw(t, "plan")
	phase, step := "", ""
	if len(p.Phases) > 0 && rapid.Bool().Draw(t, "phase?") {
		ph := rapid.SampledFrom(p.Phases).Draw(t, "phase")
		phase = ph.Name
		if len(ph.Steps) > 0 && rapid.Bool().Draw(t, "step?") {
			step = rapid.SampledFrom(ph.Steps).Draw(t, "step").ID
		}
	}
	var r Result
	action := rapid.SampledFrom([]string{"start", "stop", "interrupt", "continue", "force-complete", "restart"}).Draw(t, "action")
	switch action {
	case "start":
		r = f.set.Start(p.Name, map[string]string{"K": "v"}, f.now)
	case "stop":
		r = f.set.Stop(p.Name, f.now)
	case "interrupt":
		r = f.set.Interrupt(p.Name, phase)
	case "continue":
		r = f.set.Continue(p.Name, phase)
	case "force-complete":
		r = f.set.ForceComplete(p.Name, phase, step, f.now)
	case "restart":
		r = f.set.Restart(p.Name, phase, step, f.now)
	}
	return fmt.Sprintf("%s %s %s %s -> %d", action, p.Name, phase, step, r.Outcome)
}

// TestProperties drives random services with random events and checks,
// after every event, the invariants operators rely on.
func TestProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := newFixture(t, rapid.SampledFrom(propertySpecs).Draw(t, "spec"))
		var history []string
		for i := 0; i < 60; i++ {
			history = append(history, driver(t, f))
			f.settle()
			if msg := checkInvariants(f); msg != "" {
				t.Fatalf("%s\nafter:\n  %s\n%s", msg, strings.Join(history, "\n  "), f.set.statuses())
			}
		}
	})
}

func checkInvariants(f *fixture) string {
	cands := map[*Step]bool{}
	inst := map[string]bool{}
	for _, st := range f.set.Candidates() {
		cands[st] = true
		if inst[st.Instance()] {
			return "two candidates work on pod instance " + st.Instance()
		}
		inst[st.Instance()] = true
	}
	for _, p := range f.set.Plans() {
		allComplete := true
		for _, ph := range p.Phases {
			running := 0
			for _, st := range ph.Steps {
				allComplete = allComplete && st.Status == Complete
				if st.Status.Running() {
					running++
				}
				if cands[st] && (p.Interrupted() || ph.Interrupted()) {
					return fmt.Sprintf("step %s of an interrupted plan or phase is a candidate", st.Name)
				}
			}
			if (ph.Strategy == Serial || ph.Strategy == SerialCanary) && running > 1 {
				return fmt.Sprintf("serial phase %s/%s has %d steps in progress", p.Name, ph.Name, running)
			}
		}
		if len(p.Errors) == 0 && (p.Status == Complete) != allComplete {
			return fmt.Sprintf("plan %s is %s but all steps complete = %v", p.Name, p.Status, allComplete)
		}
	}
	before := f.set.statuses()
	f.restart()
	if after := f.set.statuses(); after != before {
		return "rebuilding from the stored intent changed statuses:\n" + before + "\nvs\n" + after
	}
	return ""
}
