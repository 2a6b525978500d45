package scheduler

import (
	"strconv"
	"testing"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/scheduler/offer"
	"github.com/kennel-sdk/kennel/scheduler/record"
)

// The head of a task, built from a TaskInfo (newTask) or from its stored
// bytes (decodeTask), reads what the whole TaskInfo says.
func TestTaskHeadReadsTheTaskInfo(t *testing.T) {
	labels := func(kv ...string) *mesos.Labels {
		out := &mesos.Labels{}
		for i := 0; i < len(kv); i += 2 {
			out.Labels = append(out.Labels, mesos.Label{Key: kv[i], Value: proto.String(kv[i+1])})
		}
		return out
	}
	for _, tc := range []struct {
		name string
		info *mesos.TaskInfo
	}{
		{"a bare launch", &mesos.TaskInfo{Name: "hello-0-server", TaskID: mesos.TaskID{Value: "t1"}, AgentID: mesos.AgentID{Value: "a1"}}},
		{"every label the core reads", &mesos.TaskInfo{Name: "hello-2-server", TaskID: mesos.TaskID{Value: "t2"}, AgentID: mesos.AgentID{Value: "a2"},
			Labels: labels(offer.LabelTaskType, "hello", offer.LabelIndex, "2", offer.LabelTargetConfig, "cfg",
				labelConfirmed, "true", labelKnown, "r1,r2", labelLaunchedAt, "2026-12-07T00:00:00Z", labelPermanentlyFailed, "true",
				offer.LabelHostname, "h", offer.LabelZone, "z", offer.LabelRegion, "r", offer.LabelAttributes, "rack:1", "other", "x")}},
		{"labels not set to true", &mesos.TaskInfo{Name: "n", Labels: labels(labelConfirmed, "false", labelPermanentlyFailed, "yes")}},
		{"an executor, a check and a paused command", &mesos.TaskInfo{Name: "n", Executor: &mesos.ExecutorInfo{ExecutorID: mesos.ExecutorID{Value: "e1"}},
			Check: &mesos.CheckInfo{}, Command: &mesos.CommandInfo{Value: proto.String(offer.PauseCommand)}}},
		{"a bootstrapping command", &mesos.TaskInfo{Name: "n", Command: &mesos.CommandInfo{Value: proto.String(offer.BootstrapCommand("run"))}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := taskHead{id: tc.info.TaskID.Value, agent: tc.info.AgentID.Value, hasCheck: tc.info.Check != nil,
				pod: label(tc.info, offer.LabelTaskType), target: label(tc.info, offer.LabelTargetConfig),
				known: label(tc.info, labelKnown), launchedAt: label(tc.info, labelLaunchedAt),
				hostname: label(tc.info, offer.LabelHostname), zone: label(tc.info, offer.LabelZone),
				region: label(tc.info, offer.LabelRegion), attrs: label(tc.info, offer.LabelAttributes),
				confirmed: label(tc.info, labelConfirmed) == "true", permanentlyFailedMark: label(tc.info, labelPermanentlyFailed) == "true",
				pausedLaunch: tc.info.GetCommand().GetValue() == offer.PauseCommand,
				bootstraps:   offer.ExplainStatus(tc.info, "Command exited with status 78") != "Command exited with status 78"}
			want.index, _ = strconv.Atoi(label(tc.info, offer.LabelIndex))
			if tc.info.Executor != nil {
				want.executor, want.hasExecutor = tc.info.Executor.ExecutorID.Value, true
			}
			built := newTask(tc.info.Name, tc.info, "")
			if built.head != want {
				t.Errorf("newTask's head %+v, want %+v", built.head, want)
			}
			loaded, _, err := decodeTask(tc.info.Name, record.Task{Info: built.info})
			if err != nil {
				t.Fatal(err)
			}
			if loaded.head != want {
				t.Errorf("decodeTask's head %+v, want %+v", loaded.head, want)
			}
			if !proto.Equal(loaded.decodeInfo(), tc.info) {
				t.Errorf("the stored TaskInfo decodes as %v", loaded.decodeInfo())
			}
		})
	}
}

