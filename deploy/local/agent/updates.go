package agent

import (
	"bytes"
	"time"

	"github.com/google/uuid"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	execproto "github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/kennel-sdk/kennel/taskstate"
)

// taskState is a task the agent runs and its status update queue.
type taskState struct {
	info  mesos.TaskInfo
	state mesos.TaskState
	// queue holds the updates not yet acknowledged, in order; the first
	// is in flight: resent to the master, with a growing delay, until the
	// framework acknowledges it.
	queue []mesos.TaskStatus
	// latest is the latest status, acknowledged or not.
	latest *mesos.TaskStatus
	retry  *time.Timer
	delay  time.Duration
	// saved: the task has its directory in the checkpoint; unsaved are
	// its task.updates records not yet written.
	saved   bool
	unsaved [][]byte
}

// task describes t for the master.
func (t *taskState) task(agentID string, e *executorState) mesos.Task {
	state := t.state
	tk := mesos.Task{Name: t.info.Name, TaskID: t.info.TaskID, FrameworkID: mesos.FrameworkID{Value: e.frameworkID},
		AgentID: mesos.AgentID{Value: agentID}, State: &state, Resources: t.info.Resources}
	if !e.command {
		tk.ExecutorID = &mesos.ExecutorID{Value: e.info.ExecutorID.Value}
	}
	if t.latest != nil {
		tk.Statuses = []mesos.TaskStatus{*t.latest}
	}
	return tk
}

// enqueue records an update for t and sends it if the queue was empty.
func (a *Agent) enqueue(e *executorState, t *taskState, st mesos.TaskStatus) {
	for _, q := range t.queue {
		if bytes.Equal(q.UUID, st.UUID) {
			return // a duplicate (an executor resending after re-subscribing)
		}
	}
	st.AgentID = &mesos.AgentID{Value: a.id}
	t.state, t.latest = st.GetState(), &st
	t.queue = append(t.queue, st)
	a.recordUpdate(e, t, &st)
	_ = a.checkpoint()
	if len(t.queue) == 1 {
		t.delay = a.cfg.Timing.StatusUpdateRetryMin
		a.sendFront(e, t)
	}
}

// sendFront sends the update in flight to the master and schedules its
// resend.
func (a *Agent) sendFront(e *executorState, t *taskState) {
	if len(t.queue) == 0 || !a.running {
		return
	}
	st, id, latest := t.queue[0], a.id, t.state
	if t.retry != nil {
		t.retry.Stop()
	}
	delay := t.delay
	t.retry = time.AfterFunc(delay, func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if len(t.queue) > 0 && bytes.Equal(t.queue[0].UUID, st.UUID) {
			t.delay = min(2*t.delay, a.cfg.Timing.StatusUpdateRetryMax)
			a.sendFront(e, t)
		}
	})
	a.spawnLocked(func() { _ = a.master.StatusUpdate(id, e.frameworkID, st, latest) })
}

// resendAll sends every queue's front again, after a (re-)registration.
func (a *Agent) resendAll() {
	for _, e := range a.executors {
		for _, t := range e.tasks {
			if len(t.queue) > 0 {
				t.delay = a.cfg.Timing.StatusUpdateRetryMin
				a.sendFront(e, t)
			}
		}
	}
}

// Acknowledge is the framework's acknowledgement, through the master: the
// update in flight leaves the queue, the executor is told, and the next
// update goes out.
func (a *Agent) Acknowledge(frameworkID, taskID string, uuid []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.running {
		return errStopped
	}
	e, t := a.findTask(frameworkID, taskID)
	if t == nil || len(t.queue) == 0 || !bytes.Equal(t.queue[0].UUID, uuid) {
		return nil // stale or duplicate acknowledgement
	}
	acked := t.queue[0]
	t.queue = t.queue[1:]
	a.recordAck(e, t, uuid)
	if t.retry != nil {
		t.retry.Stop()
	}
	if acked.GetSource() == mesos.SOURCE_EXECUTOR {
		a.deliver(e, &execproto.Event{Type: execproto.Event_ACKNOWLEDGED, Acknowledged: &execproto.Event_Acknowledged{TaskID: t.info.TaskID, UUID: uuid}})
	}
	if len(t.queue) > 0 {
		t.delay = a.cfg.Timing.StatusUpdateRetryMin
		a.sendFront(e, t)
	} else if taskstate.Terminal(t.state) {
		delete(e.tasks, taskID)
		a.forgetTask(e, taskID)
		a.collect(e)
	}
	_ = a.checkpoint()
	return nil
}

// collect forgets an executor that has exited and whose updates are all
// acknowledged.
func (a *Agent) collect(e *executorState) {
	if e.exited && len(e.tasks) == 0 {
		delete(a.executors, e.key())
		a.forgetExecutor(e)
	}
}

// agentUpdate queues an update the agent generates itself (reliable, with
// a uuid, source AGENT).
func (a *Agent) agentUpdate(e *executorState, t *taskState, state mesos.TaskState, reason mesos.TaskStatus_Reason, msg string) {
	src := mesos.SOURCE_AGENT
	now := float64(time.Now().UnixNano()) / 1e9
	id := uuid.New()
	st := mesos.TaskStatus{TaskID: t.info.TaskID, State: &state, Source: &src, Reason: &reason, Message: &msg,
		Timestamp: &now, UUID: id[:]}
	if !e.command {
		st.ExecutorID = &mesos.ExecutorID{Value: e.info.ExecutorID.Value}
	}
	a.enqueue(e, t, st)
}

func (a *Agent) findTask(frameworkID, taskID string) (*executorState, *taskState) {
	for _, e := range a.executors {
		if e.frameworkID != frameworkID {
			continue
		}
		if t := e.tasks[taskID]; t != nil {
			return e, t
		}
	}
	return nil, nil
}
