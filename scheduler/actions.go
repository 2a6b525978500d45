package scheduler

import (
	"maps"
	"time"

	"github.com/kennel-sdk/kennel/plans"
)

// Action steps are plan steps whose work the service's Go code performs
// (a partition reassignment, say) instead of a task launch; see package
// plans for their bookkeeping. As with gates, the core does no IO: it
// asks through Decisions.ActionAsks, after the batch that records the
// ask (so a step is known to owe a cleanup before its action runs), and
// the runtime runs the action and hands the result back as
// Core.ActionResult. A result's progress is stored with the result; a
// result that changed the progress is followed by the next run at once,
// so that an action can record what it is about to do before doing it.
// Otherwise a running step is run again every Config.ActionInterval.
// Owed cleanups are run the same way until they report done; no action
// step of a plan runs while that plan owes a cleanup.

// DefaultActionInterval is how often a running action step is run again
// when Config.ActionInterval is zero.
const DefaultActionInterval = 2 * time.Second

// ActionAsk asks the runtime to run an action step, or its cleanup.
type ActionAsk struct {
	// Step is the step's id, Plan and Name its plan and name; Action
	// names the service's action.
	Step, Plan, Name, Action string
	// Cleanup asks for the action's cleanup rather than a run.
	Cleanup bool
	// Parameters are the plan's start parameters.
	Parameters map[string]string
	// Progress is what the action's last run asked to keep ("" at first).
	Progress string
	// PlanProgress is the stored progress of the plan's action steps, by
	// step name (this one's too): a step reads what earlier ones did.
	PlanProgress map[string]string
	// View is where the service's pod instances are placed.
	View EnvView
}

// ActionResult is the answer to an ActionAsk, handed to Core.ActionResult.
type ActionResult struct {
	Step    string
	Cleanup bool
	// Progress, when not empty, replaces the stored progress.
	Progress string
	// Reason becomes the step's reason (for a cleanup that is not done,
	// what it waits for).
	Reason string
	// Done completes the step (or the cleanup); Failed puts the step in
	// ERROR (a cleanup that fails is run again).
	Done, Failed bool
	// Replace are pod instances to replace, as `pod replace` does, in the
	// same batch that stores Progress: an action that replaces a pod
	// records that it did in the same write.
	Replace []Instance
}

type actionState struct {
	asked   time.Time
	due     time.Time
	pending bool
}

func actionKey(id string, cleanup bool) string {
	if cleanup {
		return "cleanup " + id
	}
	return "run " + id
}

func (c *Core) actionInterval() time.Duration {
	if c.cfg.ActionInterval > 0 {
		return c.cfg.ActionInterval
	}
	return DefaultActionInterval
}

// actionDue reports whether the ask under key should be sent now: it was
// never sent, its answer came and the next run is due, or it was sent an
// interval ago without an answer (the runtime drops duplicates of an ask
// still running).
func (c *Core) actionDue(key string, now time.Time) bool {
	st := c.actions[key]
	switch {
	case st == nil:
		return true
	case st.pending:
		return now.Sub(st.asked) >= c.actionInterval()
	}
	return !now.Before(st.due)
}

func (c *Core) actionAsked(key string, now time.Time) {
	st := c.actions[key]
	if st == nil {
		st = &actionState{}
		c.actions[key] = st
	}
	st.asked, st.pending = now, true
}

// askActions asks for the owed cleanups and the action steps to run that
// are due (from settle: the intent the asks depend on is written with
// the same batch).
func (c *Core) askActions(d *Decisions, now time.Time) {
	if c.uninstall != nil {
		return
	}
	var view *EnvView
	viewOnce := func() EnvView {
		if view == nil {
			v := c.envView(nil)
			view = &v
		}
		return *view
	}
	live := map[string]bool{}
	cleanups := c.set.Cleanups()
	for _, id := range c.set.CleanupIDs() {
		key := actionKey(id, true)
		live[key] = true
		if !c.actionDue(key, now) {
			continue
		}
		cl := cleanups[id]
		c.actionAsked(key, now)
		d.ActionAsks = append(d.ActionAsks, ActionAsk{Step: id, Plan: cl.Plan, Name: cl.Step, Action: cl.Action,
			Cleanup: true, Parameters: maps.Clone(cl.Parameters), Progress: cl.Progress,
			PlanProgress: c.set.PlanProgress(cl.Plan), View: viewOnce()})
	}
	for _, st := range c.set.ActionCandidates() {
		key := actionKey(st.ID, false)
		live[key] = true
		if !c.actionDue(key, now) {
			continue
		}
		if err := c.set.ActionAsked(st.ID, now); err != nil {
			continue
		}
		c.actionAsked(key, now)
		d.ActionAsks = append(d.ActionAsks, ActionAsk{Step: st.ID, Plan: st.PlanName(), Name: st.Name, Action: st.Action,
			Parameters: maps.Clone(st.Parameters), Progress: c.set.ActionProgress(st.ID),
			PlanProgress: c.set.PlanProgress(st.PlanName()), View: viewOnce()})
	}
	for key, st := range c.actions {
		if !live[key] && !st.pending {
			delete(c.actions, key)
		}
	}
}

// ActionResult handles the result of an action step's run or cleanup: the
// progress and reason are recorded, pods it asks to replace are replaced,
// and the next asks follow.
func (c *Core) ActionResult(r ActionResult, now time.Time) Decisions {
	d := newDecisions()
	key := actionKey(r.Step, r.Cleanup)
	st := c.actions[key]
	if st == nil {
		st = &actionState{}
		c.actions[key] = st
	}
	st.pending = false
	st.due = now.Add(c.actionInterval())
	if r.Cleanup {
		c.set.CleanupResult(r.Step, r.Done, r.Reason, now)
	} else {
		changed := r.Progress != "" && r.Progress != c.set.ActionProgress(r.Step)
		applied, err := c.set.ActionResult(r.Step, plans.ActionOutcome{Progress: r.Progress, Reason: r.Reason,
			Done: r.Done, Failed: r.Failed}, now)
		if err == nil && applied {
			for _, inst := range r.Replace {
				c.replaceInstance(&d, inst.String(), now)
			}
		}
		if changed {
			st.due = now
		}
	}
	c.settle(&d, now)
	return d
}
