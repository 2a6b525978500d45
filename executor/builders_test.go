package executor

import (
	"fmt"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	mexec "github.com/mesos/mesos-go/api/v1/lib/executor"
)

// Event and TaskInfo builders.

func shellTask(id, command string) mesos.TaskInfo {
	return mesos.TaskInfo{
		Name:    id,
		TaskID:  mesos.TaskID{Value: id},
		AgentID: mesos.AgentID{Value: testAgentID},
		Command: &mesos.CommandInfo{Value: &command},
	}
}

func withKillGrace(info mesos.TaskInfo, d time.Duration) mesos.TaskInfo {
	info.KillPolicy = &mesos.KillPolicy{GracePeriod: &mesos.DurationInfo{Nanoseconds: int64(d)}}
	return info
}

func launchEvent(info mesos.TaskInfo) *mexec.Event {
	return &mexec.Event{Type: mexec.Event_LAUNCH, Launch: &mexec.Event_Launch{Task: info}}
}

func launchGroupEvent(infos ...mesos.TaskInfo) *mexec.Event {
	return &mexec.Event{Type: mexec.Event_LAUNCH_GROUP, LaunchGroup: &mexec.Event_LaunchGroup{TaskGroup: mesos.TaskGroupInfo{Tasks: infos}}}
}

// killEvent builds a KILL; a negative grace means no kill policy override.
func killEvent(id string, grace time.Duration) *mexec.Event {
	k := &mexec.Event_Kill{TaskID: mesos.TaskID{Value: id}}
	if grace >= 0 {
		k.KillPolicy = &mesos.KillPolicy{GracePeriod: &mesos.DurationInfo{Nanoseconds: int64(grace)}}
	}
	return &mexec.Event{Type: mexec.Event_KILL, Kill: k}
}

func ackEvent(st mesos.TaskStatus) *mexec.Event {
	return &mexec.Event{Type: mexec.Event_ACKNOWLEDGED, Acknowledged: &mexec.Event_Acknowledged{TaskID: st.TaskID, UUID: st.UUID}}
}

func shutdownEvent() *mexec.Event { return &mexec.Event{Type: mexec.Event_SHUTDOWN} }

func volume(containerPath string) mesos.Resource {
	return mesos.Resource{
		Name:   "disk",
		Type:   mesos.SCALAR.Enum(),
		Scalar: &mesos.Value_Scalar{Value: 10},
		Disk: &mesos.Resource_DiskInfo{
			Persistence: &mesos.Resource_DiskInfo_Persistence{ID: "vol-" + containerPath},
			Volume:      &mesos.Volume{Mode: mesos.RW.Enum(), ContainerPath: containerPath},
		},
	}
}

func ptr[T any](v T) *T { return &v }

// checkStates fails unless got equals want.
func checkStates(t *testing.T, taskID string, got []mesos.TaskState, want ...mesos.TaskState) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("task %s states = %v, want %v", taskID, got, want)
	}
}
