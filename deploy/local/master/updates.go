package master

import (
	"bytes"
	"net/http"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"

	"github.com/kennel-sdk/kennel/deploy/local/wire"
	"github.com/kennel-sdk/kennel/taskstate"
)

// StatusUpdate is an update an agent forwards (reliably: it resends until
// acknowledged), with latest, the task's newest state on the agent, which
// may be ahead of the update while earlier ones wait for acknowledgement.
// The master records the latest state, frees the task's resources once it
// is terminal, and forwards the update to the framework if it is connected.
func (m *Master) StatusUpdate(agentID, frameworkID string, status mesos.TaskStatus, latest mesos.TaskState) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.agents[agentID]
	f := m.frameworks[frameworkID]
	if a == nil || a.state != agentRegistered || f == nil {
		return
	}
	t := f.tasks[status.TaskID.Value]
	if t != nil && !taskstate.Terminal(t.state) {
		t.state, t.status = latest, &status
		if taskstate.Terminal(latest) {
			m.release(agentID, t.resources)
		}
	} else if t != nil && t.status == nil {
		t.status = &status
	}
	if t != nil {
		t.update = &status
	}
	m.forward(f, &status)
}

// forward sends an update to the framework and remembers it as the last
// state sent (implicit reconciliation reports that one).
func (m *Master) forward(f *framework, status *mesos.TaskStatus) {
	if t := f.tasks[status.TaskID.Value]; t != nil {
		t.sent = status
	}
	m.send(f, &scheduler.Event{Type: scheduler.Event_UPDATE, Update: &scheduler.Event_Update{Status: *status}})
}

// ExecutorExited is reported by an agent when an executor process ended:
// the framework gets a FAILURE event with its exit status, and its
// resources are free.
func (m *Master) ExecutorExited(agentID, frameworkID, executorID string, status int32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := m.frameworks[frameworkID]
	if f == nil {
		return
	}
	key := agentID + "/" + executorID
	if e := f.executors[key]; e != nil {
		m.release(agentID, e.resources)
		delete(f.executors, key)
	}
	m.send(f, &scheduler.Event{Type: scheduler.Event_FAILURE, Failure: &scheduler.Event_Failure{
		AgentID: &mesos.AgentID{Value: agentID}, ExecutorID: &mesos.ExecutorID{Value: executorID}, Status: &status,
	}})
}

// acknowledge forwards an acknowledgement to the agent; a task whose
// terminal update is acknowledged is forgotten. As in Mesos
// (Master::acknowledge), it is the acknowledged update that must be
// terminal, not the task's latest state: a task that finished while an
// earlier update of it waits for acknowledgement stays known, and
// reconciled with that update's state, until its terminal update is
// acknowledged too.
func (m *Master) acknowledge(f *framework, ack *scheduler.Call_Acknowledge) error {
	if ack == nil {
		return missing("acknowledge")
	}
	if len(ack.UUID) != 16 {
		return wire.Errorf(http.StatusBadRequest, "Failed to validate scheduler::Call: 'uuid' must be a 16-byte UUID")
	}
	if ack.AgentID.Value == "" {
		return wire.Errorf(http.StatusBadRequest, "Failed to validate scheduler::Call: Expecting 'agent_id' to be present")
	}
	a := m.agents[ack.AgentID.Value]
	if a == nil || a.state != agentRegistered {
		return nil // dropped: the agent will resend when it is back
	}
	if t := f.tasks[ack.TaskID.Value]; t != nil && t.update != nil && taskstate.Terminal(t.update.GetState()) && bytes.Equal(t.update.UUID, ack.UUID) {
		f.complete(ack.TaskID.Value)
	}
	conn, fid, tid, uuid := a.conn, f.id, ack.TaskID.Value, append([]byte(nil), ack.UUID...)
	a.out.post(func() { _ = conn.Acknowledge(fid, tid, uuid) })
	return nil
}

// kill forwards a KILL to the agent running the task. An unknown task is
// reconciled instead, as Mesos does.
func (m *Master) kill(f *framework, k *scheduler.Call_Kill) {
	t := f.tasks[k.TaskID.Value]
	if t == nil || taskstate.Terminal(t.state) {
		m.reconcile(f, []scheduler.Call_Reconcile_Task{{TaskID: k.TaskID, AgentID: k.AgentID}})
		return
	}
	a := m.agents[t.agentID]
	if a == nil || a.state != agentRegistered {
		return
	}
	conn, fid, tid, policy := a.conn, f.id, t.info.TaskID.Value, k.KillPolicy
	a.out.post(func() { _ = conn.Kill(fid, tid, policy) })
}

