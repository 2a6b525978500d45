package agent

import (
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/google/uuid"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	execproto "github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/kennel-sdk/kennel/taskstate"
)

// Simulation makes an agent simulated: its executors and tasks are not
// processes but timers inside the agent, which send the status updates an
// executor would (source EXECUTOR, with a uuid, through the same status
// update manager, checkpoint and master), so thousands of tasks fit on one
// machine. Everything else — registration, resources, reservations,
// persistent volumes (directories are not linked into sandboxes, there are
// none), pings, partitions, restarts — is the agent's ordinary behaviour.
//
// A simulated task never ends by itself: it runs until killed, or fails
// instead of running with probability FailureRate. Its command, health
// check and readiness check are not run: the TASK_RUNNING update reports
// the task healthy (when it has a health check) and its check passing
// (when it has one), CheckDelay after RUNNING if CheckDelay is positive.
type Simulation struct {
	StartingDelay time.Duration // from the launch to TASK_STARTING
	RunningDelay  time.Duration // from TASK_STARTING to TASK_RUNNING (or TASK_FAILED)
	CheckDelay    time.Duration // from TASK_RUNNING to its check passing; 0: at once
	KillDelay     time.Duration // from a KILL (or SHUTDOWN) to TASK_KILLED
	FailureRate   float64       // the probability that a task fails instead of running
	Seed          uint64        // seeds the failures, for runs that repeat
}

// DefaultSimulation is what a simulated agent does unless told otherwise.
var DefaultSimulation = Simulation{StartingDelay: 10 * time.Millisecond, RunningDelay: 50 * time.Millisecond, KillDelay: 20 * time.Millisecond}

func (a *Agent) simulated() bool { return a.cfg.Simulation != nil }

// simAfter runs fn with a.mu held after d, unless the agent has stopped by
// then. Call with a.mu held.
func (a *Agent) simAfter(d time.Duration, fn func()) {
	done := a.done
	time.AfterFunc(d, func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		select {
		case <-done:
			return // stopped (maybe started again: it re-drives its tasks)
		default:
		}
		if a.running {
			fn()
		}
	})
}

// simulate is deliver for a simulated executor: it acts on the event as
// the Kennel executor would. Call with a.mu held.
func (a *Agent) simulate(e *executorState, ev *execproto.Event) {
	sim := a.cfg.Simulation
	switch ev.Type {
	case execproto.Event_LAUNCH:
		a.simLaunch(e, ev.Launch.Task.TaskID.Value)
	case execproto.Event_LAUNCH_GROUP:
		for _, t := range ev.LaunchGroup.TaskGroup.Tasks {
			a.simLaunch(e, t.TaskID.Value)
		}
	case execproto.Event_KILL:
		id := ev.Kill.TaskID.Value
		a.simAfter(sim.KillDelay, func() {
			if t := e.tasks[id]; t != nil && !taskstate.Terminal(t.state) && !e.exited {
				a.simUpdate(e, t, mesos.TASK_KILLED, nil)
			}
		})
	case execproto.Event_SHUTDOWN:
		a.simAfter(sim.KillDelay, func() {
			for _, t := range e.tasks {
				if !taskstate.Terminal(t.state) && !e.exited {
					a.simUpdate(e, t, mesos.TASK_KILLED, nil)
				}
			}
		})
	}
}

// simLaunch drives a launched task to TASK_STARTING, then TASK_RUNNING or
// TASK_FAILED. Call with a.mu held.
func (a *Agent) simLaunch(e *executorState, id string) {
	sim := a.cfg.Simulation
	a.simAfter(sim.StartingDelay, func() {
		if t := e.tasks[id]; t != nil && t.state == mesos.TASK_STAGING && !e.exited {
			a.simUpdate(e, t, mesos.TASK_STARTING, nil)
			a.simRun(e, id)
		}
	})
}

// simRun drives a starting task to TASK_RUNNING (or TASK_FAILED), and its
// check to a pass. Call with a.mu held.
func (a *Agent) simRun(e *executorState, id string) {
	sim := a.cfg.Simulation
	a.simAfter(sim.RunningDelay, func() {
		t := e.tasks[id]
		if t == nil || t.state != mesos.TASK_STARTING || e.exited {
			return
		}
		if sim.FailureRate > 0 && a.rand.Float64() < sim.FailureRate {
			a.simUpdate(e, t, mesos.TASK_FAILED, func(st *mesos.TaskStatus) {
				msg := "Command exited with status 1 (simulated failure)"
				st.Message = &msg
			})
			return
		}
		a.simUpdate(e, t, mesos.TASK_RUNNING, func(st *mesos.TaskStatus) { simChecks(st, t, sim.CheckDelay <= 0) })
		if sim.CheckDelay > 0 && t.info.Check != nil {
			a.simAfter(sim.CheckDelay, func() {
				if t.state == mesos.TASK_RUNNING && !e.exited && e.tasks[id] == t {
					a.simUpdate(e, t, mesos.TASK_RUNNING, func(st *mesos.TaskStatus) {
						simChecks(st, t, true)
						st.Reason = mesos.REASON_TASK_CHECK_STATUS_UPDATED.Enum()
					})
				}
			})
		}
	})
}

