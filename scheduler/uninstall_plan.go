package scheduler

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/plans"
)

// Uninstall plan element names (reference §1.12).
const (
	phaseKillTasks   = "kill-tasks"
	phaseUnreserve   = "unreserve-resources-" // + the agent's hostname
	phaseDeregister  = "deregister-service"
	stepKillTask     = "kill-task-" // + the task name
	stepUnreserve    = "unreserve-" // + the resource id
	stepDeregister   = "deregister"
	abandonedMessage = "abandoned by uninstall: agent %s offered nothing for %s"
)

// uninstallStep is one step of the uninstall plan and what forcing it
// complete gives up: a task to stop waiting for, or a reservation.
type uninstallStep struct {
	plans.StepInfo
	task     string // kill steps
	resource string // unreserve steps
}

type uninstallPhase struct {
	name, strategy string
	steps          []uninstallStep
}

// uninstallPhases lays the uninstall plan out as DC/OS Commons does: a
// kill-tasks phase, one unreserve-resources-<hostname> phase per agent
// holding reservations, and deregister-service.
func (c *Core) uninstallPhases(now time.Time) []uninstallPhase {
	u := c.uninstall
	kills := uninstallPhase{name: phaseKillTasks, strategy: plans.Parallel}
	byHost := map[string]*uninstallPhase{}
	listed := map[string]bool{} // tasks of a pod share its executor's reservations
	for _, name := range slices.Sorted(maps.Keys(c.tasks)) {
		t := c.tasks[name]
		host := t.head.hostname
		msg := "task " + t.state().String()
		if t.live() {
			msg = c.stuck(t.head.agent, host, "task "+name+" cannot be killed", phaseKillTasks, stepKillTask+name, now, msg)
		}
		kills.steps = append(kills.steps, uninstallStep{StepInfo: uninstallStepInfo(stepKillTask+name, !t.live(), msg), task: name})
		for _, id := range t.resourceIDs() {
			if listed[id] {
				continue
			}
			listed[id] = true
			ph := byHost[host]
			if ph == nil {
				ph = &uninstallPhase{name: phaseUnreserve + host, strategy: plans.Parallel}
				byHost[host] = ph
			}
			msg := c.stuck(t.head.agent, host, "reservation "+id+" cannot be released", ph.name, stepUnreserve+id, now,
				"waiting for an offer of "+host)
			ph.steps = append(ph.steps, uninstallStep{StepInfo: uninstallStepInfo(stepUnreserve+id, false, msg), resource: id})
		}
	}
	done := func(ids map[string]string, msg string) {
		for _, id := range slices.Sorted(maps.Keys(ids)) {
			host := ids[id]
			ph := byHost[host]
			if ph == nil {
				ph = &uninstallPhase{name: phaseUnreserve + host, strategy: plans.Parallel}
				byHost[host] = ph
			}
			ph.steps = append(ph.steps, uninstallStep{StepInfo: uninstallStepInfo(stepUnreserve+id, true, msg)})
		}
	}
	done(u.released, "released")
	done(u.abandoned, "forced complete by an operator: given up, it stays reserved if its agent returns")
	out := []uninstallPhase{kills}
	for _, host := range slices.Sorted(maps.Keys(byHost)) {
		out = append(out, *byHost[host])
	}
	return append(out, uninstallPhase{name: phaseDeregister, strategy: plans.Serial,
		steps: []uninstallStep{{StepInfo: uninstallStepInfo(stepDeregister, u.done, "tear the framework down")}}})
}

// stuck returns the message of a step that waits for agent: normal until
// the agent has offered nothing for the uninstall agent timeout, then what
// is stuck and how to give it up.
func (c *Core) stuck(agent, host, what, phase, step string, now time.Time, normal string) string {
	since := c.uninstall.silentSince(agent)
	if now.Sub(since) < c.cfg.UninstallAgentTimeout {
		return normal
	}
	return fmt.Sprintf("agent %s (%s) has offered nothing since %s (uninstall agent timeout %s): %s; "+
		"`plan force-complete deploy %s %s` gives it up", agent, host, since.UTC().Format(time.RFC3339),
		c.cfg.UninstallAgentTimeout, what, phase, step)
}

func uninstallStepInfo(name string, done bool, msg string) plans.StepInfo {
	s := plans.StepInfo{ID: uninstallID(name), Name: name, Status: string(plans.Pending), Message: msg}
	if done {
		s.Status = string(plans.Complete)
	}
	return s
}

