package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/record"
)

// Extension is what a service written in Go adds to the generic
// scheduler (the SDK seam): environment values for its tasks, the seeds
// they are computed from, gates its restarts pass, and the changes it
// applies to running tasks itself. A service's extra API routes and endpoint
// producers are package api's extension points (api.Options), which
// cmd/kennel wires into Options.API. The zero Extension is the plain
// scheduler.
type Extension struct {
	// Env adds values to the environment of the tasks the scheduler
	// launches (see scheduler.EnvSource).
	Env scheduler.EnvSource
	// Seeds are generated once per service, when the scheduler first
	// starts without them, and kept in the state store ever after.
	Seeds []Seed
	// Gates, when set, guard every restart of a running pod instance
	// (see Gates). GateTimeout bounds one ask (zero:
	// DefaultGateTimeout); GateInterval is how often a gate that says
	// wait is asked again (zero: scheduler.DefaultGateInterval).
	Gates        Gates
	GateTimeout  time.Duration
	GateInterval time.Duration
	// InPlace, when set, applies the changes it accepts to running tasks
	// (see InPlace): an update changing nothing else restarts no task.
	// InPlaceInterval is how often a failed Apply is retried (zero:
	// DefaultInPlaceInterval); it also bounds one Apply.
	InPlace         InPlace
	InPlaceInterval time.Duration
}

// Seed is a value generated once per service, such as a cluster id.
type Seed struct {
	// Name names the seed in scheduler.EnvView.Seeds; it is stored as the
	// property "seed:<Name>".
	Name string
	// Generate makes the value (it may use randomness).
	Generate func() (string, error)
}

// seedPrefix keys the properties that hold seeds.
const seedPrefix = "seed:"

// seeds reads the extension's seeds from the store, generating and
// storing (all in one batch) those it lacks.
func (r *runner) seeds(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	b := &record.Batch{}
	for _, s := range r.opts.Extension.Seeds {
		if s.Name == "" || s.Generate == nil {
			return nil, errors.New("scheduler: a seed needs a name and a generator")
		}
		if v, ok := r.store.Property(seedPrefix + s.Name); ok {
			out[s.Name] = string(v)
			continue
		}
		v, err := s.Generate()
		if err != nil {
			return nil, fmt.Errorf("scheduler: seed %s: %w", s.Name, err)
		}
		b.PutProperty(seedPrefix+s.Name, []byte(v))
		out[s.Name] = v
		r.log.Info("seed generated and stored", "seed", s.Name)
	}
	if b.Len() > 0 && !r.opts.Uninstall {
		if err := r.store.Apply(ctx, b); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// InstanceEnv is what the extension's EnvSource now gives for a pod
// instance; an error wrapping scheduler.ErrUnknownPod for an unknown
// instance or a service without one.
func (b *Backend) InstanceEnv(ctx context.Context, instance string) (scheduler.InstanceEnv, error) {
	var out scheduler.InstanceEnv
	var envErr error
	err := b.r.run(ctx, false, func(c *scheduler.Core) scheduler.Decisions {
		out, envErr = c.InstanceEnv(instance)
		return scheduler.Decisions{}
	})
	if err == nil {
		err = envErr
	}
	return out, err
}
