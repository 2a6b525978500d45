package marathon

import (
	"math"
	"sort"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	sched "github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"

	"github.com/kennel-sdk/kennel/deploy/marathon/app"
)

// killResend is how long a KILL may go unanswered before it is sent again.
const killResend = 10 * time.Second

// plan is what an app needs now: instances to launch, tasks to kill.
type plan struct {
	launch int
	kill   []*taskRecord
	done   bool // the app has converged on its current version
}

// healthy says whether a task counts as healthy for a deployment: running,
// and healthy when the app has a health check.
func healthy(a *app.App, t *taskRecord) bool {
	if t.State != mesos.TASK_RUNNING.String() || t.Killing {
		return false
	}
	return len(a.HealthChecks) == 0 || (t.Healthy != nil && *t.Healthy)
}

// tasksOf returns an app's tasks, oldest first.
func (m *Marathon) tasksOf(appID string) []*taskRecord {
	var out []*taskRecord
	for _, t := range m.rec.Tasks {
		if t.AppID == appID {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].StagedAt.Equal(out[j].StagedAt) {
			return out[i].StagedAt.Before(out[j].StagedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// planFor decides an app's next step by its upgrade strategy: with n the
// target instance count, at most n + ⌊n·maximumOverCapacity⌋ tasks exist
// (killing ones included, so 0/0 kills and sees the old task terminal
// before it launches the new one) and at least ⌈n·minimumHealthCapacity⌉
// stay healthy while old-version tasks are replaced.
func (m *Marathon) planFor(ar *appRecord) plan {
	a := &ar.App
	n := a.Instances
	if ar.Deleting {
		n = 0
	}
	var old, cur []*taskRecord
	total, killing := 0, 0
	for _, t := range m.tasksOf(a.ID) {
		total++
		if t.Killing {
			killing++
			continue
		}
		if t.Version == ar.ConfigVersion {
			cur = append(cur, t)
		} else {
			old = append(old, t)
		}
	}
	var p plan
	minHealthy := int(math.Ceil(float64(n) * a.UpgradeStrategy.MinimumHealthCapacity))
	maxTotal := n + int(math.Floor(float64(n)*a.UpgradeStrategy.MaximumOverCapacity))
	if ar.Deleting {
		minHealthy, maxTotal = 0, 0
	}
	// Surplus current tasks go first (scaling down), by killSelection.
	if len(cur) > n {
		extra := len(cur) - n
		if a.KillSelection == "OLDEST_FIRST" {
			p.kill = append(p.kill, cur[:extra]...)
			cur = cur[extra:]
		} else {
			p.kill = append(p.kill, cur[len(cur)-extra:]...)
			cur = cur[:len(cur)-extra]
		}
	}
	healthyNow := 0
	for _, t := range cur {
		if healthy(a, t) {
			healthyNow++
		}
	}
	var healthyOld []*taskRecord
	for _, t := range old {
		if healthy(a, t) {
			healthyOld = append(healthyOld, t)
		} else {
			p.kill = append(p.kill, t) // an old task not serving is no capacity
		}
	}
	healthyNow += len(healthyOld)
	killable := min(len(healthyOld), max(0, healthyNow-minHealthy))
	p.kill = append(p.kill, healthyOld[:killable]...)
	remainingOld := len(healthyOld) - killable
	p.launch = max(0, min(n-len(cur), maxTotal-total))
	curHealthy := 0
	for _, t := range cur {
		if healthy(a, t) {
			curHealthy++
		}
	}
	if p.launch == 0 && len(p.kill) == 0 && killing == 0 && curHealthy == len(cur) && remainingOld > 0 {
		// Nothing in flight, no room to start a new task and no capacity
		// to spare (minimumHealthCapacity 1, maximumOverCapacity 0):
		// Marathon kills one old task to make progress.
		p.kill = append(p.kill, healthyOld[killable])
	}
	p.done = len(old) == 0 && total == n && len(cur) == n && curHealthy == n
	return p
}

// converge plans every app: kills what must go, notes what must launch
// (offers are revived for it, unless its backoff delays it), finishes
// deployments and removes deleted apps that have no task left.
func (m *Marathon) converge() []*sched.Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	var out []*sched.Call
	want := false
	var wake time.Time
	changed := false
	for id, ar := range m.rec.Apps {
		p := m.planFor(ar)
		for _, t := range p.kill {
			out = append(out, m.killLocked(ar, t, now))
			changed = true
		}
		if p.launch > 0 {
			if b := m.backoffs[id]; b != nil && now.Before(b.until) {
				if wake.IsZero() || b.until.Before(wake) {
					wake = b.until
				}
			} else {
				want = true
			}
		}
		if !p.done {
			continue
		}
		for did, d := range m.rec.Deployments {
			if d.AppID == id {
				m.log.Info("deployment finished", "id", did, "app", id, "action", d.Action)
				delete(m.rec.Deployments, did)
				changed = true
			}
		}
		if ar.Deleting {
			m.log.Info("app deleted", "app", id)
			delete(m.rec.Apps, id)
			delete(m.backoffs, id)
			changed = true
		}
	}
	if changed {
		_ = m.saveLocked()
	}
	if want != m.wanted {
		m.wanted = want
		if want {
			out = append(out, calls.Revive())
		} else {
			out = append(out, calls.Suppress())
		}
	}
	if !wake.IsZero() {
		if m.timer != nil {
			m.timer.Stop()
		}
		m.timer = time.AfterFunc(time.Until(wake), m.kick)
	}
	return out
}

// killLocked marks t killing and returns its KILL, with the app's kill
// grace period as the kill policy.
func (m *Marathon) killLocked(ar *appRecord, t *taskRecord, now time.Time) *sched.Call {
	t.Killing = true
	t.KillSent = now
	m.log.Info("killing task", "task", t.ID, "app", t.AppID)
	return calls.Kill(t.ID, t.AgentID).With(func(c *sched.Call) {
		c.Kill.KillPolicy = killPolicy(&ar.App)
	})
}

// reconcileCalls asks the master for the state of every known task and,
// when all is set (after subscribing), of every task of the framework (an
// implicit reconciliation: unknown ones are killed when they report).
// Kills unanswered for a while are sent again.
func (m *Marathon) reconcileCalls(all bool) []*sched.Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*sched.Call
	tasks := map[string]string{}
	now := time.Now()
	for _, t := range m.rec.Tasks {
		tasks[t.ID] = t.AgentID
		if t.Killing && now.Sub(t.KillSent) > killResend {
			if ar := m.rec.Apps[t.AppID]; ar != nil {
				out = append(out, m.killLocked(ar, t, now))
			}
		}
	}
	if len(tasks) > 0 {
		out = append(out, calls.Reconcile(calls.ReconcileTasks(tasks)))
	}
	if all {
		out = append(out, calls.Reconcile(calls.ReconcileTasks(nil)))
	}
	return out
}

// update applies a status update: the task's state and health; a task
// that ends is forgotten and, unless Marathon killed it, counts as a
// failure for the app's backoff. Updates with a uuid are acknowledged;
// a task Marathon does not know is killed.
func (m *Marathon) update(st mesos.TaskStatus) []*sched.Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*sched.Call
	id := st.TaskID.Value
	state := st.State.String()
	t := m.rec.Tasks[id]
	switch {
	case t == nil && !terminal(state):
		m.log.Warn("killing a task Marathon does not know", "task", id, "state", state)
		out = append(out, calls.Kill(id, st.GetAgentID().GetValue()))
	case t == nil:
	case terminal(state):
		m.log.Info("task ended", "task", id, "app", t.AppID, "state", state, "message", st.GetMessage(), "healthy", st.Healthy)
		delete(m.rec.Tasks, id)
		if !t.Killing {
			m.failedLocked(t)
			if ar := m.rec.Apps[t.AppID]; ar != nil {
				ar.LastTaskFailure = map[string]any{"appId": t.AppID, "host": t.Host, "message": st.GetMessage(),
					"state": state, "taskId": id, "slaveId": t.AgentID, "version": t.Version,
					"timestamp": time.Now().UTC().Format(time.RFC3339Nano)}
			}
		}
		_ = m.saveLocked()
	default:
		if t.State != state && state == mesos.TASK_RUNNING.String() && t.StartedAt.IsZero() {
			t.StartedAt = time.Now()
		}
		changed := t.State != state
		if st.Healthy != nil {
			h := *st.Healthy
			changed = changed || t.Healthy == nil || *t.Healthy != h
			t.Healthy = &h
		}
		if cs := st.CheckStatus; cs != nil {
			t.CheckResult = checkResult(cs)
		}
		t.State = state
		if changed {
			_ = m.saveLocked()
		}
	}
	if st.UUID != nil && st.AgentID != nil {
		out = append(out, calls.Acknowledge(st.AgentID.Value, id, st.UUID))
	}
	return out
}

// failedLocked counts a task that ended on its own: the app's next launch
// waits backoffSeconds × backoffFactor^(failures−1), and a task that ran
// for the minimum task execution time first resets the count.
func (m *Marathon) failedLocked(t *taskRecord) {
	ar := m.rec.Apps[t.AppID]
	if ar == nil {
		return
	}
	b := m.backoffs[t.AppID]
	if b == nil {
		b = &backoff{}
		m.backoffs[t.AppID] = b
	}
	if !t.StartedAt.IsZero() && time.Since(t.StartedAt) >= m.cfg.Timing.MinimumTaskExecution {
		b.failures = 0
	}
	b.failures++
	d := app.LaunchDelay(&ar.App, b.failures)
	b.until = time.Now().Add(d)
	m.log.Info("app backing off", "app", t.AppID, "failures", b.failures, "delay", d)
}

// acceptFailed ends the tasks of an ACCEPT the master did not take.
func (m *Marathon) acceptFailed(call *sched.Call) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, op := range call.GetAccept().Operations {
		for _, ti := range op.GetLaunch().GetTaskInfos() {
			delete(m.rec.Tasks, ti.TaskID.Value)
		}
	}
	_ = m.saveLocked()
	m.kick()
}

// checkResult is a Mesos check status as Marathon shows it:
// {"http":{"statusCode"}}, {"tcp":{"succeeded"}} or {"command":{"exitCode"}}.
func checkResult(cs *mesos.CheckStatusInfo) map[string]any {
	switch {
	case cs.HTTP != nil && cs.HTTP.StatusCode != nil:
		return map[string]any{"http": map[string]any{"statusCode": *cs.HTTP.StatusCode}}
	case cs.TCP != nil && cs.TCP.Succeeded != nil:
		return map[string]any{"tcp": map[string]any{"succeeded": *cs.TCP.Succeeded}}
	case cs.Command != nil && cs.Command.ExitCode != nil:
		return map[string]any{"command": map[string]any{"exitCode": *cs.Command.ExitCode}}
	}
	return nil
}
