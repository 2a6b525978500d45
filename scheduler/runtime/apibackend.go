package runtime

import (
	"context"
	"errors"
	"time"

	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/servicespec"
)

// publish makes what the core now shows the API's snapshot. The loop calls
// it after each event's decisions were applied, and after each command
// before its caller gets the reply, so the API never shows state that is
// not written and a command's effect shows in the next GET. The publisher
// compares each step with the last publication's and shares the JSON of
// those that did not change; changed ones are encoded when first read.
func (r *runner) publish() {
	if r.core.Uninstalling() {
		r.snapshot.Store(&wire.Snapshot{FrameworkID: r.core.FrameworkID(), PlanNames: []string{plans.DeployPlan},
			Plans: map[string]*wire.PlanView{plans.DeployPlan: wire.NewPlanView(r.core.UninstallPlan(time.Now()))}})
		return
	}
	r.snapshot.Store(r.publisher.Snapshot(r.core.FrameworkID(), r.core.Plans().Plans()))
}

// Backend is what the runtime offers the HTTP API: the scheduler's
// published plans, its commands and queries, which run on the scheduler's
// goroutine, and the stored configurations. Its methods are safe for
// concurrent use; ctx is the request's. cmd/kennel hands it to package
// api, whose Scheduler interface it implements.
type Backend struct{ r *runner }

// Snapshot is the plans as of the scheduler's last event; never nil.
func (b *Backend) Snapshot() *wire.Snapshot { return b.r.snapshot.Load() }

// PlanCommand runs cmd, an operator action, on the plans at the time it
// runs and writes what it changed; an uninstalling service applies it to
// its uninstall plan.
func (b *Backend) PlanCommand(ctx context.Context, cmd plans.Command) (plans.Result, error) {
	var res plans.Result
	err := b.r.run(ctx, true, func(c *scheduler.Core) scheduler.Decisions {
		if c.Uninstalling() {
			if cmd.Plan != plans.DeployPlan {
				res = plans.Result{Outcome: plans.NotFound, Message: "Plan " + cmd.Plan + " not found"}
				return scheduler.Decisions{}
			}
			d, out := c.UninstallAction(cmd.Verb, cmd.Phase, cmd.Step, time.Now())
			res = out
			return d
		}
		now := time.Now()
		d, out := c.PlanAction(now, func(s *plans.Set) plans.Result { return cmd.Apply(s, now) })
		res = out
		return d
	})
	return res, err
}

// Tasks are copies of the stored tasks, sorted by name.
func (b *Backend) Tasks(ctx context.Context) ([]scheduler.TaskView, error) {
	var out []scheduler.TaskView
	err := b.r.run(ctx, false, func(c *scheduler.Core) scheduler.Decisions {
		out = c.TaskViews()
		return scheduler.Decisions{}
	})
	return out, err
}

// Outcomes are the latest offer evaluations, newest first.
func (b *Backend) Outcomes(ctx context.Context) ([]scheduler.StepOutcome, error) {
	var out []scheduler.StepOutcome
	err := b.r.run(ctx, false, func(c *scheduler.Core) scheduler.Decisions {
		out = c.Outcomes()
		return scheduler.Decisions{}
	})
	return out, err
}

// pod runs a pod command; an unknown pod instance or task is an error
// wrapping scheduler.ErrUnknownPod or ErrUnknownTask.
func (b *Backend) pod(ctx context.Context, instance string,
	action func(*scheduler.Core, string, time.Time) (scheduler.Decisions, []string, error)) ([]string, error) {
	var tasks []string
	var actionErr error
	err := b.r.run(ctx, true, func(c *scheduler.Core) scheduler.Decisions {
		var d scheduler.Decisions
		d, tasks, actionErr = action(c, instance, time.Now())
		return d
	})
	if errors.Is(actionErr, scheduler.ErrUnknownPod) || errors.Is(actionErr, scheduler.ErrUnknownTask) {
		return nil, actionErr
	}
	if err == nil {
		err = actionErr
	}
	return tasks, err
}

// PodRestart kills a pod instance's tasks so they relaunch in place and
// returns their names.
func (b *Backend) PodRestart(ctx context.Context, instance string) ([]string, error) {
	return b.pod(ctx, instance, (*scheduler.Core).PodRestart)
}

// PodReplace replaces a pod instance (new reservations and volumes) and
// returns its task names.
func (b *Backend) PodReplace(ctx context.Context, instance string) ([]string, error) {
	return b.pod(ctx, instance, (*scheduler.Core).PodReplace)
}

// PodPause pauses the named tasks of a pod instance (all if none).
func (b *Backend) PodPause(ctx context.Context, instance string, tasks []string) ([]string, error) {
	return b.pod(ctx, instance, func(c *scheduler.Core, inst string, now time.Time) (scheduler.Decisions, []string, error) {
		return c.PodPause(inst, tasks, now)
	})
}

// PodResume resumes the named paused tasks of a pod instance (all if none).
func (b *Backend) PodResume(ctx context.Context, instance string, tasks []string) ([]string, error) {
	return b.pod(ctx, instance, func(c *scheduler.Core, inst string, now time.Time) (scheduler.Decisions, []string, error) {
		return c.PodResume(inst, tasks, now)
	})
}

// Template reads a config template from a stored configuration; the store
// is safe for concurrent reads.
func (b *Backend) Template(_ context.Context, config, pod, task, name string) ([]byte, bool, error) {
	data, ok := b.r.store.Config(config)
	if !ok {
		return nil, false, nil
	}
	spec, err := servicespec.Decode(config, data)
	if err != nil {
		return nil, false, err
	}
	p := spec.Pod(pod)
	if p == nil || p.Task(task) == nil {
		return nil, false, nil
	}
	cfg, ok := p.Task(task).Configs[name]
	if !ok {
		return nil, false, nil
	}
	return []byte(cfg.TemplateContent), true, nil
}
