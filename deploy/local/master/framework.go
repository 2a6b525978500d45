package master

import (
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"

	"github.com/kennel-sdk/kennel/deploy/local/wire"
	"github.com/kennel-sdk/kennel/taskstate"
)

// framework is a registered framework and what it owns.
type framework struct {
	id       string
	info     mesos.FrameworkInfo
	role     string
	sub      *subscriber // nil while disconnected
	streamID string
	// stalled stops events without closing the stream (fault injection).
	stalled       bool
	failoverTimer *time.Timer
	suppressed    bool
	filters       map[string]*refusal // by agent id
	tasks         map[string]*task
	executors     map[string]*executor // by agent id + "/" + executor id
	// completed are the tasks whose terminal update was acknowledged,
	// oldest first, at most maxCompletedTasks (Mesos's
	// --max_completed_tasks_per_framework): /master/state's completed_tasks.
	completed []TaskState
}

// maxCompletedTasks is Mesos's default --max_completed_tasks_per_framework.
const maxCompletedTasks = 1000

// complete moves the task id, acknowledged in a terminal state, from the
// framework's tasks to its completed ones.
func (f *framework) complete(id string) {
	t := f.tasks[id]
	delete(f.tasks, id)
	f.completed = append(f.completed, t.stateOf(f.id, id))
	if n := len(f.completed) - maxCompletedTasks; n > 0 {
		f.completed = append(f.completed[:0:0], f.completed[n:]...)
	}
}

// task is a task the master knows: launched, not yet forgotten.
type task struct {
	info       mesos.TaskInfo
	agentID    string
	executorID string // the executor running it (the task id for command tasks)
	state      mesos.TaskState
	status     *mesos.TaskStatus // the latest status from the agent
	// update is the latest reliable update the agent forwarded (Mesos's
	// status_update_state and status_update_uuid): the front of the
	// agent's queue, which may be behind state. Only an acknowledgement
	// of a terminal one removes the task.
	update    *mesos.TaskStatus
	sent      *mesos.TaskStatus // the latest status sent to the framework
	resources mesos.Resources
	delivered bool // the agent received the launch
}

// executor is a running executor and the resources it holds.
type executor struct {
	info      mesos.ExecutorInfo
	agentID   string
	resources mesos.Resources
}

// refusal is a decline filter: resources of one agent the framework does
// not want again before until, unless more become available.
type refusal struct {
	resources mesos.Resources
	until     time.Time
}

func (f *framework) capable(c mesos.FrameworkInfo_Capability_Type) bool {
	for _, cap := range f.info.Capabilities {
		if cap.Type == c {
			return true
		}
	}
	return false
}

func (f *framework) partitionAware() bool {
	return f.capable(mesos.FrameworkInfo_Capability_PARTITION_AWARE)
}

func (f *framework) refinement() bool {
	return f.capable(mesos.FrameworkInfo_Capability_RESERVATION_REFINEMENT)
}

// subscriber writes a framework's events to its stream from its own
// goroutine, so that a slow framework never blocks the master.
type subscriber struct {
	stream *wire.Stream
	events *eventQueue
}

// newSubscriber starts the goroutine that writes f's queued events to its
// stream; when the queue is closed it writes what is left, then ends the
// stream.
func (m *Master) newSubscriber(f *framework, stream *wire.Stream) *subscriber {
	s := &subscriber{stream: stream, events: newEventQueue()}
	go func() {
		defer stream.Close()
		for evs := s.events.take(); evs != nil; evs = s.events.take() {
			for _, ev := range evs {
				if err := stream.Send(ev); err != nil {
					s.events.breakOff()
					m.mu.Lock()
					if f.sub == s {
						m.log.Info("framework stream broke", "framework", f.id, "err", err)
						m.disconnect(f)
					}
					m.mu.Unlock()
					return
				}
			}
		}
	}()
	return s
}

