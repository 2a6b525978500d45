package taskstate

import (
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

func TestStates(t *testing.T) {
	for s, want := range map[mesos.TaskState][2]bool{ // Terminal, Ended
		mesos.TASK_STAGING:          {false, false},
		mesos.TASK_STARTING:         {false, false},
		mesos.TASK_RUNNING:          {false, false},
		mesos.TASK_KILLING:          {false, false},
		mesos.TASK_UNREACHABLE:      {false, false},
		mesos.TASK_LOST:             {false, true},
		mesos.TASK_UNKNOWN:          {false, true},
		mesos.TASK_FINISHED:         {true, true},
		mesos.TASK_FAILED:           {true, true},
		mesos.TASK_KILLED:           {true, true},
		mesos.TASK_ERROR:            {true, true},
		mesos.TASK_DROPPED:          {true, true},
		mesos.TASK_GONE:             {true, true},
		mesos.TASK_GONE_BY_OPERATOR: {true, true},
	} {
		if got := [2]bool{Terminal(s), Ended(s)}; got != want {
			t.Errorf("%s: Terminal, Ended = %v, want %v", s, got, want)
		}
	}
}
