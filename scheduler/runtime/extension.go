package runtime

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
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
	// Actions are the service's actions, by the name plan phases give in
	// `action:` (see Action). ActionTimeout bounds one run or cleanup
	// (zero: DefaultActionTimeout); ActionInterval is how often a running
	// action step is run again (zero: scheduler.DefaultActionInterval).
	Actions        map[string]Action
	ActionTimeout  time.Duration
	ActionInterval time.Duration
	// DecommissionGuard, when set, is asked before the scheduler takes a
	// new configuration that removes pod instances (see
	// DecommissionGuard).
	DecommissionGuard DecommissionGuard
}

// DecommissionGuard keeps a service's pod instances from being removed
// while they hold what the service needs (a Kafka broker's replicas).
// When the scheduler starts with a configuration that decommissions
// instances, BeforeDecommission is asked with them and with where the
// stored tasks are placed; any refusal (or an error: the guard cannot
// tell) refuses the configuration as a forbidden change would be: the
// previous one stays, and the deploy plan shows the reasons until the
// scheduler starts with a configuration that passes. ctx ends after
// DefaultGuardTimeout.
type DecommissionGuard interface {
	BeforeDecommission(ctx context.Context, view scheduler.EnvView, instances []scheduler.Instance) (refusals []string, err error)
}

// DefaultGuardTimeout bounds a DecommissionGuard's answer.
const DefaultGuardTimeout = 30 * time.Second

// guardDecommission asks the extension's guard about the instances a new
// target removes; it returns the refusals (nil: go on).
func (r *runner) guardDecommission(ctx context.Context, stored scheduler.Stored, names []string) []string {
	if r.opts.Extension.DecommissionGuard == nil || len(names) == 0 || r.opts.Uninstall {
		return nil
	}
	view, err := scheduler.StoredView(r.service, stored.Tasks)
	if err == nil {
		// What the core's view would hold: the seeds (stored now if new,
		// as the core's start would) and the service's CA.
		view.Seeds, view.SecretSeeds, err = r.seeds(ctx)
		view.CACert = r.storedCACert()
	}
	if err != nil {
		return []string{fmt.Sprintf("cannot tell whether %v may be removed: %v", names, err)}
	}
	refusals, err := r.askGuard(ctx, view, names)
	if err != nil {
		return []string{fmt.Sprintf("cannot tell whether %s may be removed (%v): the update is refused until a check passes", strings.Join(names, ", "), err)}
	}
	return refusals
}

// CheckDecommission says what the extension's DecommissionGuard would
// refuse if a configuration removed the pod instances names (none
// without a guard), from where the tasks are placed now.
func (b *Backend) CheckDecommission(ctx context.Context, names []string) ([]string, error) {
	if b.r.opts.Extension.DecommissionGuard == nil {
		return nil, nil
	}
	var view scheduler.EnvView
	if err := b.r.run(ctx, false, func(c *scheduler.Core) scheduler.Decisions {
		view = c.View()
		return scheduler.Decisions{}
	}); err != nil {
		return nil, err
	}
	return b.r.askGuard(ctx, view, names)
}

// askGuard asks the guard about the pod instances names within
// DefaultGuardTimeout.
func (r *runner) askGuard(ctx context.Context, view scheduler.EnvView, names []string) ([]string, error) {
	g := r.opts.Extension.DecommissionGuard
	var insts []scheduler.Instance
	for _, n := range names {
		cut := strings.LastIndex(n, "-")
		i, err := strconv.Atoi(n[cut+1:])
		if cut < 0 || err != nil {
			return nil, fmt.Errorf("%q is not a pod instance name (POD-INDEX)", n)
		}
		insts = append(insts, scheduler.Instance{Pod: n[:cut], Index: i})
	}
	cctx, cancel := context.WithTimeout(ctx, DefaultGuardTimeout)
	defer cancel()
	return g.BeforeDecommission(cctx, view, insts)
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
