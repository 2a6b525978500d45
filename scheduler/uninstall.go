package scheduler

import (
	"crypto/sha256"
	"fmt"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler/offer"
)

// uninstallState is an uninstall in progress (reference §1.12): every task
// is killed, every reservation and volume the framework made is released
// as its agent offers it, then the framework is torn down and the store
// wiped.
type uninstallState struct {
	released map[string]bool // resource ids released
	done     bool
}

// uninstallOffers kills what runs and releases everything labelled with
// our framework id; once nothing is left, the records are erased and
// Done is set.
func (c *Core) uninstallOffers(d *Decisions, offers []mesos.Offer, now time.Time) {
	u := c.uninstall
	if u.released == nil {
		u.released = map[string]bool{}
	}
	for _, name := range sortedKeys(c.tasks) {
		if t := c.tasks[name]; t.live() {
			c.kill(d, t.info.TaskID.Value, t.info.AgentID.Value, now)
		}
	}
	var rest []mesos.Offer
	for _, o := range offers {
		ops, ids := offer.Unexpected(o, c.frameworkID, func(string) bool { return false })
		if len(ops) == 0 {
			rest = append(rest, o)
			continue
		}
		for _, id := range ids {
			u.released[id] = true
		}
		c.forgetResources(d, ids, now)
		accept(d, o, ops)
	}
	c.decline(d, rest, declineShort)
	c.finishUninstall(d, now)
}

// finishUninstall erases the records once no task runs and no task holds
// a reservation.
func (c *Core) finishUninstall(d *Decisions, now time.Time) {
	for _, t := range c.tasks {
		if t.live() || len(offer.ResourceIDs(&t.info)) > 0 {
			return
		}
	}
	for _, name := range sortedKeys(c.tasks) {
		c.erase(d, name, now)
	}
	c.uninstall.done = true
	d.Done = true
}

// UninstallPlan is the deploy plan an uninstalling scheduler shows: a
// kill-tasks phase, an unreserve-resources phase and deregister-service.
func (c *Core) UninstallPlan() plans.PlanInfo {
	step := func(name string, done bool, msg string) plans.StepInfo {
		s := plans.StepInfo{ID: uninstallID(name), Name: name, Status: string(plans.Pending), Message: msg}
		if done {
			s.Status = string(plans.Complete)
		}
		return s
	}
	phase := func(name, strategy string, steps []plans.StepInfo) plans.PhaseInfo {
		ph := plans.PhaseInfo{ID: uninstallID(name), Name: name, Steps: steps, Strategy: strategy, Status: plans.Complete}
		for _, s := range steps {
			if s.Status != string(plans.Complete) {
				ph.Status = plans.InProgress
			}
		}
		if ph.Steps == nil {
			ph.Steps = []plans.StepInfo{}
		}
		return ph
	}
	var kills, unreserves []plans.StepInfo
	listed := map[string]bool{} // tasks of a pod share its executor's resources
	for _, name := range sortedKeys(c.tasks) {
		t := c.tasks[name]
		kills = append(kills, step("kill-task-"+name, !t.live(), "task "+t.state().String()))
		for _, id := range offer.ResourceIDs(&t.info) {
			if !listed[id] {
				listed[id] = true
				unreserves = append(unreserves, step("unreserve-"+id, false, "waiting for an offer of "+label(&t.info, offer.LabelHostname)))
			}
		}
	}
	for _, id := range sortedKeys(c.uninstall.released) {
		unreserves = append(unreserves, step("unreserve-"+id, true, "released"))
	}
	info := plans.PlanInfo{Strategy: plans.Serial, Errors: []string{}, Phases: []plans.PhaseInfo{
		phase("kill-tasks", plans.Parallel, kills),
		phase("unreserve-resources", plans.Parallel, unreserves),
		phase("deregister-service", plans.Serial, []plans.StepInfo{step("deregister", c.uninstall.done, "tear the framework down")}),
	}}
	info.Status = plans.Complete
	for _, ph := range info.Phases {
		if ph.Status != plans.Complete {
			info.Status = plans.InProgress
		}
	}
	return info
}

// Uninstalling reports whether the core runs an uninstall.
func (c *Core) Uninstalling() bool { return c.uninstall != nil }

func uninstallID(name string) string {
	sum := sha256.Sum256([]byte("uninstall\x00" + name))
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}
