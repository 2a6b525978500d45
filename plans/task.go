package plans

import (
	"fmt"
	"time"
)

// TaskState is a Mesos task state name, as in TaskStatus.state.
type TaskState string

// Mesos task states.
const (
	TaskStaging          TaskState = "TASK_STAGING"
	TaskStarting         TaskState = "TASK_STARTING"
	TaskRunning          TaskState = "TASK_RUNNING"
	TaskKilling          TaskState = "TASK_KILLING"
	TaskFinished         TaskState = "TASK_FINISHED"
	TaskFailed           TaskState = "TASK_FAILED"
	TaskKilled           TaskState = "TASK_KILLED"
	TaskError            TaskState = "TASK_ERROR"
	TaskLost             TaskState = "TASK_LOST"
	TaskDropped          TaskState = "TASK_DROPPED"
	TaskUnreachable      TaskState = "TASK_UNREACHABLE"
	TaskGone             TaskState = "TASK_GONE"
	TaskGoneByOperator   TaskState = "TASK_GONE_BY_OPERATOR"
	TaskUnknown          TaskState = "TASK_UNKNOWN"
	taskStatePrefixBytes           = len("TASK_")
)

// Terminal reports whether the task will never run again (FINISHED, FAILED,
// KILLED, ERROR, DROPPED, GONE), as DC/OS Commons counts it.
func (s TaskState) Terminal() bool {
	switch s {
	case TaskFinished, TaskFailed, TaskKilled, TaskError, TaskDropped, TaskGone:
		return true
	}
	return false
}

// needsRecovery reports whether a task meant to keep running must be
// relaunched: it ended, or Mesos lost sight of it.
func (s TaskState) needsRecovery() bool {
	return s.Terminal() || s == TaskLost || s == TaskUnreachable || s == TaskGoneByOperator
}

// Task is what the scheduler knows of one task of a pod instance: its
// latest launch and latest status. The plans package never sees Mesos
// messages; the scheduler fills this in from its state store.
type Task struct {
	// Name is the task instance name, <pod>-<index>-<task>; Pod, Index and
	// Spec are its parts (the pod type, the instance index and the task's
	// name in the spec).
	Name  string
	Pod   string
	Index int
	Spec  string
	// ID is the Mesos TaskID of the latest launch; empty if never launched.
	ID string
	// ConfigID is the configuration the latest launch used.
	ConfigID string
	// State is the latest Mesos state; a launch without a status yet is
	// TASK_STAGING.
	State TaskState
	// Ready is true once the task has passed its readiness check, or at
	// once when it has none.
	Ready bool
	// Message is the latest status's message, for step reasons.
	Message string
	// CheckNote says why the latest launch's readiness check does not pass
	// yet: the message of its latest failing check result, which the Kennel
	// executor fills with the check's last output line. Empty from
	// executors that only report the exit code (Mesos's own).
	CheckNote string
	// LaunchedAt and UpdatedAt are when the latest launch and the latest
	// status happened.
	LaunchedAt, UpdatedAt time.Time
	// PermanentlyFailed marks a task to be replaced elsewhere (pod replace,
	// TASK_GONE_BY_OPERATOR, or unreachable for too long).
	PermanentlyFailed bool
	// Paused is set when the task's goal is overridden to PAUSED, and
	// PausedLaunch when its latest launch runs the pause command.
	Paused, PausedLaunch bool
	// Resources are the ids of the reservations the task holds (its
	// resource_id labels) and whether each is still reserved.
	Resources []Resource
}

// Resource is one reservation a task holds.
type Resource struct {
	ID       string
	Reserved bool
}

// taskStatus is the status of one task for a step that must bring it to
// goal on configuration target. backoffUntil is the end of the task's
// failure backoff, zero if none.
func taskStatus(goal string, t *Task, target string, backoffUntil, now time.Time) Status {
	if t == nil || t.ID == "" {
		return Pending
	}
	if goal == goalOnce && t.State == TaskFinished {
		return Complete // ONCE tasks never run again, whatever the configuration
	}
	if t.PermanentlyFailed {
		return Complete // the recovery plan replaces it
	}
	if t.ConfigID != target {
		return Pending
	}
	switch t.State {
	case TaskStaging, TaskStarting, "":
		return Starting
	case TaskRunning:
		if goal == goalRunning && t.Ready {
			return Complete
		}
		return Started
	case TaskFinished:
		if goal == goalRunning {
			return Pending
		}
		return Complete
	case TaskFailed, TaskError:
		if now.Before(backoffUntil) {
			return Delayed
		}
	}
	return Pending
}

// describeState writes a task state for people: "failed: exit 3".
func describeState(t *Task) string {
	state := string(t.State)
	if len(state) > taskStatePrefixBytes {
		state = state[taskStatePrefixBytes:]
	}
	text := fmt.Sprintf("task %s %s", t.Name, lowerState(state))
	if t.Message != "" {
		text += ": " + t.Message
	}
	return text
}

func lowerState(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case c == '_':
			b[i] = ' '
		}
	}
	return string(b)
}
