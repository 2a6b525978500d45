package agent

import (
	"net/http"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	execproto "github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/kennel-sdk/kennel/deploy/local/wire"
)

// serveExecutor is POST /api/v1/executor, with the status codes of a Mesos
// agent: 400 for a call without framework or executor id or naming an
// unknown one, 403 for a call before SUBSCRIBE, 202 for accepted calls.
func (a *Agent) serveExecutor(w http.ResponseWriter, r *http.Request) {
	var call execproto.Call
	mt, err := wire.DecodeCall(r, &call)
	if err != nil {
		wire.WriteError(w, err)
		return
	}
	fid, eid := call.FrameworkID.Value, call.ExecutorID.Value
	if fid == "" || eid == "" {
		wire.WriteError(w, wire.Errorf(http.StatusBadRequest, "Expecting 'framework_id' and 'executor_id' to be present"))
		return
	}
	a.mu.Lock()
	e := a.executors[fid+"/"+eid]
	if e == nil || e.exited {
		a.mu.Unlock()
		wire.WriteError(w, wire.Errorf(http.StatusBadRequest, "Executor %s of framework %s is unknown", eid, fid))
		return
	}
	if call.Type == execproto.Call_SUBSCRIBE {
		a.mu.Unlock()
		out, err := wire.Accept(r, mt)
		if err != nil {
			wire.WriteError(w, err)
			return
		}
		a.subscribeExecutor(w, r, e, call.GetSubscribe(), out)
		return
	}
	defer a.mu.Unlock()
	if e.sub == nil {
		wire.WriteError(w, wire.Errorf(http.StatusForbidden, "Executor is not subscribed"))
		return
	}
	switch call.Type {
	case execproto.Call_UPDATE:
		if err := a.executorUpdate(e, call.GetUpdate()); err != nil {
			wire.WriteError(w, err)
			return
		}
	case execproto.Call_MESSAGE, execproto.Call_HEARTBEAT:
	default:
		wire.WriteError(w, wire.Errorf(http.StatusBadRequest, "Unsupported call type %s", call.Type))
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// subscribeExecutor opens the executor's event stream: SUBSCRIBED first,
// then the events that waited for it. Updates the executor resends are
// queued unless already known.
func (a *Agent) subscribeExecutor(w http.ResponseWriter, r *http.Request, e *executorState, sub *execproto.Call_Subscribe, mt string) {
	stream, err := wire.OpenStream(w, mt, nil)
	if err != nil {
		return
	}
	a.mu.Lock()
	if e.sub != nil {
		e.sub.Close()
	}
	e.sub = stream
	if e.timer != nil {
		e.timer.Stop()
	}
	fw := a.frameworks[e.frameworkID]
	agentID := mesos.AgentID{Value: a.id}
	port := int32(a.cfg.Port)
	ev := &execproto.Event{Type: execproto.Event_SUBSCRIBED, Subscribed: &execproto.Event_Subscribed{
		ExecutorInfo: e.info, FrameworkInfo: *fw, ContainerID: &mesos.ContainerID{Value: e.containerID},
		AgentInfo: mesos.AgentInfo{ID: &agentID, Hostname: a.cfg.Hostname, Port: &port, Resources: a.total, Attributes: a.cfg.Attributes},
	}}
	if err := stream.Send(ev); err != nil {
		e.sub = nil
		a.mu.Unlock()
		stream.Finish()
		return
	}
	for _, u := range sub.GetUnacknowledgedUpdates() {
		if t := e.tasks[u.Status.TaskID.Value]; t != nil {
			a.enqueue(e, t, u.Status)
		}
	}
	pending := e.pending
	e.pending = nil
	a.markExecutor(e)
	for _, p := range pending {
		a.deliver(e, p)
	}
	a.log.Info("executor subscribed", "executor", e.info.ExecutorID.Value)
	a.mu.Unlock()
	defer stream.Finish()
	select {
	case <-stream.Done():
	case <-r.Context().Done():
		a.mu.Lock()
		if e.sub == stream {
			e.sub = nil
		}
		a.mu.Unlock()
	}
}

// executorUpdate validates and queues an update from an executor.
func (a *Agent) executorUpdate(e *executorState, u *execproto.Call_Update) error {
	if u == nil {
		return wire.Errorf(http.StatusBadRequest, "Expecting 'update' to be present")
	}
	st := u.Status
	switch {
	case st.GetSource() != mesos.SOURCE_EXECUTOR:
		return wire.Errorf(http.StatusBadRequest, "Received Call from executor with invalid source")
	case len(st.UUID) != 16:
		return wire.Errorf(http.StatusBadRequest, "Expecting 'uuid' to be a 16-byte UUID")
	case st.GetState() == mesos.TASK_STAGING:
		return wire.Errorf(http.StatusBadRequest, "Received TASK_STAGING from executor")
	case st.ExecutorID != nil && st.ExecutorID.Value != e.info.ExecutorID.Value:
		return wire.Errorf(http.StatusBadRequest, "ExecutorID in Call does not match the update's")
	}
	t := e.tasks[st.TaskID.Value]
	if t == nil {
		return wire.Errorf(http.StatusBadRequest, "Task %s is unknown", st.TaskID.Value)
	}
	a.enqueue(e, t, st)
	return nil
}
