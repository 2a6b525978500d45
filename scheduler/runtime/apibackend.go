package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kennel-sdk/kennel/api"
	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/servicespec"
)

// publish makes what the core now shows the API's snapshot. The loop calls
// it after each event's decisions were applied, so the API never shows
// state that is not written.
func (r *runner) publish() {
	s := &api.Snapshot{FrameworkID: r.core.FrameworkID(), Plans: map[string]*api.PlanView{}}
	if r.core.Uninstalling() {
		s.PlanNames = []string{plans.DeployPlan}
		s.Plans[plans.DeployPlan] = api.NewPlanView(r.core.UninstallPlan(time.Now()))
	} else {
		s.PlanNames = r.core.Plans().Names()
		for _, p := range r.core.Plans().Plans() {
			s.Plans[p.Name] = api.NewPlanView(p.Info())
		}
	}
	r.snapshot.Store(s)
}

// apiBackend is the API's view of the runner.
type apiBackend struct{ r *runner }

func (b *apiBackend) Snapshot() *api.Snapshot { return b.r.snapshot.Load() }

func (b *apiBackend) PlanCommand(ctx context.Context, cmd api.PlanCommand) (api.PlanResult, error) {
	var res api.PlanResult
	err := b.r.run(ctx, true, func(c *scheduler.Core) scheduler.Decisions {
		if c.Uninstalling() {
			if cmd.Plan != plans.DeployPlan {
				res = api.PlanResult{Outcome: plans.NotFound, Message: "Plan " + cmd.Plan + " not found"}
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

func (b *apiBackend) Tasks(ctx context.Context) ([]scheduler.TaskView, error) {
	var out []scheduler.TaskView
	err := b.r.run(ctx, false, func(c *scheduler.Core) scheduler.Decisions {
		out = c.TaskViews()
		return scheduler.Decisions{}
	})
	return out, err
}

func (b *apiBackend) Outcomes(ctx context.Context) ([]scheduler.StepOutcome, error) {
	var out []scheduler.StepOutcome
	err := b.r.run(ctx, false, func(c *scheduler.Core) scheduler.Decisions {
		out = c.Outcomes()
		return scheduler.Decisions{}
	})
	return out, err
}

func (b *apiBackend) pod(ctx context.Context, instance string,
	action func(*scheduler.Core, string, time.Time) (scheduler.Decisions, []string, error)) ([]string, error) {
	var tasks []string
	var actionErr error
	err := b.r.run(ctx, true, func(c *scheduler.Core) scheduler.Decisions {
		var d scheduler.Decisions
		d, tasks, actionErr = action(c, instance, time.Now())
		return d
	})
	if errors.Is(actionErr, scheduler.ErrUnknownPod) || errors.Is(actionErr, scheduler.ErrUnknownTask) {
		return nil, fmt.Errorf("%w: %w", api.ErrNotFound, actionErr)
	}
	if err == nil {
		err = actionErr
	}
	return tasks, err
}

func (b *apiBackend) PodRestart(ctx context.Context, instance string) ([]string, error) {
	return b.pod(ctx, instance, (*scheduler.Core).PodRestart)
}

func (b *apiBackend) PodReplace(ctx context.Context, instance string) ([]string, error) {
	return b.pod(ctx, instance, (*scheduler.Core).PodReplace)
}

func (b *apiBackend) PodPause(ctx context.Context, instance string, tasks []string) ([]string, error) {
	return b.pod(ctx, instance, func(c *scheduler.Core, inst string, now time.Time) (scheduler.Decisions, []string, error) {
		return c.PodPause(inst, tasks, now)
	})
}

func (b *apiBackend) PodResume(ctx context.Context, instance string, tasks []string) ([]string, error) {
	return b.pod(ctx, instance, func(c *scheduler.Core, inst string, now time.Time) (scheduler.Decisions, []string, error) {
		return c.PodResume(inst, tasks, now)
	})
}

// Template reads a config template from a stored configuration; the store
// is safe for concurrent reads.
func (b *apiBackend) Template(_ context.Context, config, pod, task, name string) ([]byte, bool, error) {
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