// UninstallPlan is the deploy plan an uninstalling scheduler shows at now.
func (c *Core) UninstallPlan(now time.Time) plans.PlanInfo {
	info := plans.PlanInfo{Strategy: plans.Serial, Errors: []string{}, Status: plans.Complete}
	for _, ph := range c.uninstallPhases(now) {
		pi := plans.PhaseInfo{ID: uninstallID(ph.name), Name: ph.name, Strategy: ph.strategy, Status: plans.Complete,
			Steps: []plans.StepInfo{}}
		for _, s := range ph.steps {
			pi.Steps = append(pi.Steps, s.StepInfo)
			if s.Status != string(plans.Complete) {
				pi.Status = plans.InProgress
			}
		}
		if pi.Status != plans.Complete {
			info.Status = plans.InProgress
		}
		info.Phases = append(info.Phases, pi)
	}
	return info
}

// UninstallAction runs an operator action on the uninstall plan. Only
// forceComplete applies: of a step, a phase (by name or id) or the whole
// plan, it stops waiting for the tasks it names (their records get a
// TASK_LOST status) and gives up the reservations it names (no task record
// holds them any more; they stay reserved if their agent returns). The
// uninstall then finishes if nothing else is left.
func (c *Core) UninstallAction(verb, phase, step string, now time.Time) (Decisions, plans.Result) {
	d := newDecisions()
	if verb != "forceComplete" {
		return d, plans.Result{Outcome: plans.BadRequest,
			Message: "The service is being uninstalled; only forceComplete applies to its plan"}
	}
	var targets []uninstallStep
	found := phase == ""
	for _, ph := range c.uninstallPhases(now) {
		if phase != "" && ph.name != phase && uninstallID(ph.name) != phase {
			continue
		}
		found = true
		for _, s := range ph.steps {
			if step == "" || s.Name == step || s.ID == step {
				targets = append(targets, s)
			}
		}
	}
	switch {
	case !found:
		return d, plans.Result{Outcome: plans.NotFound, Message: "Phase " + phase + " not found"}
	case step != "" && len(targets) == 0:
		return d, plans.Result{Outcome: plans.NotFound, Message: "Step " + step + " not found"}
	}
	var give []string
	changed := false
	for _, s := range targets {
		if s.Status == string(plans.Complete) {
			continue
		}
		if t := c.tasks[s.task]; t != nil && t.live() {
			c.abandonTask(&d, t, now)
			changed = true
		}
		if s.resource != "" {
			give = append(give, s.resource)
		}
	}
	if len(give) > 0 {
		for _, id := range give {
			c.uninstall.abandoned[id] = c.hostOf(id)
		}
		c.forgetResources(&d, give, now)
		changed = true
	}
	if !changed {
		return d, plans.Result{Outcome: plans.AlreadyReported, Message: "Command has already been reported or completed"}
	}
	c.finishUninstall(&d, now)
	return d, plans.Result{Outcome: plans.Accepted, Message: fmt.Sprintf("Received cmd: forceComplete for Plan: deploy, Phase: %s, Step: %s",
		orNull(phase), orNull(step))}
}

// abandonTask records that t, on an agent that is gone, is no longer
// waited for.
func (c *Core) abandonTask(d *Decisions, t *task, now time.Time) {
	next := *t
	ts := float64(now.UnixNano()) / 1e9
	agent := mesos.AgentID{Value: t.head.agent}
	next.setStatus(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: t.head.id}, State: mesos.TASK_LOST.Enum(), AgentID: &agent,
		Source: mesos.SOURCE_MASTER.Enum(), Timestamp: &ts,
		Message: proto.String(fmt.Sprintf(abandonedMessage, agent.Value, c.cfg.UninstallAgentTimeout))})
	c.put(d, &next)
}

// hostOf is the hostname of the agent holding resource id.
func (c *Core) hostOf(id string) string {
	for _, name := range slices.Sorted(maps.Keys(c.tasks)) {
		t := c.tasks[name]
		for _, r := range t.resourceIDs() {
			if r == id {
				return t.head.hostname
			}
		}
	}
	return ""
}

func orNull(s string) string {
	if strings.TrimSpace(s) == "" {
		return "null"
	}
	return s
}
