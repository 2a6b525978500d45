package master

import (
	"sync"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/taskstate"
)

// outbox delivers the master's messages to one agent in the order they
// were posted, off the master's lock, as Mesos's one connection to an
// agent would: a KILL never overtakes its LAUNCH, nor an old checkpoint a
// newer one. A goroutine runs only while messages wait.
type outbox struct {
	mu      sync.Mutex
	pending []func()
	running bool
}

func (o *outbox) post(send func()) {
	o.mu.Lock()
	o.pending = append(o.pending, send)
	if o.running {
		o.mu.Unlock()
		return
	}
	o.running = true
	o.mu.Unlock()
	go o.drain()
}

func (o *outbox) drain() {
	for {
		o.mu.Lock()
		if len(o.pending) == 0 {
			o.running = false
			o.mu.Unlock()
			return
		}
		send := o.pending[0]
		o.pending[0] = nil
		o.pending = o.pending[1:]
		o.mu.Unlock()
		send()
	}
}

// launchDone records the fate of a launch message. One the agent never
// received (it was stopped or cut off) drops its tasks: TASK_DROPPED
// (TASK_LOST for frameworks that are not partition aware), their resources
// and a new executor's free again.
func (m *Master) launchDone(frameworkID, agentID, executorID string, taskIDs []string, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := m.frameworks[frameworkID]
	if f == nil {
		return
	}
	if err == nil {
		for _, id := range taskIDs {
			if t := f.tasks[id]; t != nil && t.agentID == agentID {
				t.delivered = true
			}
		}
		return
	}
	state := mesos.TASK_DROPPED
	if !f.partitionAware() {
		state = mesos.TASK_LOST
	}
	for _, id := range taskIDs {
		t := f.tasks[id]
		if t == nil || t.agentID != agentID || t.state != mesos.TASK_STAGING {
			continue
		}
		t.state = state
		m.release(agentID, t.resources)
		m.forward(f, m.masterStatus(t, state, mesos.REASON_AGENT_DISCONNECTED, "The agent did not receive the launch: "+err.Error()))
	}
	m.dropIdleExecutor(f, agentID, executorID)
}

// dropIdleExecutor forgets an executor none of whose tasks is live.
func (m *Master) dropIdleExecutor(f *framework, agentID, executorID string) {
	key := agentID + "/" + executorID
	e := f.executors[key]
	if e == nil {
		return
	}
	for _, t := range f.tasks {
		if t.agentID == agentID && t.executorID == executorID && !taskstate.Terminal(t.state) {
			return
		}
	}
	m.release(agentID, e.resources)
	delete(f.executors, key)
}