// withInfo changes a copy: the task it starts from keeps its TaskInfo.
func TestWithInfoLeavesTheTaskAlone(t *testing.T) {
	info := &mesos.TaskInfo{Name: "hello-0-server", TaskID: mesos.TaskID{Value: "t1"}, AgentID: mesos.AgentID{Value: "a1"}}
	old := newTask(info.Name, info, goalPaused)
	stored := string(old.info)
	next := old.withInfo(func(info *mesos.TaskInfo) { info.AgentID.Value = "a2" })
	if string(old.info) != stored || old.head.agent != "a1" {
		t.Errorf("withInfo changed the task it copies: agent %s", old.head.agent)
	}
	if next.head.agent != "a2" || next.decodeInfo().AgentID.Value != "a2" || next.goal != goalPaused {
		t.Errorf("withInfo's task: agent %s, stored %s, goal %s", next.head.agent, next.decodeInfo().AgentID.Value, next.goal)
	}
}

// The status head of a task, set (setStatus) or stored (decodeTask),
// reads what the whole TaskStatus says.
func TestStatusHeadReadsTheTaskStatus(t *testing.T) {
	ts := 1764000000.5
	info := &mesos.TaskInfo{Name: "hello-0-server", TaskID: mesos.TaskID{Value: "t1"}, AgentID: mesos.AgentID{Value: "a1"}}
	for _, tc := range []struct {
		name string
		st   *mesos.TaskStatus
		want statusHead
	}{
		{"a state only", &mesos.TaskStatus{TaskID: info.TaskID, State: mesos.TASK_RUNNING.Enum()}, statusHead{state: mesos.TASK_RUNNING}},
		{"a message and a time", &mesos.TaskStatus{TaskID: info.TaskID, State: mesos.TASK_FAILED.Enum(), Message: proto.String("exited"), Timestamp: &ts},
			statusHead{state: mesos.TASK_FAILED, message: "exited", timestamp: ts}},
		{"unreachable", &mesos.TaskStatus{TaskID: info.TaskID, State: mesos.TASK_UNREACHABLE.Enum(), UnreachableTime: &mesos.TimeInfo{Nanoseconds: 42}},
			statusHead{state: mesos.TASK_UNREACHABLE, unreachable: 42, hasUnreachable: true}},
		{"healthy", &mesos.TaskStatus{TaskID: info.TaskID, State: mesos.TASK_RUNNING.Enum(), Healthy: proto.Bool(true)},
			statusHead{state: mesos.TASK_RUNNING, healthy: true, hasHealthy: true}},
		{"unhealthy, with a check result", &mesos.TaskStatus{TaskID: info.TaskID, State: mesos.TASK_RUNNING.Enum(), Healthy: proto.Bool(false),
			CheckStatus: &mesos.CheckStatusInfo{Type: mesos.CheckInfo_COMMAND.Enum(), Command: &mesos.CheckStatusInfo_Command{ExitCode: proto.Int32(1)}}},
			statusHead{state: mesos.TASK_RUNNING, hasHealthy: true,
				check: &mesos.CheckStatusInfo{Type: mesos.CheckInfo_COMMAND.Enum(), Command: &mesos.CheckStatusInfo_Command{ExitCode: proto.Int32(1)}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := newTask(info.Name, info, "")
			set.setStatus(tc.st)
			if !sameStatusHead(set.stat, tc.want) || !proto.Equal(set.decodeStatus(), tc.st) {
				t.Errorf("setStatus: head %+v, decodes as %v", set.stat, set.decodeStatus())
			}
			loaded, st, err := decodeTask(info.Name, record.Task{Info: set.info, Status: set.status})
			if err != nil {
				t.Fatal(err)
			}
			if !sameStatusHead(loaded.stat, tc.want) || !proto.Equal(st, tc.st) {
				t.Errorf("decodeTask: head %+v, status %v", loaded.stat, st)
			}
		})
	}
	if st := newTask(info.Name, info, "").decodeStatus(); st != nil {
		t.Errorf("a task without a status decodes one: %v", st)
	}
}

// sameStatusHead compares status heads, their check results by value.
func sameStatusHead(a, b statusHead) bool {
	if (a.check == nil) != (b.check == nil) || a.check != nil && !proto.Equal(a.check, b.check) {
		return false
	}
	a.check, b.check = nil, nil
	return a == b
}
