package scheduler

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/servicespec"
)

// ErrUnknownPod is returned for a pod instance the scheduler has no task of.
var ErrUnknownPod = errors.New("scheduler: unknown pod instance")

// Empty reports whether the scheduler knows no task.
func (c *Core) Empty() bool { return len(c.tasks) == 0 }

// PodTasks are the task names of a pod instance, sorted.
func (c *Core) PodTasks(instance string) []string {
	var out []string
	for name, t := range c.tasks {
		if t.instance() == instance {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// PodRestart kills a pod instance's tasks; the recovery plan relaunches
// them in place, on the same reservations and volumes (TRANSIENT). With
// Config.Gates the kill waits until the instance's gates pass (GateHolds
// says what it waits for).
func (c *Core) PodRestart(instance string, now time.Time) (Decisions, []string, error) {
	d := newDecisions()
	names := c.PodTasks(instance)
	if len(names) == 0 {
		return d, nil, fmt.Errorf("%w %s", ErrUnknownPod, instance)
	}
	if c.cfg.Gates {
		// The kill waits for the instance's gates (gatedRestarts).
		t := c.tasks[names[0]]
		c.gates.restarts[instance] = Instance{Pod: t.pod(), Index: t.index()}
		c.gatedRestarts(&d, now)
		c.settle(&d, now)
		return d, names, nil
	}
	for _, name := range names {
		if t := c.tasks[name]; t.live() {
			c.kill(&d, t.head.id, t.head.agent, now)
		}
	}
	c.settle(&d, now)
	return d, names, nil
}

// PodReplace marks a pod instance's tasks permanently failed and kills
// them: the recovery plan relaunches the instance on fresh resources
// wherever its placement allows (PERMANENT), and its old reservations and
// volumes are released when their agent offers them.
func (c *Core) PodReplace(instance string, now time.Time) (Decisions, []string, error) {
	d := newDecisions()
	names := c.PodTasks(instance)
	if len(names) == 0 {
		return d, nil, fmt.Errorf("%w %s", ErrUnknownPod, instance)
	}
	c.replaceInstance(&d, instance, now)
	c.settle(&d, now)
	return d, names, nil
}

// replaceInstance marks a pod instance's tasks permanently failed and
// kills those still live (PodReplace).
func (c *Core) replaceInstance(d *Decisions, instance string, now time.Time) {
	for _, name := range c.PodTasks(instance) {
		t := c.tasks[name]
		if !t.permanentlyFailed() {
			c.markPermanent(d, t, now)
		}
		if t := c.tasks[name]; t.live() {
			c.kill(d, t.head.id, t.head.agent, now)
		}
	}
}

// ErrUnknownTask is returned when a pause or resume names a task the pod
// instance does not have.
var ErrUnknownTask = errors.New("scheduler: unknown task")

// PodPause relaunches tasks of a pod instance (all of them if tasks is
// empty; spec names or full task names) with a command that only sleeps,
// on the same resources, for an operator to debug in their sandbox. A
// ONCE or FINISH task that has finished is not relaunched and keeps its
// goal: the pod is paused once its other tasks are.
func (c *Core) PodPause(instance string, tasks []string, now time.Time) (Decisions, []string, error) {
	return c.setGoal(instance, tasks, goalPaused, now)
}

// PodResume relaunches paused tasks with their own command.
func (c *Core) PodResume(instance string, tasks []string, now time.Time) (Decisions, []string, error) {
	return c.setGoal(instance, tasks, "", now)
}

// setGoal overrides the goal of tasks of an instance and kills the live
// ones whose goal changed: recovery relaunches them under the new goal.
func (c *Core) setGoal(instance string, tasks []string, goal string, now time.Time) (Decisions, []string, error) {
	d := newDecisions()
	names := c.PodTasks(instance)
	if len(names) == 0 {
		return d, nil, fmt.Errorf("%w %s", ErrUnknownPod, instance)
	}
	selected := names
	if len(tasks) > 0 {
		selected = nil
		for _, want := range tasks {
			name := want
			if !strings.HasPrefix(want, instance+"-") {
				name = instance + "-" + want
			}
			if _, ok := c.tasks[name]; !ok || c.tasks[name].instance() != instance {
				return newDecisions(), nil, fmt.Errorf("%w %s in %s", ErrUnknownTask, want, instance)
			}
			selected = append(selected, name)
		}
	}
	var changed []string
	for _, name := range selected {
		t := c.tasks[name]
		if t.goal == goal || t.goal == goalDecommissioned || (goal == goalPaused && c.finishedForGood(t)) {
			continue
		}
		next := *t
		next.goal = goal
		c.put(&d, &next)
		c.set.UpdateTask(*c.planTask(&next), now)
		if next.live() {
			c.kill(&d, next.head.id, next.head.agent, now)
		}
		changed = append(changed, name)
	}
	c.settle(&d, now)
	return d, changed, nil
}

// finishedForGood reports whether t is a ONCE or FINISH task that has
// finished: nothing relaunches it, so there is nothing to pause.
func (c *Core) finishedForGood(t *task) bool {
	if t.state() != mesos.TASK_FINISHED {
		return false
	}
	pod := c.spec.Pod(t.pod())
	if pod == nil {
		return true
	}
	ts := pod.Task(t.specName())
	return ts == nil || ts.Goal != servicespec.GoalRunning
}

// PlanAction runs an operator action on the plans (start, stop, interrupt,
// continue, force-complete, restart) and writes the intent it changed.
func (c *Core) PlanAction(now time.Time, action func(*plans.Set) plans.Result) (Decisions, plans.Result) {
	d := newDecisions()
	r := action(c.set)
	c.settle(&d, now)
	return d, r
}