// send queues an event for the framework. Call with m.mu held.
func (m *Master) send(f *framework, ev *scheduler.Event) {
	if f.sub == nil || f.stalled {
		return
	}
	if !f.sub.events.push(ev) {
		m.log.Warn("framework too slow to read its events; disconnecting it", "framework", f.id, "queued", maxQueuedEvents)
		f.sub.events.breakOff()
		f.sub.stream.Close() // its queued events are dropped
		m.disconnect(f)
	}
}

// closeStream ends the subscription: queued events are still written (each
// within wire.SendTimeout), then the response ends. It never blocks.
func (f *framework) closeStream() {
	if f.sub != nil {
		f.sub.events.close()
		f.sub = nil
	}
}

// disconnect marks f disconnected and starts its failover timer.
func (m *Master) disconnect(f *framework) {
	if f.sub == nil {
		return
	}
	f.closeStream()
	f.streamID = ""
	for id, o := range m.offers {
		if o.frameworkID == f.id {
			m.dropOffer(id, o)
		}
	}
	timeout := time.Duration(f.info.GetFailoverTimeout() * float64(time.Second))
	m.log.Info("framework disconnected", "framework", f.id, "failover_timeout", timeout)
	fid := f.id
	f.failoverTimer = time.AfterFunc(timeout, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if f := m.frameworks[fid]; f != nil && f.sub == nil && !m.stopped {
			m.log.Info("framework failover timeout expired; removing it", "framework", fid)
			m.removeFramework(f)
		}
	})
}

// subscribe handles SUBSCRIBE: it registers or re-registers the framework
// and turns the response into its event stream until it ends.
func (m *Master) subscribe(w http.ResponseWriter, r *http.Request, call *scheduler.Call, mt string) {
	if r.Header.Get("Mesos-Stream-Id") != "" {
		wire.WriteError(w, wire.Errorf(http.StatusBadRequest, "Expecting 'Mesos-Stream-Id' to be absent on SUBSCRIBE"))
		return
	}
	sub := call.GetSubscribe()
	if sub == nil || sub.FrameworkInfo == nil {
		wire.WriteError(w, wire.Errorf(http.StatusBadRequest, "Failed to validate scheduler::Call: Expecting 'subscribe' to be present"))
		return
	}
	info := *sub.FrameworkInfo
	if id := info.GetID().GetValue(); id != call.GetFrameworkID().GetValue() {
		wire.WriteError(w, wire.Errorf(http.StatusBadRequest, "Failed to validate scheduler::Call: 'framework_id' differs from 'subscribe.framework_info.id'"))
		return
	}
	role, err := frameworkRole(&info)
	if err != nil {
		wire.WriteError(w, wire.Errorf(http.StatusBadRequest, "Failed to validate scheduler::Call: %v", err))
		return
	}
	streamID := uuid.NewString()
	stream, err := wire.OpenStream(w, mt, map[string]string{"Mesos-Stream-Id": streamID})
	if err != nil {
		return
	}
	m.mu.Lock()
	f, errMsg := m.register(info, role, sub.SuppressedRoles)
	if errMsg != "" {
		m.mu.Unlock()
		_ = stream.Send(&scheduler.Event{Type: scheduler.Event_ERROR, Error: &scheduler.Event_Error{Message: errMsg}})
		return
	}
	if f.sub != nil {
		m.send(f, &scheduler.Event{Type: scheduler.Event_ERROR, Error: &scheduler.Event_Error{Message: "Framework failed over"}})
		f.closeStream()
	}
	if f.failoverTimer != nil {
		f.failoverTimer.Stop()
		f.failoverTimer = nil
	}
	for id, o := range m.offers {
		if o.frameworkID == f.id {
			m.dropOffer(id, o)
		}
	}
	f.sub, f.streamID, f.stalled = m.newSubscriber(f, stream), streamID, false
	heartbeat := m.cfg.Timing.Heartbeat.Seconds()
	m.send(f, &scheduler.Event{Type: scheduler.Event_SUBSCRIBED, Subscribed: &scheduler.Event_Subscribed{
		FrameworkID: &mesos.FrameworkID{Value: f.id}, HeartbeatIntervalSeconds: &heartbeat, MasterInfo: m.masterInfo(),
	}})
	m.log.Info("framework subscribed", "framework", f.id, "name", f.info.Name, "role", f.role)
	m.mu.Unlock()
	m.allocateSoon()
	defer stream.Finish()
	select {
	case <-stream.Done():
	case <-r.Context().Done():
		m.mu.Lock()
		if f.sub != nil && f.sub.stream == stream {
			m.disconnect(f)
		}
		m.mu.Unlock()
	}
}

