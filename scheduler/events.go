package scheduler

import (
	"maps"
	"slices"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	sched "github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"

	"github.com/kennel-sdk/kennel/taskstate"
)

// reconciliation tracks explicit reconciliation after each subscription:
// no launch happens until every known task has a fresh status (reference
// §1.9).
type reconciliation struct {
	pending  map[string]string // TaskID -> AgentID
	done     bool
	next     time.Time
	delay    time.Duration
	implicit time.Time // when the next implicit reconciliation is due
}

// Subscribed handles SUBSCRIBED: a new FrameworkID is stored, and explicit
// reconciliation of every task that may be alive starts.
func (c *Core) Subscribed(frameworkID string, now time.Time) Decisions {
	d := newDecisions()
	if frameworkID != c.frameworkID {
		d.Batch.SetFrameworkID(frameworkID)
		c.frameworkID = frameworkID
	}
	c.cfg.FrameworkID = frameworkID
	c.suppressed = false
	// Mesos discarded the offers of the earlier subscription.
	c.holding, c.capped = nil, nil
	c.sweep(now)
	c.reconcile = reconciliation{pending: map[string]string{}, delay: reconcileFirst}
	for _, t := range c.tasks {
		if t.head.id != "" && t.live() {
			c.reconcile.pending[t.head.id] = t.head.agent
		}
	}
	c.reconcileCall(&d, now)
	c.settle(&d, now)
	return d
}

// reconcileCall asks about the tasks still pending, or finishes explicit
// reconciliation with an implicit one.
func (c *Core) reconcileCall(d *Decisions, now time.Time) {
	r := &c.reconcile
	if len(r.pending) == 0 {
		if !r.done {
			r.done = true
			r.implicit = now.Add(implicitEvery)
			d.call(calls.Reconcile())
		}
		return
	}
	d.call(calls.Reconcile(calls.ReconcileTasks(r.pending)))
	r.next = now.Add(r.delay)
	r.delay = min(2*r.delay, reconcileMax)
}

// Update handles a status update: the status is stored, acknowledged and
// shown to the plans. A status of a task the scheduler does not know (or no
// longer launches) is acknowledged and the task killed. A status of a
// launch already recorded in a terminal state is acknowledged only.
func (c *Core) Update(st mesos.TaskStatus, now time.Time) Decisions {
	d, _ := c.Updates([]mesos.TaskStatus{st}, now)
	return d
}

// Updates handles status updates that arrived together, in their order,
// as Update does each, with one decision for all: their records are
// written in one batch before any of their acknowledgements is sent, and
// the plans settle once, after the last, unless an update is of a pod
// instance an earlier one of the batch was of: the plans settle before it,
// since a step's course depends on the order of its tasks' states (a
// task RUNNING then FAILED completes its deploy step first). So the
// result is that of Update called for each in turn. It handles at least
// the first update; past maxLaunchBatch bytes of writes it stops and
// returns the updates it left, for the next call.
func (c *Core) Updates(sts []mesos.TaskStatus, now time.Time) (Decisions, []mesos.TaskStatus) {
	d := newDecisions()
	seen := map[string]bool{} // pod instances updated since the plans settled
	changed := false          // an update changed what the plans read
	i := 0
	for ; i < len(sts) && (i == 0 || d.Batch.Size() < maxLaunchBatch); i++ {
		inst := sts[i].TaskID.Value // a task the core does not know stands alone
		if t := c.tasks[c.byID[inst]]; t != nil {
			inst = t.instance()
		}
		if seen[inst] && changed {
			c.settle(&d, now)
			clear(seen)
			changed = false
		}
		seen[inst] = true
		if c.update(&d, sts[i], now) {
			changed = true
		}
	}
	// Updates that changed nothing (reconciliation answers repeating the
	// records) leave the plans as the last settlement left them: what
	// time alone changes, Tick settles.
	if changed {
		c.settle(&d, now)
	}
	return d, sts[i:]
}

