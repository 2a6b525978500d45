package executor

import (
	"syscall"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// DefaultKillGracePeriod is the time between SIGTERM and SIGKILL when neither
// the KILL event nor the TaskInfo has a kill policy (the Mesos built-in
// executors' default).
const DefaultKillGracePeriod = 3 * time.Second

// killGrace is the grace period for killing t: override's (a KILL event's
// kill policy) if set, else the TaskInfo's, else DefaultKillGracePeriod.
func killGrace(t *task, override *mesos.KillPolicy) time.Duration {
	for _, p := range []*mesos.KillPolicy{override, t.info.KillPolicy} {
		if p != nil && p.GracePeriod != nil {
			return max(time.Duration(p.GracePeriod.Nanoseconds), 0)
		}
	}
	return DefaultKillGracePeriod
}

// killLocked starts killing t: TASK_KILLING when the framework supports it,
// SIGTERM to its process group, SIGKILL after grace. A task not started yet
// is stopped before its process starts. Killing a task that is already being
// killed never restarts or extends its grace period, but a shorter grace
// brings the SIGKILL forward. e.mu must be held.
func (e *executor) killLocked(t *task, grace time.Duration) {
	if t.terminal || t.exited {
		return
	}
	deadline := time.Now().Add(grace)
	if t.killing {
		if t.escalation != nil && deadline.Before(t.escalateAt) {
			t.escalateAt = deadline
			t.escalation.Reset(grace)
		}
		return
	}
	t.killing = true
	t.cancel() // stops fetching and the checks
	if !t.started {
		return
	}
	if e.killingCapable {
		e.enqueueLocked(t, e.newStatusLocked(t, mesos.TASK_KILLING))
	}
	pid := t.pid
	if err := syscall.Kill(-pid, syscall.SIGTERM); err != nil {
		e.log.Warn("SIGTERM failed", "task_id", t.id, "error", err)
	}
	t.escalateAt = deadline
	t.escalation = time.AfterFunc(grace, func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if !t.exited {
			e.log.Info("grace period elapsed; sending SIGKILL", "task_id", t.id)
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
	})
}

// shutdownKillGrace bounds the kill grace period during a shutdown so that
// the executor can report and exit within ShutdownGracePeriod.
func (e *executor) shutdownKillGrace() time.Duration {
	return e.cfg.ShutdownGracePeriod * 4 / 5
}

// killAllLocked kills every task, each with its own kill policy capped by
// shutdownKillGrace. e.mu must be held.
func (e *executor) killAllLocked() {
	limit := e.shutdownKillGrace()
	for _, t := range e.order {
		e.killLocked(t, min(killGrace(t, nil), limit))
	}
}

// killAllNow SIGKILLs every process still running and forbids new ones; Run
// calls it on its way out.
func (e *executor) killAllNow() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closing = true
	for _, t := range e.order {
		t.cancel()
		if t.started && !t.exited {
			t.killing = true
			_ = syscall.Kill(-t.pid, syscall.SIGKILL)
		}
	}
}