// simChecks fills a TASK_RUNNING update's health and check result.
func simChecks(st *mesos.TaskStatus, t *taskState, pass bool) {
	if t.info.HealthCheck != nil {
		healthy := true
		st.Healthy = &healthy
	}
	c := t.info.Check
	if c == nil {
		return
	}
	cs := &mesos.CheckStatusInfo{Type: c.Type.Enum()}
	switch c.Type {
	case mesos.CheckInfo_COMMAND:
		cs.Command = &mesos.CheckStatusInfo_Command{}
		if pass {
			cs.Command.ExitCode = new(int32)
		}
	case mesos.CheckInfo_HTTP:
		cs.HTTP = &mesos.CheckStatusInfo_Http{}
		if pass {
			code := uint32(200)
			cs.HTTP.StatusCode = &code
		}
	case mesos.CheckInfo_TCP:
		cs.TCP = &mesos.CheckStatusInfo_Tcp{}
		if pass {
			ok := true
			cs.TCP.Succeeded = &ok
		}
	}
	st.CheckStatus = cs
}

// simUpdate queues an update as the executor would send it; once every
// task of the executor has ended, the executor exits (status 0), as the
// Kennel executor does. Call with a.mu held.
func (a *Agent) simUpdate(e *executorState, t *taskState, state mesos.TaskState, fill func(*mesos.TaskStatus)) {
	now := float64(time.Now().UnixNano()) / 1e9
	id := uuid.New()
	st := mesos.TaskStatus{TaskID: t.info.TaskID, State: &state, Source: mesos.SOURCE_EXECUTOR.Enum(),
		Timestamp: &now, UUID: id[:], ExecutorID: &mesos.ExecutorID{Value: e.info.ExecutorID.Value}}
	if fill != nil {
		fill(&st)
	}
	a.enqueue(e, t, st)
	if !taskstate.Terminal(state) {
		return
	}
	for _, o := range e.tasks {
		if !taskstate.Terminal(o.state) {
			return
		}
	}
	a.spawnLocked(func() { a.executorExited(e, 0) })
}

// simRecover re-drives the tasks of a simulated executor recovered from
// the checkpoint: their timers did not survive the agent's stop. Call with
// a.mu held.
func (a *Agent) simRecover(e *executorState) {
	for id, t := range e.tasks {
		switch t.state {
		case mesos.TASK_STAGING:
			a.simLaunch(e, id)
		case mesos.TASK_STARTING:
			a.simRun(e, id)
		case mesos.TASK_KILLING:
			a.simulate(e, &execproto.Event{Type: execproto.Event_KILL, Kill: &execproto.Event_Kill{TaskID: t.info.TaskID}})
		}
	}
	pending := e.pending
	e.pending = nil
	if len(pending) > 0 {
		a.markExecutor(e)
	}
	for _, ev := range pending {
		a.simulate(e, ev)
	}
}

// newSimRand is the failure dice of a simulated agent.
func newSimRand(s *Simulation) *rand.Rand {
	if s == nil {
		return nil
	}
	return rand.New(rand.NewPCG(s.Seed, 0x6b656e6e656c))
}

// simCrash is CrashTask on a simulated agent: the task fails as if its
// process had been killed by SIGKILL. Call with a.mu held.
func (a *Agent) simCrash(taskID string) (int, error) {
	for _, e := range a.executors {
		if t := e.tasks[taskID]; t != nil && !e.exited && !taskstate.Terminal(t.state) {
			a.simUpdate(e, t, mesos.TASK_FAILED, func(st *mesos.TaskStatus) {
				msg := "Command terminated with signal Killed (simulated)"
				st.Message = &msg
			})
			return 1, nil
		}
	}
	return 0, fmt.Errorf("task %s: %w", taskID, ErrUnknownTask)
}

// syncUnlessSimulated syncs f, unless the agent is simulated.
func (a *Agent) syncUnlessSimulated(f *os.File) error {
	if a.simulated() {
		return nil
	}
	return f.Sync()
}
