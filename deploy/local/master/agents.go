package master

import (
	"errors"
	"fmt"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"

	"github.com/kennel-sdk/kennel/taskstate"
)

// AgentConn is how the master reaches an agent. Every call may fail while
// the agent is down or partitioned: messages are lost, as in Mesos, and
// nothing is retried by the master.
type AgentConn interface {
	Launch(fw *mesos.FrameworkInfo, task *mesos.TaskInfo) error
	LaunchGroup(fw *mesos.FrameworkInfo, ex *mesos.ExecutorInfo, group *mesos.TaskGroupInfo) error
	Kill(frameworkID, taskID string, policy *mesos.KillPolicy) error
	ShutdownFramework(frameworkID string) error
	Acknowledge(frameworkID, taskID string, uuid []byte) error
	// CheckpointResources makes total the agent's resources, reservations
	// and persistent volumes included; DestroyVolume wipes a volume's data.
	CheckpointResources(total mesos.Resources) error
	DestroyVolume(volume mesos.Resource) error
	// Ping fails unless the agent runs, is reachable and still has id
	// agentID (a rebooted host answers with a new one).
	Ping(agentID string) error
	// Reregister asks an agent the master marked unreachable to register
	// again, as a Mesos agent does when the master's pings stop reaching
	// it and then resume.
	Reregister() error
}

type agentState int

const (
	agentRegistered agentState = iota
	agentUnreachable
	agentGone
	// agentReplaced: a new agent (a rebooted host) registered at its
	// address; the master forgets it.
	agentReplaced
)

// agent is the master's view of an agent.
type agent struct {
	id      string
	info    mesos.AgentInfo
	conn    AgentConn
	total   mesos.Resources // everything the agent has, reservations and volumes included
	used    mesos.Resources // held by live tasks and executors
	offered mesos.Resources // held by outstanding offers
	// free caches total less used, which every allocation needs for every
	// agent (nil: compute it again; forgetFree after changing either).
	free         *mesos.Resources
	state        agentState
	missedPings  int
	reregistered bool // since the last master restart
	unreachable  time.Time
	out          outbox // messages to the agent, in order
}

// Registration is what an agent tells the master when it (re-)registers.
type Registration struct {
	// AgentID is empty for a new agent.
	AgentID    string
	Hostname   string
	Port       int32
	Resources  mesos.Resources // total, with checkpointed reservations and volumes
	Attributes []mesos.Attribute
	Domain     *mesos.DomainInfo
	// Frameworks, Executors and Tasks are what the agent runs.
	Frameworks []mesos.FrameworkInfo
	Executors  []mesos.ExecutorInfo
	Tasks      []mesos.Task
	Conn       AgentConn
}

// ErrAgentGone refuses an agent an operator marked gone: it must shut
// down, as a Mesos agent told so by the master does.
var ErrAgentGone = errors.New("agent has been marked gone")

// Register (re-)registers an agent and returns its id. A returning agent's
// tasks are reported to their frameworks as they are, with
// REASON_AGENT_REREGISTERED. For an agent it knows, the master's view of
// reservations and volumes wins and is sent back to the agent; tasks it
// launched there that the agent does not report are dropped; frameworks
// that were removed are shut down on the agent.
func (m *Master) Register(reg Registration) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := reg.AgentID
	if id == "" {
		id = m.nextID("S")
	}
	a := m.agents[id]
	if a != nil && (a.state == agentGone || a.state == agentReplaced) {
		return "", fmt.Errorf("agent %s: %w", id, ErrAgentGone)
	}
	m.replaceAgentsAt(reg.Hostname, reg.Port, id)
	known := a != nil
	returning := known && a.state == agentUnreachable
	if a == nil {
		a = &agent{id: id}
		m.agents[id] = a
	}
	for oid, o := range m.offers {
		if o.agentID == id {
			m.dropOffer(oid, o)
			m.send(m.frameworks[o.frameworkID], rescind(oid))
		}
	}
	total := cloneResources(reg.Resources)
	if known && a.total != nil && !(containsAll(a.total, total) && containsAll(total, a.total)) {
		total = cloneResources(a.total)
		conn, resend := reg.Conn, cloneResources(total)
		a.out.post(func() { _ = conn.CheckpointResources(resend) })
	}
	port := reg.Port
	a.info = mesos.AgentInfo{Hostname: reg.Hostname, Port: &port, Resources: reg.Resources, Attributes: reg.Attributes, Domain: reg.Domain, ID: &mesos.AgentID{Value: id}}
	a.conn, a.total, a.state, a.missedPings, a.reregistered = reg.Conn, total, agentRegistered, 0, true
	a.forgetFree()
	a.used, a.offered = nil, nil
	a.forgetFree()
	m.adoptFrameworks(reg.Frameworks)
	m.shutdownRemoved(a, reg.Frameworks)
	m.adoptExecutors(a, reg.Executors)
	reported := m.adoptTasks(a, reg.Tasks, returning)
	if known {
		m.dropUnreported(a, reported)
	}
	m.log.Info("agent registered", "agent", id, "hostname", reg.Hostname, "returning", returning)
	m.allocateSoon()
	return id, nil
}

