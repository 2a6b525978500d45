package executor

import (
	"context"
	"errors"
	"fmt"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// healthType is hc's type; a health check without one (older schedulers)
// has the type of the one probe it defines.
func healthType(hc *mesos.HealthCheck) mesos.HealthCheck_Type {
	switch {
	case hc.Type != mesos.HealthCheck_UNKNOWN:
		return hc.Type
	case hc.Command != nil:
		return mesos.HealthCheck_COMMAND
	case hc.HTTP != nil:
		return mesos.HealthCheck_HTTP
	case hc.TCP != nil:
		return mesos.HealthCheck_TCP
	}
	return mesos.HealthCheck_UNKNOWN
}

// validateHealthCheck refuses a health check the executor cannot run.
func validateHealthCheck(hc *mesos.HealthCheck) error {
	if hc == nil {
		return nil
	}
	switch healthType(hc) {
	case mesos.HealthCheck_COMMAND:
		if hc.Command == nil || hc.Command.GetValue() == "" {
			return errors.New("invalid health check: COMMAND without a command")
		}
	case mesos.HealthCheck_HTTP:
		if hc.HTTP == nil {
			return errors.New("invalid health check: HTTP without http")
		}
		if s := hc.HTTP.GetScheme(); s != "" && s != "http" && s != "https" {
			return fmt.Errorf("invalid health check: unsupported HTTP scheme %q", s)
		}
	case mesos.HealthCheck_TCP:
		if hc.TCP == nil {
			return errors.New("invalid health check: TCP without tcp")
		}
	default:
		return errors.New("invalid health check: unknown type")
	}
	return nil
}

// runHealthCheck probes t's health until t is killed or ends. Failures are
// ignored until the first success or until the grace period since the task
// started has passed; after that every failure is reported (TASK_RUNNING,
// healthy=false) and consecutive_failures of them in a row kill the task.
// The first success, and the first success after reported failures, is
// reported as healthy=true.
func (e *executor) runHealthCheck(t *task, hc *mesos.HealthCheck) {
	timing := probeTiming{
		delay:    seconds(hc.GetDelaySeconds()),
		interval: seconds(hc.GetIntervalSeconds()),
		timeout:  seconds(hc.GetTimeoutSeconds()),
	}
	grace := seconds(hc.GetGracePeriodSeconds())
	maxFailures := max(hc.GetConsecutiveFailures(), 1)
	var (
		succeeded bool
		failures  uint32
	)
	e.probeLoop(t, timing, func(ctx context.Context) bool {
		healthy, err := healthProbe(ctx, t, hc, timing.timeout)
		if ctx.Err() != nil {
			return true
		}
		if healthy {
			report := !succeeded || failures > 0
			succeeded, failures = true, 0
			if report {
				e.reportHealth(t, true, "")
			}
			return false
		}
		if !succeeded && time.Since(t.startedAt) < grace {
			e.log.Debug("health check failed within the grace period", "task_id", t.id, "error", err)
			return false
		}
		failures++
		e.reportHealth(t, false, fmt.Sprintf("failure %d of %d: %v", failures, maxFailures, err))
		if failures >= maxFailures {
			e.killUnhealthy(t)
			return true
		}
		return false
	})
}

// healthProbe runs one health check; the error explains a failure.
func healthProbe(ctx context.Context, t *task, hc *mesos.HealthCheck, timeout time.Duration) (bool, error) {
	switch healthType(hc) {
	case mesos.HealthCheck_COMMAND:
		code, err := commandProbe(ctx, t, hc.Command, timeout, nil)
		if err != nil {
			return false, err
		}
		if code != 0 {
			return false, fmt.Errorf("command exited with status %d", code)
		}
		return true, nil
	case mesos.HealthCheck_HTTP:
		code, err := httpProbe(ctx, hc.HTTP.GetScheme(), hc.HTTP.Port, hc.HTTP.GetPath(), timeout)
		if err != nil {
			return false, err
		}
		if !healthyStatus(code, hc.HTTP.Statuses) {
			return false, fmt.Errorf("HTTP status %d", code)
		}
		return true, nil
	case mesos.HealthCheck_TCP:
		ok, err := tcpProbe(ctx, hc.TCP.Port, timeout)
		if err != nil {
			return false, err
		}
		if !ok {
			return false, fmt.Errorf("connection to port %d refused", hc.TCP.Port)
		}
		return true, nil
	}
	return false, errors.New("unknown health check type")
}

// healthyStatus: one of statuses when given, else 200–399.
func healthyStatus(code int, statuses []uint32) bool {
	if len(statuses) == 0 {
		return code >= 200 && code < 400
	}
	for _, s := range statuses {
		if int(s) == code {
			return true
		}
	}
	return false
}

// reportHealth sends TASK_RUNNING with healthy set, unless t is being
// killed or has ended.
func (e *executor) reportHealth(t *task, healthy bool, detail string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if t.killing || t.terminal {
		return
	}
	if !healthy {
		e.log.Warn("health check failed", "task_id", t.id, "detail", detail)
	}
	t.healthy = &healthy
	st := e.newStatusLocked(t, mesos.TASK_RUNNING)
	st.Reason = mesos.REASON_TASK_HEALTH_CHECK_STATUS_UPDATED.Enum()
	e.enqueueLocked(t, st)
}

// killUnhealthy kills t for failing its health check; its TASK_KILLED will
// say healthy=false.
func (e *executor) killUnhealthy(t *task) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if t.killing || t.terminal {
		return
	}
	e.log.Warn("killing unhealthy task", "task_id", t.id)
	t.killedByHealth = true
	e.killLocked(t, killGrace(t, nil))
}