// update records one status update (Update) without settling the plans.
// It reports whether the update changed what the plans read: a task's
// record, or the end of explicit reconciliation.
func (c *Core) update(d *Decisions, st mesos.TaskStatus, now time.Time) (changed bool) {
	id := st.TaskID.Value
	delete(c.reconcile.pending, id)
	if !c.reconcile.done && len(c.reconcile.pending) == 0 {
		c.reconcileCall(d, now)
		changed = true
	}
	name, known := c.byID[id]
	t := c.tasks[name]
	switch {
	case !known || t == nil || t.head.id != id:
		// A task the scheduler no longer launches (replaced while its agent
		// was away, or forgotten) is killed each time it reports in.
		if !taskstate.Ended(st.GetState()) {
			c.killed[id] = now
			d.call(calls.Kill(id, st.GetAgentID().GetValue()))
		}
	case taskstate.Terminal(t.state()) && t.status != nil:
		// A launch that reached a terminal state stays there: a later
		// status of it is one that was overtaken (an agent's retry of an
		// update older than the master's reconciliation answer, or an
		// answer "unknown" to a reconciliation sent before the terminal
		// update was acknowledged). Recording it would make a finished
		// ONCE task look running or lost, and a lost one is launched again.
	case repeats(t, &st):
		// Nothing to store: the record says all the answer says, and its
		// message and time are those of the update that said it first.
	default:
		c.record(d, t, st, now)
		changed = true
	}
	if len(st.UUID) > 0 {
		d.call(calls.Acknowledge(st.GetAgentID().GetValue(), id, st.UUID))
	}
	return changed
}

// repeats reports whether st is the master's reconciliation answer (no
// acknowledgement, REASON_RECONCILIATION) for t's recorded launch that
// only repeats its record: the same state, on the same agent, of a launch
// already confirmed, and an unreachable time, health, check result,
// container status (the task's addresses) and labels that are either
// absent or the recorded ones. A restarted scheduler's reconciliation of
// thousands of running tasks then writes nothing and leaves the plans
// alone; an answer that says anything new (an agent lost again since the
// record, with a later unreachable time, which the permanent failure timer
// counts from) is stored.
func repeats(t *task, st *mesos.TaskStatus) bool {
	rec := &t.stat
	switch {
	case t.status == nil || len(st.UUID) > 0 || st.GetReason() != mesos.REASON_RECONCILIATION:
		return false
	case st.GetState() != rec.state || !t.confirmed():
		return false
	case st.AgentID != nil && st.AgentID.Value != t.head.agent:
		return false
	case st.UnreachableTime != nil && (!rec.hasUnreachable || st.UnreachableTime.Nanoseconds != rec.unreachable):
		return false
	case st.Healthy != nil && (!rec.hasHealthy || *st.Healthy != rec.healthy):
		return false
	case st.CheckStatus != nil && !st.CheckStatus.Equal(rec.check):
		return false
	case st.ContainerStatus == nil && st.Labels == nil:
		return true
	}
	// The core keeps neither of these decoded: Mesos's answers carry the
	// container status of the task's latest update, so this decodes the
	// record once per answer.
	full := t.decodeStatus()
	return (st.ContainerStatus == nil || st.ContainerStatus.Equal(full.ContainerStatus)) &&
		(st.Labels == nil || st.Labels.Equal(full.Labels))
}

// record stores a status of a known task.
func (c *Core) record(d *Decisions, t *task, st mesos.TaskStatus, now time.Time) {
	next := *t
	// A status from another agent than the record's is of a launch whose
	// footprint moved (rewriteFootprints): it proves nothing of the new one.
	sameAgent := st.GetAgentID() == nil || st.GetAgentID().GetValue() == t.head.agent
	if !t.confirmed() && launched(st.GetState()) && sameAgent {
		next = *t.withInfo(func(info *mesos.TaskInfo) {
			info.Labels = setLabel(setLabel(info.Labels, labelConfirmed, "true"), labelKnown, "")
		})
	}
	next.setStatus(&st)
	if cmd := st.GetCheckStatus().GetCommand(); st.GetState() == mesos.TASK_RUNNING && cmd != nil && cmd.ExitCode != nil &&
		*cmd.ExitCode == 0 && c.ready[t.name] != t.head.id {
		c.ready[t.name] = t.head.id
		d.Batch.PutProperty(readyPrefix+t.name, []byte(t.head.id))
	}
	c.noteCheck(&st)
	if taskstate.Ended(st.GetState()) {
		delete(c.killed, t.head.id)
	}
	c.put(d, &next)
	c.set.UpdateTask(*c.planTask(&next), now)
}