// replaceAgentsAt forgets the agents other than id registered at the same
// address: a host that rebooted registers with a new id, and the tasks of
// its old self are gone.
func (m *Master) replaceAgentsAt(hostname string, port int32, id string) {
	for _, old := range m.agents {
		if old.id == id || old.info.Hostname != hostname || old.info.GetPort() != port ||
			(old.state != agentRegistered && old.state != agentUnreachable) {
			continue
		}
		m.log.Info("a new agent registered at the address of an old one; removing the old one", "old", old.id, "new", id)
		old.state = agentReplaced
		m.removeAgentWork(old, mesos.TASK_GONE, mesos.REASON_AGENT_RESTARTED, "Agent restarted with a new id")
	}
}

// shutdownRemoved tells the agent to kill the tasks of frameworks the
// master removed while the agent was away.
func (m *Master) shutdownRemoved(a *agent, infos []mesos.FrameworkInfo) {
	for _, info := range infos {
		if id := info.GetID().GetValue(); m.removed(id) {
			conn := a.conn
			a.out.post(func() { _ = conn.ShutdownFramework(id) })
		}
	}
}

// dropUnreported settles tasks the master launched on a re-registering
// agent that the agent does not report: delivered launches it lost are
// TASK_DROPPED (TASK_LOST for frameworks that are not partition aware).
func (m *Master) dropUnreported(a *agent, reported map[string]bool) {
	for _, f := range m.frameworks {
		for id, t := range f.tasks {
			if t.agentID != a.id || taskstate.Terminal(t.state) || reported[f.id+"/"+id] || !t.delivered {
				continue
			}
			state := mesos.TASK_DROPPED
			if !f.partitionAware() {
				state = mesos.TASK_LOST
			}
			t.state = state
			m.forward(f, m.masterStatus(t, state, mesos.REASON_TASK_UNKNOWN, "Task is unknown to the agent"))
		}
	}
}

// adoptFrameworks learns frameworks from an agent, as a restarted master
// learns them from re-registering agents.
func (m *Master) adoptFrameworks(infos []mesos.FrameworkInfo) {
	for _, info := range infos {
		id := info.GetID().GetValue()
		if id == "" || m.frameworks[id] != nil || m.removed(id) {
			continue
		}
		role, err := frameworkRole(&info)
		if err != nil {
			continue
		}
		m.frameworks[id] = &framework{id: id, info: info, role: role, filters: map[string]*refusal{}, tasks: map[string]*task{}, executors: map[string]*executor{}}
	}
}

func (m *Master) adoptExecutors(a *agent, infos []mesos.ExecutorInfo) {
	for _, info := range infos {
		f := m.frameworks[info.GetFrameworkID().GetValue()]
		if f == nil {
			continue
		}
		key := a.id + "/" + info.ExecutorID.Value
		res := unallocated(fromFrameworkFormat(f, info.Resources))
		f.executors[key] = &executor{info: info, agentID: a.id, resources: res}
		a.used = plus(a.used, res...)
		a.forgetFree()
	}
}

