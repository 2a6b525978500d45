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
	// TaskSecrets, when set, gives a task values for its config templates
	// only (taskenv.Issued.Secrets), never its environment, from view
	// (its SecretSeeds): `kennel bootstrap` receives them with the task's
	// certificate, so only tasks with transport encryption get any. It
	// must be pure.
	TaskSecrets func(view scheduler.EnvView, task scheduler.PlacedTask) map[string]string
}

// Seed is a value generated once per service, such as a cluster id.
type Seed struct {
	// Name names the seed in scheduler.EnvView.Seeds; it is stored as the
	// property "seed:<Name>".
	Name string
	// Generate makes the value (it may use randomness).
	Generate func() (string, error)
	// Secret keeps the seed out of what the API serves: it is stored as
	// the secret property "secret:seed:<Name>" and passed in
	// scheduler.EnvView.SecretSeeds rather than Seeds.
	Secret bool
}

// seedPrefix keys the properties that hold seeds.
const seedPrefix = "seed:"

// seeds reads the extension's seeds from the store, generating and
// storing (all in one batch) those it lacks: the public ones, and the
// secret ones apart.
func (r *runner) seeds(ctx context.Context) (public, secret map[string]string, err error) {
	public, secret = map[string]string{}, map[string]string{}
	b := &record.Batch{}
	for _, s := range r.opts.Extension.Seeds {
		if s.Name == "" || s.Generate == nil {
			return nil, nil, errors.New("scheduler: a seed needs a name and a generator")
		}
		key, out := seedPrefix+s.Name, public
		if s.Secret {
			key, out = record.SecretPrefix+seedPrefix+s.Name, secret
		}
		if v, ok := r.store.Property(key); ok {
			out[s.Name] = string(v)
			continue
		}
		v, err := s.Generate()
		if err != nil {
			return nil, nil, fmt.Errorf("scheduler: seed %s: %w", s.Name, err)
		}
		b.PutProperty(key, []byte(v))
		out[s.Name] = v
		r.log.Info("seed generated and stored", "seed", s.Name, "secret", s.Secret)
	}
	if b.Len() > 0 && !r.opts.Uninstall {
		if err := r.store.Apply(ctx, b); err != nil {
			return nil, nil, err
		}
	}
	return public, secret, nil
}

// EnvView is where the service's pod instances are placed now, as the
// extension's EnvSource and gates see it (secret seeds included: not for
// an API answer).
func (b *Backend) EnvView(ctx context.Context) (scheduler.EnvView, error) {
	var out scheduler.EnvView
	err := b.r.run(ctx, false, func(c *scheduler.Core) scheduler.Decisions {
		out = c.EnvView()
		return scheduler.Decisions{}
	})
	return out, err
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