// noteCheck keeps what a status says of its task's failing readiness
// check: the message of a TASK_RUNNING update from the executor with a
// check result that is not a pass. The Kennel executor puts the check's
// last output line there; Mesos's executors keep the message of the
// task's earlier update, which for TASK_RUNNING is empty. A passing result
// or an ended task drops the note; other statuses (reconciliation answers
// erase the message) leave it as it was.
func (c *Core) noteCheck(st *mesos.TaskStatus) {
	id := st.TaskID.Value
	switch {
	case taskstate.Ended(st.GetState()):
		delete(c.checkNotes, id)
	case st.GetState() != mesos.TASK_RUNNING || st.GetSource() != mesos.SOURCE_EXECUTOR || st.CheckStatus == nil:
	case st.GetCheckStatus().GetCommand().GetExitCode() == 0 && st.GetCheckStatus().GetCommand().ExitCode != nil,
		st.GetMessage() == "":
		delete(c.checkNotes, id)
	default:
		c.checkNotes[id] = st.GetMessage()
	}
}

// launched reports whether a status proves Mesos got the launch (and so
// its reservations and volumes exist).
func launched(s mesos.TaskState) bool {
	switch s {
	case mesos.TASK_STAGING, mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_KILLING,
		mesos.TASK_FINISHED, mesos.TASK_FAILED, mesos.TASK_KILLED, mesos.TASK_UNREACHABLE:
		return true
	}
	return false
}

// kill sends KILL for a task, at most once per killResend.
func (c *Core) kill(d *Decisions, taskID, agentID string, now time.Time) {
	if last, ok := c.killed[taskID]; ok && now.Sub(last) < killResend {
		return
	}
	c.killed[taskID] = now
	d.call(calls.Kill(taskID, agentID))
}

// Tick is the clock: backoff delays end, reconciliation is retried, tasks
// unreachable past the permanent-failure timeout are marked for
// replacement, kills are resent, and offers are revived or suppressed.
func (c *Core) Tick(now time.Time) Decisions {
	d := newDecisions()
	c.set.Advance(now)
	r := &c.reconcile
	if r.pending != nil && !r.done && !r.next.IsZero() && now.After(r.next) {
		c.reconcileCall(&d, now)
	}
	if r.done && now.After(r.implicit) {
		r.implicit = now.Add(implicitEvery)
		d.call(calls.Reconcile())
	}
	c.failUnreachable(&d, now)
	c.gatedRestarts(&d, now)
	for _, id := range slices.Sorted(maps.Keys(c.killed)) {
		if name, ok := c.byID[id]; ok && now.Sub(c.killed[id]) >= killResend {
			if t := c.tasks[name]; t != nil && t.head.id == id && t.live() {
				c.kill(&d, id, t.head.agent, now)
			}
		}
	}
	c.offerDiscipline(&d, now)
	c.settle(&d, now)
	return d
}

// failUnreachable marks tasks unreachable longer than the permanent-failure
// timeout as permanently failed: their pods are replaced elsewhere.
func (c *Core) failUnreachable(d *Decisions, now time.Time) {
	if c.cfg.PermanentFailureTimeout <= 0 {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(c.tasks)) {
		t := c.tasks[name]
		if t.state() != mesos.TASK_UNREACHABLE || t.permanentlyFailed() {
			continue
		}
		if now.Sub(unreachableSince(t)) >= c.cfg.PermanentFailureTimeout {
			c.markPermanent(d, t, now)
		}
	}
}

// unreachableSince is when Mesos lost t: its status's unreachable_time,
// else the status's time.
func unreachableSince(t *task) time.Time {
	if t.stat.hasUnreachable {
		return time.Unix(0, t.stat.unreachable)
	}
	return time.Unix(0, int64(t.stat.timestamp*1e9))
}

// markPermanent labels a task permanently failed.
func (c *Core) markPermanent(d *Decisions, t *task, now time.Time) {
	next := t.withInfo(func(info *mesos.TaskInfo) {
		info.Labels = setLabel(info.Labels, labelPermanentlyFailed, "true")
	})
	c.put(d, next)
	c.set.UpdateTask(*c.planTask(next), now)
	c.sweep(now)
}

// Failure handles FAILURE (an agent or executor is gone): statuses for the
// tasks follow separately, so nothing changes here.
func (c *Core) Failure(*sched.Event_Failure) {}
