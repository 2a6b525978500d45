package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	sched "github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"

	"github.com/kennel-sdk/kennel/api"
	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/state"
	"github.com/kennel-sdk/kennel/servicespec"
)

// loop is the one goroutine that owns the core: Mesos events, API
// requests and clock ticks are handled in turn, each one's decisions
// applied before the next is read.
func (r *runner) loop(ctx context.Context) error {
	r.conn = newConnector(r.opts.Masters, r.log)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		caller    calls.Caller
		session   int
		attempts  int
		retry                        = time.NewTimer(0)
		sessionCx context.CancelFunc = func() {}
	)
	defer func() { sessionCx() }()
	if r.core.Uninstalling() && r.core.FrameworkID() == "" && r.core.Empty() {
		r.done = true // an earlier run finished the uninstall
		r.log.Info("the service is uninstalled; serving its COMPLETE deploy plan")
	}
	tick := time.NewTicker(r.opts.Tick)
	defer tick.Stop()
	for {
		var d scheduler.Decisions
		select {
		case <-ctx.Done():
			return nil
		case <-r.lease.Lost():
			return ErrLeaseLost
		case <-retry.C:
			if r.done {
				continue
			}
			session++
			r.startSession(ctx, session, attempts)
			continue
		case e := <-r.conn.events:
			if e.session != session {
				continue
			}
			if e.lost != nil {
				caller = nil
				if errors.Is(e.lost, ErrFrameworkRemoved) {
					return e.lost
				}
				attempts++
				wait := backoff(attempts)
				r.log.Warn("not subscribed to Mesos; retrying", "err", e.lost, "in", wait.Round(time.Millisecond))
				retry.Reset(wait)
				continue
			}
			if e.caller != nil {
				caller, attempts = e.caller, 0
			}
			d = r.handle(e.ev)
		case req := <-r.requests:
			d = req.do(r.core)
			if err := r.apply(ctx, d, caller); err != nil {
				close(req.reply)
				return err
			}
			close(req.reply)
			continue
		case now := <-tick.C:
			if r.done {
				continue
			}
			d = r.core.Tick(now)
		}
		if err := r.apply(ctx, d, caller); err != nil {
			return err
		}
	}
}

// startSession starts a subscription session; the previous one ends.
func (r *runner) startSession(ctx context.Context, id, attempt int) {
	r.endSession()
	sctx, cancel := context.WithCancel(ctx)
	r.cancelSession = cancel
	go r.conn.session(sctx, r.core.FrameworkInfo(r.opts.FailoverTimeout), id, attempt)
}

func (r *runner) endSession() {
	if r.cancelSession != nil {
		r.cancelSession()
		r.cancelSession = nil
	}
}

// handle feeds one Mesos event to the core.
func (r *runner) handle(ev *sched.Event) scheduler.Decisions {
	now := time.Now()
	switch ev.Type {
	case sched.Event_SUBSCRIBED:
		return r.core.Subscribed(ev.GetSubscribed().GetFrameworkID().GetValue(), now)
	case sched.Event_OFFERS:
		return r.core.Offers(ev.GetOffers().Offers, now)
	case sched.Event_UPDATE:
		return r.core.Update(ev.GetUpdate().Status, now)
	case sched.Event_RESCIND:
		r.core.Rescinded(ev.GetRescind().OfferID.Value)
	case sched.Event_FAILURE:
		r.core.Failure(ev.GetFailure())
	}
	return scheduler.Decisions{}
}

// apply writes the decisions' batch, then sends their calls. A failed
// write stops the scheduler: what the store holds is the truth, and a
// restart reloads it.
func (r *runner) apply(ctx context.Context, d scheduler.Decisions, caller calls.Caller) error {
	if d.Batch != nil && d.Batch.Len() > 0 {
		if err := r.store.Apply(ctx, d.Batch); err != nil {
			return fmt.Errorf("scheduler: writing state: %w", err)
		}
		r.log.Debug("state written", "entries", d.Batch.Len())
	}
	send(ctx, r.log, caller, d.Calls)
	if d.Done && !r.done {
		r.done = true
		send(ctx, r.log, caller, []*sched.Call{{Type: sched.Call_TEARDOWN}})
		if err := r.wipe(ctx); err != nil {
			return err
		}
		r.log.Info("uninstall complete: the framework is torn down and its state erased")
	}
	return nil
}

// wipe erases the service's state after an uninstall.
func (r *runner) wipe(ctx context.Context) error {
	var b state.Batch
	for _, id := range r.store.ConfigIDs() {
		b.DeleteConfig(id)
	}
	for _, k := range r.store.PropertyKeys() {
		b.DeleteProperty(k)
	}
	for k := range r.store.Intent() {
		b.DeleteIntent(k)
	}
	for _, name := range r.store.TaskNames() {
		b.DeleteTask(name)
	}
	if r.store.FrameworkID() != "" {
		b.ClearFrameworkID()
	}
	if r.store.Target() != "" {
		b.ClearTarget()
	}
	return r.store.Apply(ctx, &b)
}

// run executes fn on the core goroutine and waits for it.
func (r *runner) run(ctx context.Context, fn func(*scheduler.Core) scheduler.Decisions) error {
	req := request{do: fn, reply: make(chan struct{})}
	select {
	case r.requests <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-req.reply:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// apiBackend is the API's view of the runner.
type apiBackend struct{ r *runner }

func (b *apiBackend) PlanNames(ctx context.Context) ([]string, error) {
	var names []string
	err := b.r.run(ctx, func(c *scheduler.Core) scheduler.Decisions {
		if c.Uninstalling() {
			names = []string{plans.DeployPlan}
		} else {
			names = c.Plans().Names()
		}
		return scheduler.Decisions{}
	})
	return names, err
}

func (b *apiBackend) Plan(ctx context.Context, name string) (plans.PlanInfo, bool, error) {
	var info plans.PlanInfo
	found := false
	err := b.r.run(ctx, func(c *scheduler.Core) scheduler.Decisions {
		if c.Uninstalling() {
			if name == plans.DeployPlan {
				info, found = c.UninstallPlan(), true
			}
			return scheduler.Decisions{}
		}
		if p := c.Plans().Plan(name); p != nil {
			info, found = p.Info(), true
		}
		return scheduler.Decisions{}
	})
	return info, found, err
}

func (b *apiBackend) pod(ctx context.Context, instance string,
	action func(*scheduler.Core, string, time.Time) (scheduler.Decisions, []string, error)) ([]string, error) {
	var tasks []string
	var actionErr error
	err := b.r.run(ctx, func(c *scheduler.Core) scheduler.Decisions {
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