// adoptTasks learns the tasks an agent reports and returns their keys
// (framework id/task id).
func (m *Master) adoptTasks(a *agent, tasks []mesos.Task, returning bool) map[string]bool {
	reported := map[string]bool{}
	for _, t := range tasks {
		f := m.frameworks[t.FrameworkID.Value]
		if f == nil {
			continue
		}
		reported[f.id+"/"+t.TaskID.Value] = true
		state := t.GetState()
		existing := f.tasks[t.TaskID.Value]
		// The agent reports resources as the framework sent them.
		res := unallocated(fromFrameworkFormat(f, t.Resources))
		tk := &task{info: mesos.TaskInfo{Name: t.Name, TaskID: t.TaskID, AgentID: t.AgentID, Resources: t.Resources},
			agentID: a.id, executorID: t.GetExecutorID().GetValue(), state: state, resources: res}
		if len(t.Statuses) > 0 {
			st := t.Statuses[len(t.Statuses)-1]
			tk.status = &st
		}
		tk.delivered = true
		if existing != nil {
			tk.info, tk.sent, tk.update = existing.info, existing.sent, existing.update
		}
		if tk.executorID == "" {
			tk.executorID = t.TaskID.Value
		}
		f.tasks[t.TaskID.Value] = tk
		if !taskstate.Terminal(state) {
			a.used = plus(a.used, res...)
			a.forgetFree()
		}
		if returning && !taskstate.Terminal(state) {
			m.forward(f, m.masterStatus(tk, state, mesos.REASON_AGENT_REREGISTERED, "Agent reregistered"))
		}
	}
	return reported
}

// pingAgents pings every registered agent; one that misses MaxPingTimeouts
// pings in a row becomes unreachable. An unreachable agent that answers
// again is asked to re-register.
func (m *Master) pingAgents() {
	type target struct {
		a    *agent
		id   string
		conn AgentConn
		lost bool
	}
	m.mu.Lock()
	var targets []target
	for _, a := range m.agents {
		if a.state == agentRegistered || a.state == agentUnreachable {
			targets = append(targets, target{a, a.id, a.conn, a.state == agentUnreachable})
		}
	}
	m.mu.Unlock()
	for _, t := range targets {
		err := t.conn.Ping(t.id)
		if t.lost {
			if err == nil {
				_ = t.conn.Reregister()
			}
			continue
		}
		m.mu.Lock()
		if err == nil {
			t.a.missedPings = 0
		} else if t.a.state == agentRegistered {
			t.a.missedPings++
			if t.a.missedPings >= m.cfg.Timing.MaxPingTimeouts {
				m.markUnreachable(t.a)
			}
		}
		m.mu.Unlock()
	}
}

// markUnreachable removes an agent that stopped answering: its offers are
// rescinded, its tasks reported TASK_UNREACHABLE (TASK_LOST for frameworks
// that are not partition aware) without a uuid, and a FAILURE event names it.
func (m *Master) markUnreachable(a *agent) {
	m.log.Warn("agent unreachable", "agent", a.id)
	a.state, a.unreachable = agentUnreachable, time.Now()
	m.removeAgentWork(a, mesos.TASK_UNREACHABLE, mesos.REASON_AGENT_REMOVED, "Agent is unreachable")
}

// MarkGone records that an operator removed an agent for good: its tasks
// become TASK_GONE_BY_OPERATOR.
func (m *Master) MarkGone(agentID string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.agents[agentID]
	if a == nil {
		return false
	}
	a.state = agentGone
	m.removeAgentWork(a, mesos.TASK_GONE_BY_OPERATOR, mesos.REASON_AGENT_REMOVED_BY_OPERATOR, "Agent marked gone by an operator")
	return true
}

func (m *Master) removeAgentWork(a *agent, state mesos.TaskState, reason mesos.TaskStatus_Reason, msg string) {
	for id, o := range m.offers {
		if o.agentID == a.id {
			m.dropOffer(id, o)
			m.send(m.frameworks[o.frameworkID], rescind(id))
		}
	}
	for _, f := range m.frameworks {
		for _, t := range f.tasks {
			if t.agentID != a.id || taskstate.Terminal(t.state) {
				continue
			}
			s := state
			if !f.partitionAware() {
				s = mesos.TASK_LOST
			}
			st := m.masterStatus(t, s, reason, msg)
			if state == mesos.TASK_UNREACHABLE {
				st.UnreachableTime = &mesos.TimeInfo{Nanoseconds: a.unreachable.UnixNano()}
			}
			t.state = s
			m.forward(f, st)
		}
		for key, e := range f.executors {
			if e.agentID == a.id {
				delete(f.executors, key)
			}
		}
		m.send(f, &scheduler.Event{Type: scheduler.Event_FAILURE, Failure: &scheduler.Event_Failure{AgentID: &mesos.AgentID{Value: a.id}}})
	}
	a.used, a.offered = nil, nil
	a.forgetFree()
}
