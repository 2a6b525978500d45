package executor

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	mesostime "github.com/mesos/mesos-go/api/v1/lib/time"
)

// Defaults applied by ConfigFromEnv to absent variables and by Run to zero
// durations. They are the Mesos agent's defaults.
const (
	DefaultShutdownGracePeriod    = 5 * time.Second
	DefaultRecoveryTimeout        = 15 * time.Minute
	DefaultSubscriptionBackoffMax = 2 * time.Second
)

// Config is what the agent tells an executor through its environment.
type Config struct {
	FrameworkID, ExecutorID string
	// AgentEndpoint is the agent's host:port, without a scheme.
	AgentEndpoint string
	// Sandbox is the executor's sandbox directory (MESOS_SANDBOX, else
	// MESOS_DIRECTORY). Task sandboxes are created below it.
	Sandbox string
	// Checkpoint (MESOS_CHECKPOINT == "1") makes the executor re-subscribe
	// after the agent goes away instead of killing its tasks and exiting.
	Checkpoint bool
	// ShutdownGracePeriod (MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD) bounds how
	// long the executor takes to exit after SHUTDOWN, and how long it waits
	// for acknowledgements once every task is terminal. Zero means 5s.
	ShutdownGracePeriod time.Duration
	// RecoveryTimeout (MESOS_RECOVERY_TIMEOUT) is how long a checkpointing
	// executor keeps trying to re-subscribe. Zero means 15m.
	RecoveryTimeout time.Duration
	// SubscriptionBackoffMax (MESOS_SUBSCRIPTION_BACKOFF_MAX) caps the
	// interval between re-subscription attempts. Zero means 2s.
	SubscriptionBackoffMax time.Duration
	// Logger receives the executor's log; nil means slog.Default().
	Logger *slog.Logger
}

// ConfigFromEnv reads the Config from the variables a Mesos agent sets for an
// executor, looked up with getenv (os.Getenv in production).
//
// MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID, MESOS_AGENT_ENDPOINT and one of
// MESOS_SANDBOX or MESOS_DIRECTORY are required. MESOS_CHECKPOINT is "1" or
// "0" (absent means "0"). The three durations use the Mesos syntax ("5secs",
// "250ms", "2mins", fractions allowed), must be positive and default to
// DefaultShutdownGracePeriod, DefaultRecoveryTimeout and
// DefaultSubscriptionBackoffMax. Every problem is reported, each naming its
// variable; on error the returned Config is the zero value. Logger is left
// nil.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var errs []error
	required := func(name string) string {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			errs = append(errs, fmt.Errorf("missing environment variable %s", name))
		}
		return v
	}
	duration := func(name string, def time.Duration) time.Duration {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return def
		}
		d, err := parseMesosDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("environment variable %s: %w", name, err))
			return 0
		}
		if d <= 0 {
			errs = append(errs, fmt.Errorf("environment variable %s: duration %q must be positive", name, v))
		}
		return d
	}

	cfg := Config{
		FrameworkID:   required("MESOS_FRAMEWORK_ID"),
		ExecutorID:    required("MESOS_EXECUTOR_ID"),
		AgentEndpoint: required("MESOS_AGENT_ENDPOINT"),
	}
	cfg.Sandbox = strings.TrimSpace(getenv("MESOS_SANDBOX"))
	if cfg.Sandbox == "" {
		cfg.Sandbox = strings.TrimSpace(getenv("MESOS_DIRECTORY"))
	}
	if cfg.Sandbox == "" {
		errs = append(errs, errors.New("missing environment variable MESOS_SANDBOX (and MESOS_DIRECTORY)"))
	}
	switch v := strings.TrimSpace(getenv("MESOS_CHECKPOINT")); v {
	case "", "0":
	case "1":
		cfg.Checkpoint = true
	default:
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("environment variable MESOS_CHECKPOINT: %q is neither \"1\" nor \"0\"", v))
		}
		cfg.Checkpoint = b
	}
	cfg.ShutdownGracePeriod = duration("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", DefaultShutdownGracePeriod)
	cfg.RecoveryTimeout = duration("MESOS_RECOVERY_TIMEOUT", DefaultRecoveryTimeout)
	cfg.SubscriptionBackoffMax = duration("MESOS_SUBSCRIPTION_BACKOFF_MAX", DefaultSubscriptionBackoffMax)

	if len(errs) > 0 {
		return Config{}, fmt.Errorf("executor configuration: %w", errors.Join(errs...))
	}
	return cfg, nil
}

// parseMesosDuration parses a Mesos duration: a non-negative decimal number,
// possibly fractional, followed by one of the units ns, us, ms, secs, mins,
// hrs, days or weeks ("5secs", "0.5secs", "250ms").
func parseMesosDuration(s string) (time.Duration, error) {
	d, err := mesostime.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("invalid Mesos duration %q: %w", s, err)
	}
	return d, nil
}

// withDefaults validates cfg, fills in the defaults for zero durations and a
// nil Logger, and makes Sandbox absolute.
func (cfg Config) withDefaults() (Config, error) {
	var errs []error
	for _, f := range []struct{ name, value string }{
		{"FrameworkID", cfg.FrameworkID},
		{"ExecutorID", cfg.ExecutorID},
		{"AgentEndpoint", cfg.AgentEndpoint},
		{"Sandbox", cfg.Sandbox},
	} {
		if f.value == "" {
			errs = append(errs, fmt.Errorf("field %s is empty", f.name))
		}
	}
	if strings.Contains(cfg.AgentEndpoint, "://") {
		errs = append(errs, fmt.Errorf("field AgentEndpoint %q must be host:port without a scheme", cfg.AgentEndpoint))
	}
	for _, d := range []struct {
		name  string
		value *time.Duration
		def   time.Duration
	}{
		{"ShutdownGracePeriod", &cfg.ShutdownGracePeriod, DefaultShutdownGracePeriod},
		{"RecoveryTimeout", &cfg.RecoveryTimeout, DefaultRecoveryTimeout},
		{"SubscriptionBackoffMax", &cfg.SubscriptionBackoffMax, DefaultSubscriptionBackoffMax},
	} {
		switch {
		case *d.value < 0:
			errs = append(errs, fmt.Errorf("field %s is negative (%s)", d.name, *d.value))
		case *d.value == 0:
			*d.value = d.def
		}
	}
	if len(errs) > 0 {
		return cfg, fmt.Errorf("executor: invalid configuration: %w", errors.Join(errs...))
	}
	abs, err := filepath.Abs(cfg.Sandbox)
	if err != nil {
		return cfg, fmt.Errorf("executor: sandbox %q: %w", cfg.Sandbox, err)
	}
	cfg.Sandbox = abs
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg, nil
}
