package runtime

import (
	"context"
	"time"

	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/servicespec"
)

// InPlace is how a service applies some configuration changes to its
// running tasks itself, so that an update changing nothing else restarts
// no task (servicespec.ActionInPlace): a Kafka broker takes its dynamic
// configs through IncrementalAlterConfigs.
type InPlace interface {
	// Changes reports whether the running tasks of pod take the change of
	// environment variable key of task from old to new without a restart
	// (a servicespec.InPlaceFunc). It must be pure: the update dry run
	// asks it too.
	Changes(pod, task, key, old, new string) bool
	// Apply makes the running tasks use target's values of the variables
	// Changes accepts. The scheduler calls it on its own goroutine each
	// time it starts (an update restarts the scheduler), once the target
	// is stored and the instances changed in place are recorded as running
	// it; and again every Extension.InPlaceInterval while it fails. It must
	// be idempotent. view is where the pod instances are placed.
	Apply(ctx context.Context, view scheduler.EnvView, target *servicespec.ServiceSpec) error
}

// DefaultInPlaceInterval is how often a failed InPlace.Apply is retried
// when Extension.InPlaceInterval is zero.
const DefaultInPlaceInterval = 10 * time.Second

// inPlaceFunc is the extension's in-place classification, or nil.
func (e Extension) inPlaceFunc() servicespec.InPlaceFunc {
	if e.InPlace == nil {
		return nil
	}
	return e.InPlace.Changes
}

// applyInPlace calls the extension's InPlace.Apply with target until it
// succeeds or ctx ends (its own goroutine; the view comes from the core
// goroutine).
func (r *runner) applyInPlace(ctx context.Context, target *servicespec.ServiceSpec, changed []string) {
	in := r.opts.Extension.InPlace
	every := r.opts.Extension.InPlaceInterval
	if every <= 0 {
		every = DefaultInPlaceInterval
	}
	for attempt := 1; ; attempt++ {
		var view scheduler.EnvView
		if err := r.run(ctx, false, func(c *scheduler.Core) scheduler.Decisions {
			view = c.EnvView()
			return scheduler.Decisions{}
		}); err != nil {
			return
		}
		err := func() error {
			actx, cancel := context.WithTimeout(ctx, every)
			defer cancel()
			return in.Apply(actx, view, target)
		}()
		if err == nil {
			r.log.Info("in-place configuration applied", "changed_in_place", changed, "attempt", attempt)
			return
		}
		if ctx.Err() != nil {
			return
		}
		r.log.Warn("in-place configuration not applied yet; retrying", "err", err, "attempt", attempt, "in", every)
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
