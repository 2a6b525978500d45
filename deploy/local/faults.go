package local

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kennel-sdk/kennel/deploy/local/agent"
)

// AgentAction is a fault or repair an operator applies to one agent.
type AgentAction string

// Agent actions. Stop and Start model the agent daemon stopping and
// starting (executors and tasks keep running and reconnect); Restart is
// both. Partition cuts the agent off from the master (both keep running;
// after the master's ping timeout the agent is unreachable and its tasks
// TASK_UNREACHABLE); Heal reconnects it. Destroy loses the host: the agent
// and all its processes die, and when started again it registers as a new
// agent, with its reservations and volumes. Gone tells the master an
// operator removed the agent for good: its tasks become
// TASK_GONE_BY_OPERATOR, it shuts down, and the master refuses it if it
// starts again.
const (
	ActionStop      AgentAction = "stop"
	ActionStart     AgentAction = "start"
	ActionRestart   AgentAction = "restart"
	ActionPartition AgentAction = "partition"
	ActionHeal      AgentAction = "heal"
	ActionDestroy   AgentAction = "destroy"
	ActionGone      AgentAction = "gone"
)

// ErrUnknownAction is returned for an action not listed above.
var ErrUnknownAction = errors.New("unknown agent action")

// ErrNotRegistered is returned for an action that needs the agent's Mesos
// id before the agent has one.
var ErrNotRegistered = errors.New("agent has not registered yet")

// AgentInfo is an agent as the cluster runs it.
type AgentInfo struct {
	Name        string `json:"name"`
	ID          string `json:"id"`
	Hostname    string `json:"hostname"`
	Endpoint    string `json:"endpoint"`
	Up          bool   `json:"up"`
	Partitioned bool   `json:"partitioned"`
	Zone        string `json:"zone,omitempty"`
}

// Agents lists the agents in config order.
func (c *Cluster) Agents() []AgentInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]AgentInfo, 0, len(c.agents))
	for _, n := range c.agents {
		out = append(out, AgentInfo{Name: n.cfg.Name, ID: n.agent.ID(), Hostname: n.agent.Hostname(),
			Endpoint: n.agent.Endpoint(), Up: n.up, Partitioned: n.link.cut(), Zone: n.cfg.Zone})
	}
	return out
}

// Agent applies an action to the named agent. Actions are idempotent:
// stopping a stopped agent does nothing.
func (c *Cluster) Agent(name string, action AgentAction) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.node(name)
	if err != nil {
		return err
	}
	c.log.Info("fault injection", "agent", name, "action", string(action))
	switch action {
	case ActionStop:
		n.agent.Stop()
		n.up = false
	case ActionStart:
		if err := n.agent.Start(); err != nil {
			return err
		}
		n.up = true
	case ActionRestart:
		n.agent.Stop()
		n.up = false
		if err := n.agent.Start(); err != nil {
			return err
		}
		n.up = true
	case ActionPartition:
		n.link.setPartitioned(true)
	case ActionHeal:
		n.link.setPartitioned(false)
	case ActionDestroy:
		n.agent.Destroy()
		n.up = false
	case ActionGone:
		id := n.agent.ID()
		if id == "" {
			return fmt.Errorf("agent %s: %w", name, ErrNotRegistered)
		}
		c.master.MarkGone(id)
		n.agent.Shutdown()
		n.up = false
	default:
		return fmt.Errorf("%w %q (want stop, start, restart, partition, heal, destroy or gone)", ErrUnknownAction, action)
	}
	return nil
}

// CrashTask kills a task's processes with SIGKILL wherever it runs.
func (c *Cluster) CrashTask(taskID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.agents {
		_, err := n.agent.CrashTask(taskID)
		if err == nil {
			c.log.Info("fault injection: task crashed", "task", taskID, "agent", n.cfg.Name)
			return nil
		}
		if !errors.Is(err, agent.ErrUnknownTask) {
			return err
		}
	}
	return fmt.Errorf("task %s: %w", taskID, agent.ErrUnknownTask)
}

// CrashExecutor kills the executor of a task with SIGKILL wherever it
// runs; the agent ends the executor's tasks (see agent.Agent.CrashExecutor).
func (c *Cluster) CrashExecutor(taskID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.agents {
		pid, err := n.agent.CrashExecutor(taskID)
		if err == nil {
			c.log.Info("fault injection: executor crashed", "task", taskID, "pid", pid, "agent", n.cfg.Name)
			return nil
		}
		if !errors.Is(err, agent.ErrUnknownTask) {
			return err
		}
	}
	return fmt.Errorf("task %s: %w", taskID, agent.ErrUnknownTask)
}

// RestartMaster fails the master over (see master.Master.Restart).
func (c *Cluster) RestartMaster() {
	c.log.Info("fault injection: master failover")
	c.master.Restart()
}

// ErrUnknownFramework is returned for a framework the master does not know.
var ErrUnknownFramework = errors.New("no such framework")

// StallFramework stops (or resumes) sending a framework its events while
// keeping its connection open, as a hung scheduler would see.
func (c *Cluster) StallFramework(id string, stalled bool) error {
	if !c.master.Stall(id, stalled) {
		var known []string
		for _, f := range c.master.State().Frameworks {
			known = append(known, f.ID+" ("+f.Name+")")
		}
		list := "none"
		if len(known) > 0 {
			list = strings.Join(known, ", ")
		}
		return fmt.Errorf("%w: %s; the frameworks are: %s", ErrUnknownFramework, id, list)
	}
	return nil
}