// shutdownExecutor kills every task of an executor.
func (m *Master) shutdownExecutor(f *framework, s *scheduler.Call_Shutdown) {
	for _, t := range f.tasks {
		if t.agentID == s.AgentID.Value && t.executorID == s.ExecutorID.Value && !taskstate.Terminal(t.state) {
			m.kill(f, &scheduler.Call_Kill{TaskID: t.info.TaskID})
		}
	}
}

// reconcile answers RECONCILE: with no tasks, the latest state sent for
// every live task; with tasks, Mesos's decision table for each. Answers
// come from the master: no uuid, REASON_RECONCILIATION.
func (m *Master) reconcile(f *framework, tasks []scheduler.Call_Reconcile_Task) {
	if len(tasks) == 0 {
		for _, t := range f.tasks {
			if !taskstate.Terminal(t.state) {
				m.send(f, reconciled(m.latest(t)))
			}
		}
		return
	}
	for _, rt := range tasks {
		if t := f.tasks[rt.TaskID.Value]; t != nil {
			m.send(f, reconciled(m.latest(t)))
			continue
		}
		state := mesos.TASK_UNKNOWN
		agentID := rt.GetAgentID().GetValue()
		if a := m.agents[agentID]; a != nil {
			switch a.state {
			case agentRegistered:
				state = mesos.TASK_GONE
			case agentUnreachable:
				state = mesos.TASK_UNREACHABLE
			case agentGone:
				state = mesos.TASK_GONE_BY_OPERATOR
			}
		}
		if !f.partitionAware() {
			state = mesos.TASK_LOST
		}
		st := masterUpdate(rt.TaskID, agentID, state, mesos.REASON_RECONCILIATION, "Reconciliation: Task is unknown")
		m.send(f, reconciled(st))
	}
}

// latest is the status to reconcile a known task with: the last one sent
// to the framework, else its current state. As in Mesos (the task's
// status_update_state), a state the agent has not forwarded yet is not
// told: a reconciliation answer never runs ahead of the reliable updates
// still to come, which arrive in order after it.
func (m *Master) latest(t *task) *mesos.TaskStatus {
	if t.sent != nil {
		return t.sent
	}
	return m.masterStatus(t, t.state, mesos.REASON_RECONCILIATION, "")
}

func reconciled(st *mesos.TaskStatus) *scheduler.Event {
	c := proto.Clone(st).(*mesos.TaskStatus)
	c.UUID, c.Data = nil, nil
	src, reason, msg := mesos.SOURCE_MASTER, mesos.REASON_RECONCILIATION, "Reconciliation: Latest task state"
	if c.GetMessage() == "Reconciliation: Task is unknown" {
		msg = c.GetMessage()
	}
	c.Source, c.Reason, c.Message = &src, &reason, &msg
	return &scheduler.Event{Type: scheduler.Event_UPDATE, Update: &scheduler.Event_Update{Status: *c}}
}

// masterStatus is an update the master generates for a known task.
func (m *Master) masterStatus(t *task, state mesos.TaskState, reason mesos.TaskStatus_Reason, msg string) *mesos.TaskStatus {
	st := masterUpdate(t.info.TaskID, t.agentID, state, reason, msg)
	if t.executorID != "" && t.executorID != t.info.TaskID.Value {
		st.ExecutorID = &mesos.ExecutorID{Value: t.executorID}
	}
	if t.status != nil {
		st.Healthy, st.CheckStatus = t.status.Healthy, t.status.CheckStatus
	}
	return st
}

// masterUpdate is a master-generated, unreliable update (no uuid).
func masterUpdate(taskID mesos.TaskID, agentID string, state mesos.TaskState, reason mesos.TaskStatus_Reason, msg string) *mesos.TaskStatus {
	src := mesos.SOURCE_MASTER
	now := float64(time.Now().UnixNano()) / 1e9
	st := &mesos.TaskStatus{TaskID: taskID, State: &state, Source: &src, Reason: &reason, Timestamp: &now}
	if msg != "" {
		st.Message = &msg
	}
	if agentID != "" {
		st.AgentID = &mesos.AgentID{Value: agentID}
	}
	return st
}
