package agent

import (
	"errors"
	"fmt"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	execproto "github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/kennel-sdk/kennel/taskstate"
)

// These methods are the agent's side of master.AgentConn.

var errStopped = errors.New("agent is stopped")

// ErrUnknownTask is returned for a task the agent does not run.
var ErrUnknownTask = errors.New("no such task on this agent")

// Ping answers the master's ping for agent agentID: a restarted host
// registered under a new id does not answer for its old self.
func (a *Agent) Ping(agentID string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case !a.running:
		return errStopped
	case a.id != agentID:
		return fmt.Errorf("agent %s is now %q", agentID, a.id)
	}
	return nil
}

// Reregister asks the agent to register again (the master lost it).
func (a *Agent) Reregister() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.spawnLocked(a.register) {
		return errStopped
	}
	return nil
}

// LaunchGroup starts a task group, launching its default executor first
// if it is not running.
func (a *Agent) LaunchGroup(fw *mesos.FrameworkInfo, ex *mesos.ExecutorInfo, group *mesos.TaskGroupInfo) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.running {
		return errStopped
	}
	fid := fw.GetID().GetValue()
	e := a.executors[fid+"/"+ex.ExecutorID.Value]
	if e == nil || e.exited {
		var err error
		if e, err = a.launchExecutor(fw, *ex, false); err != nil {
			a.failLaunch(fw, ex, group.Tasks, err)
			return err
		}
	}
	var taskResources []mesos.Resource
	for _, t := range group.Tasks {
		ts := &taskState{info: t, state: mesos.TASK_STAGING}
		e.tasks[t.TaskID.Value] = ts
		a.journal.tasks[ts] = e
		taskResources = append(taskResources, t.Resources...)
	}
	if a.simulated() {
		taskResources = nil
	}
	if err := a.linkVolumes(e.dir, taskResources); err != nil {
		a.log.Error("linking volumes", "err", err)
	}
	a.deliver(e, &execproto.Event{Type: execproto.Event_LAUNCH_GROUP, LaunchGroup: &execproto.Event_LaunchGroup{TaskGroup: *group}})
	return a.checkpoint()
}

// Launch starts a LAUNCHed task under a command executor (or its custom
// executor).
func (a *Agent) Launch(fw *mesos.FrameworkInfo, t *mesos.TaskInfo) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.running {
		return errStopped
	}
	command := t.Executor == nil
	var info mesos.ExecutorInfo
	if command {
		name := fmt.Sprintf("Command Executor (Task: %s)", t.TaskID.Value)
		info = mesos.ExecutorInfo{Type: mesos.ExecutorInfo_DEFAULT, ExecutorID: mesos.ExecutorID{Value: t.TaskID.Value},
			FrameworkID: fw.ID, Name: &name, Resources: t.Resources}
	} else {
		info = *proto.Clone(t.Executor).(*mesos.ExecutorInfo)
	}
	e := a.executors[fw.GetID().GetValue()+"/"+info.ExecutorID.Value]
	if e == nil || e.exited {
		var err error
		if e, err = a.launchExecutor(fw, info, command); err != nil {
			a.failLaunch(fw, &info, []mesos.TaskInfo{*t}, err)
			return err
		}
	}
	ts := &taskState{info: *t, state: mesos.TASK_STAGING}
	e.tasks[t.TaskID.Value] = ts
	a.journal.tasks[ts] = e
	res := t.Resources
	if a.simulated() {
		res = nil
	}
	if err := a.linkVolumes(e.dir, res); err != nil {
		a.log.Error("linking volumes", "err", err)
	}
	a.deliver(e, &execproto.Event{Type: execproto.Event_LAUNCH, Launch: &execproto.Event_Launch{Task: *t}})
	return a.checkpoint()
}

// failLaunch reports tasks whose executor could not start.
func (a *Agent) failLaunch(fw *mesos.FrameworkInfo, ex *mesos.ExecutorInfo, tasks []mesos.TaskInfo, err error) {
	e := &executorState{frameworkID: fw.GetID().GetValue(), info: *ex, tasks: map[string]*taskState{}, exited: true}
	a.executors[e.key()] = e
	a.adoptFramework(fw)
	a.markExecutor(e)
	for _, t := range tasks {
		ts := &taskState{info: t, state: mesos.TASK_STAGING}
		e.tasks[t.TaskID.Value] = ts
		a.agentUpdate(e, ts, mesos.TASK_FAILED, mesos.REASON_CONTAINER_LAUNCH_FAILED, err.Error())
	}
}

// Kill forwards a KILL to the task's executor. A task whose launch still
// waits for its executor to subscribe is killed on the spot; a KILL for a
// running task whose executor is reconnecting (after an agent restart)
// waits for it like any other event.
func (a *Agent) Kill(frameworkID, taskID string, policy *mesos.KillPolicy) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.running {
		return errStopped
	}
	e, t := a.findTask(frameworkID, taskID)
	if t == nil || taskstate.Terminal(t.state) {
		return nil
	}
	if e.sub == nil && a.dropPendingLaunch(e, taskID) {
		a.agentUpdate(e, t, mesos.TASK_KILLED, mesos.REASON_TASK_KILLED_DURING_LAUNCH, "Killed before the executor started it")
		return nil
	}
	a.deliver(e, &execproto.Event{Type: execproto.Event_KILL, Kill: &execproto.Event_Kill{TaskID: t.info.TaskID, KillPolicy: policy}})
	return nil
}

// dropPendingLaunch removes a task from the launch events still queued and
// reports whether it was there.
func (a *Agent) dropPendingLaunch(e *executorState, taskID string) bool {
	kept, found := e.pending[:0], false
	for _, ev := range e.pending {
		switch {
		case ev.Launch != nil && ev.Launch.Task.TaskID.Value == taskID:
			found = true
			continue
		case ev.LaunchGroup != nil:
			var tasks []mesos.TaskInfo
			for _, t := range ev.LaunchGroup.TaskGroup.Tasks {
				if t.TaskID.Value != taskID {
					tasks = append(tasks, t)
				}
			}
			if len(tasks) < len(ev.LaunchGroup.TaskGroup.Tasks) {
				found = true
			}
			if len(tasks) == 0 {
				continue
			}
			ev.LaunchGroup.TaskGroup.Tasks = tasks
		}
		kept = append(kept, ev)
	}
	e.pending = kept
	if found {
		a.markExecutor(e)
	}
	return found
}

// ShutdownFramework shuts down every executor of a framework: SHUTDOWN,
// then a kill after the shutdown grace period.
func (a *Agent) ShutdownFramework(frameworkID string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.running {
		return errStopped
	}
	for _, e := range a.executors {
		if e.frameworkID != frameworkID || e.exited {
			continue
		}
		a.deliver(e, &execproto.Event{Type: execproto.Event_SHUTDOWN})
		pid := e.pid
		if pid <= 0 {
			continue // simulated: it ends its tasks and exits by itself
		}
		e.killTimer = time.AfterFunc(a.cfg.Timing.ExecutorShutdownGrace, func() {
			a.mu.Lock()
			defer a.mu.Unlock()
			a.spawnLocked(func() { killTree(pid) })
		})
	}
	return nil
}

// CheckpointResources records the agent's total resources, reservations
// and volumes included, as the master computed them.
func (a *Agent) CheckpointResources(total mesos.Resources) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.running {
		return errStopped
	}
	a.total = total.Clone()
	a.markAgent()
	return a.checkpoint()
}
