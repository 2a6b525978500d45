package local

import (
	"errors"
	"sync"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/deploy/local/agent"
	"github.com/kennel-sdk/kennel/deploy/local/master"
)

// errPartitioned is what either side sees while a link is cut.
var errPartitioned = errors.New("network partition between agent and master")

// link is the network between the master and one agent. It carries calls
// both ways (it is the master's AgentConn and the agent's Master) and can
// be cut: while partitioned every call fails, as lost messages would.
type link struct {
	master *master.Master
	agent  *agent.Agent // set once, before the agent starts

	mu          sync.Mutex
	partitioned bool
}

func (l *link) cut() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.partitioned
}

func (l *link) setPartitioned(p bool) {
	l.mu.Lock()
	l.partitioned = p
	l.mu.Unlock()
}

// The agent's side: calls to the master.

func (l *link) Register(reg master.Registration) (string, error) {
	if l.cut() {
		return "", errPartitioned
	}
	reg.Conn = l
	return l.master.Register(reg)
}

func (l *link) StatusUpdate(agentID, frameworkID string, status mesos.TaskStatus, latest mesos.TaskState) error {
	if l.cut() {
		return errPartitioned
	}
	l.master.StatusUpdate(agentID, frameworkID, status, latest)
	return nil
}

func (l *link) ExecutorExited(agentID, frameworkID, executorID string, status int32) error {
	if l.cut() {
		return errPartitioned
	}
	l.master.ExecutorExited(agentID, frameworkID, executorID, status)
	return nil
}

// The master's side: calls to the agent.

func (l *link) Launch(fw *mesos.FrameworkInfo, task *mesos.TaskInfo) error {
	if l.cut() {
		return errPartitioned
	}
	return l.agent.Launch(fw, task)
}

func (l *link) LaunchGroup(fw *mesos.FrameworkInfo, ex *mesos.ExecutorInfo, group *mesos.TaskGroupInfo) error {
	if l.cut() {
		return errPartitioned
	}
	return l.agent.LaunchGroup(fw, ex, group)
}

func (l *link) Kill(frameworkID, taskID string, policy *mesos.KillPolicy) error {
	if l.cut() {
		return errPartitioned
	}
	return l.agent.Kill(frameworkID, taskID, policy)
}

func (l *link) ShutdownFramework(frameworkID string) error {
	if l.cut() {
		return errPartitioned
	}
	return l.agent.ShutdownFramework(frameworkID)
}

func (l *link) Acknowledge(frameworkID, taskID string, uuid []byte) error {
	if l.cut() {
		return errPartitioned
	}
	return l.agent.Acknowledge(frameworkID, taskID, uuid)
}

func (l *link) CheckpointResources(total mesos.Resources) error {
	if l.cut() {
		return errPartitioned
	}
	return l.agent.CheckpointResources(total)
}

func (l *link) DestroyVolume(volume mesos.Resource) error {
	if l.cut() {
		return errPartitioned
	}
	return l.agent.DestroyVolume(volume)
}

func (l *link) Ping(agentID string) error {
	if l.cut() {
		return errPartitioned
	}
	return l.agent.Ping(agentID)
}

func (l *link) Reregister() error {
	if l.cut() {
		return errPartitioned
	}
	return l.agent.Reregister()
}
