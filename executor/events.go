package executor

import (
	"context"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	mexec "github.com/mesos/mesos-go/api/v1/lib/executor"
)

// handleEvent applies one event from the agent. It never blocks on a task.
// It reports whether the event started a shutdown.
func (e *executor) handleEvent(ctx context.Context, ev *mexec.Event) (shutdown bool) {
	switch ev.Type {
	case mexec.Event_SUBSCRIBED:
		if ev.Subscribed != nil {
			e.subscribed(ev.Subscribed)
		}
	case mexec.Event_LAUNCH:
		if ev.Launch == nil {
			e.log.Warn("LAUNCH without a task; ignored")
			return false
		}
		e.launchGroup(ctx, []mesos.TaskInfo{ev.Launch.Task})
	case mexec.Event_LAUNCH_GROUP:
		if ev.LaunchGroup == nil || len(ev.LaunchGroup.TaskGroup.Tasks) == 0 {
			e.log.Warn("LAUNCH_GROUP without tasks; ignored")
			return false
		}
		e.launchGroup(ctx, ev.LaunchGroup.TaskGroup.Tasks)
	case mexec.Event_KILL:
		if ev.Kill != nil {
			e.killRequested(ev.Kill)
		}
	case mexec.Event_ACKNOWLEDGED:
		if ev.Acknowledged != nil {
			e.acknowledged(ev.Acknowledged)
		}
	case mexec.Event_SHUTDOWN:
		return e.shutdown()
	case mexec.Event_MESSAGE:
		e.log.Info("message from the framework ignored", "bytes", len(ev.GetMessage().GetData()))
	case mexec.Event_HEARTBEAT:
	default:
		e.log.Warn("unknown event ignored", "type", ev.Type.String())
	}
	return false
}

// subscribed records what SUBSCRIBED tells: the agent ID stamped on updates,
// whether TASK_KILLING may be sent, and the executor's resources (volumes).
func (e *executor) subscribed(s *mexec.Event_Subscribed) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := s.AgentInfo.GetID()
	if id != nil && id.Value != "" {
		e.agentID = &mesos.AgentID{Value: id.Value}
	}
	e.killingCapable = false
	for _, c := range s.FrameworkInfo.Capabilities {
		if c.Type == mesos.FrameworkInfo_Capability_TASK_KILLING_STATE {
			e.killingCapable = true
		}
	}
	e.log.Info("subscribed", "agent_id", id.GetValue(), "task_killing_state", e.killingCapable)
}

// launchGroup starts the tasks of one group (a LAUNCH is a group of one).
// Tasks whose ID is already known are ignored; during a shutdown every task
// is reported TASK_KILLED without being started.
func (e *executor) launchGroup(ctx context.Context, infos []mesos.TaskInfo) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var group []*task
	for _, info := range infos {
		id := info.TaskID.Value
		if _, dup := e.tasks[id]; dup {
			e.log.Warn("task already launched; duplicate ignored", "task_id", id)
			continue
		}
		t := newTask(ctx, info)
		e.tasks[id] = t
		e.order = append(e.order, t)
		group = append(group, t)
	}
	for _, t := range group {
		t.group = group
	}
	if e.shuttingDown || e.closing {
		for _, t := range group {
			e.finishLocked(t, mesos.TASK_KILLED, "Executor is shutting down", nil)
		}
		return
	}
	for _, t := range group {
		e.log.Info("launching task", "task_id", t.id, "group_size", len(group))
		e.tasksWG.Add(1)
		go e.runTask(t)
	}
}

// killRequested handles KILL: the event's kill policy, if any, overrides the
// task's own.
func (e *executor) killRequested(k *mexec.Event_Kill) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.tasks[k.TaskID.Value]
	if t == nil {
		e.log.Warn("KILL for an unknown task ignored", "task_id", k.TaskID.Value)
		return
	}
	e.log.Info("kill requested", "task_id", t.id)
	e.killLocked(t, killGrace(t, k.KillPolicy))
}

// shutdown handles SHUTDOWN: every task is killed, within a grace period
// short enough for the executor to exit within ShutdownGracePeriod. It
// reports whether this SHUTDOWN was the first.
func (e *executor) shutdown() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shuttingDown {
		return false
	}
	e.log.Info("shutdown requested")
	e.shuttingDown = true
	e.killAllLocked()
	poke(e.changed)
	return true
}
