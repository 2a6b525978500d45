package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kennel-sdk/kennel/scheduler"
)

// Action is the work of an action step (a plan phase with `action:`), done
// by the service's Go code rather than by a task: a Kafka partition
// reassignment, say. Run is called when the step starts and again every
// Extension.ActionInterval while it runs, on its own goroutine, one call
// at a time per step; each call does what is due and says how far the
// work got (ActionResult). Run must be idempotent and resumable: it gets
// the progress the previous call returned, which the scheduler stored, and
// is called again from that progress after a scheduler restart. Progress
// is stored before anything that depends on it: an action that must
// remember what it is about to do (the reassignment it plans) returns that
// as progress first, without doing it; the next call, at once, does it.
//
// Cleanup undoes what must not outlive a run (a replication throttle). It
// is called, with the latest progress, whenever the step stops running:
// done, failed, interrupted, stopped, restarted or forced complete, and
// when the scheduler restarted while it ran (the step then runs again
// once the cleanup is done). It must be idempotent and must not assume
// the progress is complete: a run may have been under way when the step
// stopped. It is called again until it returns nil; no action step of
// the plan runs meanwhile.
//
// An error from Run is a transient failure: the step keeps running and
// shows the error; a result with Failed puts it in ERROR. ctx ends at
// Extension.ActionTimeout.
type Action interface {
	Run(ctx context.Context, req ActionRequest) (ActionResult, error)
	Cleanup(ctx context.Context, req ActionRequest) error
}

// ActionRequest is what an action's Run or Cleanup gets.
type ActionRequest struct {
	// Plan and Step name the step.
	Plan, Step string
	// Parameters are the plan's start parameters.
	Parameters map[string]string
	// Progress is what the previous run returned as progress ("" at
	// first).
	Progress string
	// PlanProgress is the stored progress of the plan's action steps, by
	// step name: a step reads what earlier steps of its plan did.
	PlanProgress map[string]string
	// View is where the service's pod instances are placed.
	View scheduler.EnvView
}

// ActionResult is a run's answer.
type ActionResult struct {
	// Progress, when not empty, is stored and given to the next run.
	Progress string
	// Reason says how far the work got; it becomes the step's reason.
	Reason string
	// Done completes the step; Failed puts it in ERROR, with Reason.
	Done, Failed bool
	// Replace are pod instances the scheduler replaces (as `pod replace`),
	// in the same write that stores Progress.
	Replace []scheduler.Instance
}

// DefaultActionTimeout bounds one run or cleanup of an action when
// Extension.ActionTimeout is zero.
const DefaultActionTimeout = 30 * time.Second

// runActions starts the runs and cleanups d asks for, each on its own
// goroutine unless the same one is still under way; results come back on
// r.actionAnswers.
func (r *runner) runActions(ctx context.Context, asks []scheduler.ActionAsk) {
	for _, a := range asks {
		key := a.Step + " " + fmt.Sprint(a.Cleanup)
		if r.actionsAsked[key] {
			continue
		}
		r.actionsAsked[key] = true
		go func(a scheduler.ActionAsk) {
			res := r.runAction(ctx, a)
			select {
			case r.actionAnswers <- res:
			case <-ctx.Done():
			}
		}(a)
	}
}

// runAction runs one ask within the action timeout.
func (r *runner) runAction(ctx context.Context, a scheduler.ActionAsk) scheduler.ActionResult {
	out := scheduler.ActionResult{Step: a.Step, Cleanup: a.Cleanup}
	act := r.opts.Extension.Actions[a.Action]
	if act == nil {
		if a.Cleanup {
			out.Done = true // nothing ran: nothing to clean up
			return out
		}
		out.Failed, out.Reason = true, fmt.Sprintf("this scheduler has no action %q", a.Action)
		return out
	}
	timeout := r.opts.Extension.ActionTimeout
	if timeout <= 0 {
		timeout = DefaultActionTimeout
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req := ActionRequest{Plan: a.Plan, Step: a.Name, Parameters: a.Parameters, Progress: a.Progress, PlanProgress: a.PlanProgress, View: a.View}
	start := time.Now()
	if a.Cleanup {
		err := act.Cleanup(cctx, req)
		out.Done = err == nil
		if err != nil {
			out.Reason = describeActionErr(ctx, err, timeout)
		}
		r.log.Info("action cleanup ran", "plan", a.Plan, "step", a.Name, "done", out.Done, "reason", out.Reason,
			"took", time.Since(start).Round(time.Millisecond))
		return out
	}
	res, err := act.Run(cctx, req)
	if err != nil {
		out.Reason = "retrying: " + describeActionErr(ctx, err, timeout)
		r.log.Warn("action run failed; retrying", "plan", a.Plan, "step", a.Name, "err", err)
		return out
	}
	out.Progress, out.Reason, out.Done, out.Failed, out.Replace = res.Progress, res.Reason, res.Done, res.Failed, res.Replace
	r.log.Info("action ran", "plan", a.Plan, "step", a.Name, "done", res.Done, "failed", res.Failed,
		"reason", res.Reason, "took", time.Since(start).Round(time.Millisecond))
	return out
}

func describeActionErr(ctx context.Context, err error, timeout time.Duration) string {
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return fmt.Sprintf("no answer within %s", timeout)
	}
	return err.Error()
}

// actionAnswered hands a result to the core (core goroutine only).
func (r *runner) actionAnswered(a scheduler.ActionResult) scheduler.Decisions {
	delete(r.actionsAsked, a.Step+" "+fmt.Sprint(a.Cleanup))
	return r.core.ActionResult(a, time.Now())
}
