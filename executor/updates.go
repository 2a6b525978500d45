package executor

import (
	"bytes"
	"context"
	"time"

	"github.com/google/uuid"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	mexec "github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/mesos/mesos-go/api/v1/lib/executor/calls"
)

// pendingUpdate is a status update the agent has not acknowledged yet. Its
// status is never modified once created, so it may be read without a lock.
type pendingUpdate struct {
	taskID string
	status mesos.TaskStatus
	// sentGen is the subscription generation in which the update was last
	// handed to the agent (by UPDATE or inside SUBSCRIBE); 0 means never.
	sentGen uint64
	// accepted: the agent took the update (it answered its UPDATE with
	// success, or accepted a SUBSCRIBE carrying it) and keeps it from then
	// on, acknowledged or not.
	accepted bool
}

// updateLog keeps the unacknowledged updates in creation order, which keeps
// every task's updates in order. It is guarded by executor.mu.
type updateLog struct {
	list []*pendingUpdate
}

func (l *updateLog) add(u *pendingUpdate) { l.list = append(l.list, u) }

// ack drops the update of taskID with uuid and reports whether it was there.
func (l *updateLog) ack(taskID string, uuid []byte) bool {
	for i, u := range l.list {
		if u.taskID == taskID && bytes.Equal(u.status.UUID, uuid) {
			l.list = append(l.list[:i], l.list[i+1:]...)
			return true
		}
	}
	return false
}

// allAccepted reports whether the agent has taken every update.
func (l *updateLog) allAccepted() bool {
	for _, u := range l.list {
		if !u.accepted {
			return false
		}
	}
	return true
}

// firstUnsent returns the oldest update not yet handed over in gen.
func (l *updateLog) firstUnsent(gen uint64) *pendingUpdate {
	for _, u := range l.list {
		if u.sentGen != gen {
			return u
		}
	}
	return nil
}

// newStatusLocked builds a status update of t with a fresh UUID. For
// TASK_RUNNING it carries t's current check result and health (when known);
// and, while the check fails, the note saying why as the message; for
// every other state, TASK_STARTING included, an empty check result of
// the check's type, as Mesos's default executor sets check_status on every
// update of a task with a check. e.mu must be held.
func (e *executor) newStatusLocked(t *task, state mesos.TaskState) mesos.TaskStatus {
	now := float64(time.Now().UnixNano()) / 1e9
	// A fresh UUID (version 4) per update, as the 16 bytes Mesos carries.
	id := uuid.New()
	st := mesos.TaskStatus{
		TaskID:     t.info.TaskID,
		State:      state.Enum(),
		Source:     mesos.SOURCE_EXECUTOR.Enum(),
		UUID:       id[:],
		Timestamp:  &now,
		ExecutorID: &mesos.ExecutorID{Value: e.cfg.ExecutorID},
	}
	if e.agentID != nil {
		id := *e.agentID
		st.AgentID = &id
	} else if t.info.AgentID.Value != "" {
		id := t.info.AgentID
		st.AgentID = &id
	}
	if state == mesos.TASK_RUNNING {
		st.CheckStatus = t.checkStatus
		if t.checkNote != "" {
			// A Kennel extra: why the check does not pass (see runCheck).
			note := t.checkNote
			st.Message = &note
		}
		if t.healthy != nil {
			h := *t.healthy
			st.Healthy = &h
		}
	} else {
		st.CheckStatus = emptyCheckStatus(t.info.Check)
	}
	return st
}

// enqueueLocked records st as t's latest update, makes it pending
// acknowledgement and wakes the sender. e.mu must be held.
func (e *executor) enqueueLocked(t *task, st mesos.TaskStatus) {
	t.state = st.GetState()
	e.updates.add(&pendingUpdate{taskID: t.id, status: st})
	e.log.Info("status update", "task_id", t.id, "state", st.GetState().String(),
		"message", st.GetMessage(), "reason", reasonString(st.Reason), "healthy", healthString(st.Healthy))
	poke(e.sendWake)
	poke(e.changed)
}

// sendLoop sends every pending update with UPDATE while the executor is
// subscribed, oldest first. A failed UPDATE is retried with backoff during
// the same subscription; a re-subscription resends it inside SUBSCRIBE.
func (e *executor) sendLoop(ctx context.Context) {
	const minRetry = 50 * time.Millisecond
	retry := minRetry
	for {
		e.mu.Lock()
		gen := e.connGen
		var u *pendingUpdate
		if gen != 0 {
			if u = e.updates.firstUnsent(gen); u != nil {
				u.sentGen = gen
			}
		}
		e.mu.Unlock()
		if u == nil {
			select {
			case <-ctx.Done():
				return
			case <-e.sendWake:
			}
			continue
		}
		err := e.client.call(ctx, calls.Update(u.status))
		if err == nil {
			e.mu.Lock()
			u.accepted = true
			e.mu.Unlock()
			poke(e.changed) // the idle wait may start
			retry = minRetry
			continue
		}
		if ctx.Err() != nil {
			return
		}
		e.log.Warn("sending status update failed; will retry", "task_id", u.taskID, "state", u.status.GetState().String(), "error", err)
		e.mu.Lock()
		if u.sentGen == gen {
			u.sentGen = 0
		}
		e.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(retry):
		}
		retry = min(2*retry, e.cfg.SubscriptionBackoffMax)
	}
}

// subscribeCallLocked builds the SUBSCRIBE body: the TaskInfos of tasks with
// no acknowledged update and every unacknowledged update. It returns the
// updates it included so that they can be marked as sent once the agent
// accepted the subscription. e.mu must be held.
func (e *executor) subscribeCallLocked() (*mexec.Call_Subscribe, []*pendingUpdate) {
	sub := &mexec.Call_Subscribe{}
	for _, t := range e.order {
		if !t.acked {
			sub.UnacknowledgedTasks = append(sub.UnacknowledgedTasks, t.info)
		}
	}
	included := append([]*pendingUpdate(nil), e.updates.list...)
	for _, u := range included {
		sub.UnacknowledgedUpdates = append(sub.UnacknowledgedUpdates, mexec.Call_Update{Status: u.status})
	}
	return sub, included
}

// acknowledged handles ACKNOWLEDGED: the update is dropped and never resent.
func (e *executor) acknowledged(ack *mexec.Event_Acknowledged) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := ack.TaskID.Value
	if !e.updates.ack(id, ack.UUID) {
		e.log.Debug("acknowledgement for an unknown update", "task_id", id)
		return
	}
	if t := e.tasks[id]; t != nil {
		t.acked = true
	}
	poke(e.changed)
}

// poke makes a non-blocking send on a notification channel of capacity 1.
func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func reasonString(r *mesos.TaskStatus_Reason) string {
	if r == nil {
		return ""
	}
	return r.String()
}

func healthString(h *bool) string {
	switch {
	case h == nil:
		return ""
	case *h:
		return "true"
	default:
		return "false"
	}
}
