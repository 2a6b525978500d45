// Package taskstate says what Mesos task states mean, in one place for the
// scheduler and the local cluster: which states are final and which mean a
// framework must stop counting on the task.
package taskstate

import mesos "github.com/mesos/mesos-go/api/v1/lib"

// Terminal reports whether a task in state s has ended for good:
// FINISHED, FAILED, KILLED, ERROR, DROPPED, GONE or GONE_BY_OPERATOR. LOST,
// UNREACHABLE and UNKNOWN are not: the task may come back.
func Terminal(s mesos.TaskState) bool {
	switch s {
	case mesos.TASK_FINISHED, mesos.TASK_FAILED, mesos.TASK_KILLED, mesos.TASK_ERROR,
		mesos.TASK_DROPPED, mesos.TASK_GONE, mesos.TASK_GONE_BY_OPERATOR:
		return true
	}
	return false
}

// Ended reports whether a scheduler must stop counting on a task in state
// s: it is Terminal, or LOST or UNKNOWN (it may come back, but it is not
// known to run). UNREACHABLE is not ended: the task may still be running
// behind a partition.
func Ended(s mesos.TaskState) bool {
	return Terminal(s) || s == mesos.TASK_LOST || s == mesos.TASK_UNKNOWN
}