// register finds or creates the framework; it returns an error message for
// an ERROR event when the framework may not subscribe.
func (m *Master) register(info mesos.FrameworkInfo, role string, suppressed []string) (*framework, string) {
	id := info.GetID().GetValue()
	if id == "" {
		id = m.nextID("F")
		info.ID = &mesos.FrameworkID{Value: id}
	} else if m.frameworks[id] == nil {
		// Unknown id: a framework removed after its failover timeout, or one
		// this master learns of from agents after a restart, may come back.
		if m.removed(id) {
			return nil, "Framework has been removed"
		}
	}
	f := m.frameworks[id]
	if f == nil {
		f = &framework{id: id, filters: map[string]*refusal{}, tasks: map[string]*task{}, executors: map[string]*executor{}}
		m.frameworks[id] = f
	}
	f.info, f.role = info, role
	f.suppressed = len(suppressed) > 0
	return f, ""
}

// frameworkRole is the one role a framework uses: roles[0] with
// MULTI_ROLE, else role (default "*").
func frameworkRole(info *mesos.FrameworkInfo) (string, error) {
	for _, c := range info.Capabilities {
		if c.Type == mesos.FrameworkInfo_Capability_MULTI_ROLE {
			switch len(info.Roles) {
			case 0:
				return "*", nil
			case 1:
				return info.Roles[0], nil
			}
			return "", fmt.Errorf("the local cluster supports frameworks with one role; got %v", info.Roles)
		}
	}
	if len(info.Roles) > 0 {
		return "", fmt.Errorf("'roles' requires the MULTI_ROLE capability")
	}
	return info.GetRole(), nil
}

// removeFramework kills the framework's tasks, shuts down its executors
// and forgets it. Reservations and volumes stay with the role.
func (m *Master) removeFramework(f *framework) {
	for id, o := range m.offers {
		if o.frameworkID == f.id {
			m.dropOffer(id, o)
		}
	}
	for _, a := range m.agents {
		if a.state == agentRegistered {
			conn, id := a.conn, f.id
			a.out.post(func() { _ = conn.ShutdownFramework(id) })
		}
	}
	for _, t := range f.tasks {
		if !taskstate.Terminal(t.state) { // terminal tasks released theirs already
			m.release(t.agentID, t.resources)
		}
	}
	for _, e := range f.executors {
		m.release(e.agentID, e.resources)
	}
	f.closeStream()
	delete(m.frameworks, f.id)
	m.removedIDs = append(m.removedIDs, f.id)
}

func (m *Master) removed(id string) bool {
	for _, r := range m.removedIDs {
		if r == id {
			return true
		}
	}
	return false
}

// heartbeat sends HEARTBEAT to every subscribed framework.
func (m *Master) heartbeat() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, f := range m.frameworks {
		m.send(f, &scheduler.Event{Type: scheduler.Event_HEARTBEAT})
	}
}

// Stall stops (or resumes) events to a framework without closing its
// stream, to test heartbeat watchdogs.
func (m *Master) Stall(frameworkID string, stalled bool) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := m.frameworks[frameworkID]
	if f == nil {
		return false
	}
	f.stalled = stalled
	return true
}
