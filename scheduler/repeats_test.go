package scheduler

import (
	"testing"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// A reconciliation answer is a repeat only when it says nothing the
// record does not: each field that may differ makes it an update to store.
func TestRepeats(t *testing.T) {
	agent := mesos.AgentID{Value: "a1"}
	info := &mesos.TaskInfo{Name: "web-0-server", TaskID: mesos.TaskID{Value: "id-1"}, AgentID: agent}
	confirmed := &mesos.TaskInfo{Name: info.Name, TaskID: info.TaskID, AgentID: agent,
		Labels: setLabel(nil, labelConfirmed, "true")}
	t1 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	ip := func(a string) *mesos.ContainerStatus {
		return &mesos.ContainerStatus{NetworkInfos: []mesos.NetworkInfo{{IPAddresses: []mesos.NetworkInfo_IPAddress{{IPAddress: proto.String(a)}}}}}
	}
	check := func(code int32) *mesos.CheckStatusInfo {
		return &mesos.CheckStatusInfo{Type: mesos.CheckInfo_COMMAND.Enum(),
			Command: &mesos.CheckStatusInfo_Command{ExitCode: proto.Int32(code)}}
	}
	// recorded: RUNNING on a1, healthy, check 0, address 10.0.0.7, label k=v;
	// or UNREACHABLE since t1.
	running := mesos.TaskStatus{TaskID: info.TaskID, State: mesos.TASK_RUNNING.Enum(), AgentID: &agent,
		Healthy: proto.Bool(true), CheckStatus: check(0), ContainerStatus: ip("10.0.0.7"),
		Labels: &mesos.Labels{Labels: []mesos.Label{{Key: "k", Value: proto.String("v")}}}}
	unreachable := mesos.TaskStatus{TaskID: info.TaskID, State: mesos.TASK_UNREACHABLE.Enum(), AgentID: &agent,
		UnreachableTime: &mesos.TimeInfo{Nanoseconds: t1.UnixNano()}}
	answer := func(state mesos.TaskState, edit func(st *mesos.TaskStatus)) mesos.TaskStatus {
		st := mesos.TaskStatus{TaskID: info.TaskID, State: state.Enum(), AgentID: &agent,
			Reason: mesos.REASON_RECONCILIATION.Enum(), Message: proto.String("Reconciliation: Latest task state")}
		if edit != nil {
			edit(&st)
		}
		return st
	}
	for _, tc := range []struct {
		name   string
		info   *mesos.TaskInfo
		record *mesos.TaskStatus
		answer mesos.TaskStatus
		want   bool
	}{
		{"bare answer, same state", confirmed, &running, answer(mesos.TASK_RUNNING, nil), true},
		{"every field as recorded", confirmed, &running, answer(mesos.TASK_RUNNING, func(st *mesos.TaskStatus) {
			st.Healthy, st.CheckStatus, st.ContainerStatus, st.Labels = proto.Bool(true), check(0), ip("10.0.0.7"), running.Labels
		}), true},
		{"no record", confirmed, nil, answer(mesos.TASK_RUNNING, nil), false},
		{"launch not confirmed", info, &running, answer(mesos.TASK_RUNNING, nil), false},
		{"another state", confirmed, &running, answer(mesos.TASK_FAILED, nil), false},
		{"another agent", confirmed, &running, answer(mesos.TASK_RUNNING, func(st *mesos.TaskStatus) {
			st.AgentID = &mesos.AgentID{Value: "a2"}
		}), false},
		{"an update to acknowledge", confirmed, &running, answer(mesos.TASK_RUNNING, func(st *mesos.TaskStatus) {
			st.UUID = []byte("u")
		}), false},
		{"not a reconciliation answer", confirmed, &running, answer(mesos.TASK_RUNNING, func(st *mesos.TaskStatus) {
			st.Reason = mesos.REASON_TASK_HEALTH_CHECK_STATUS_UPDATED.Enum()
		}), false},
		{"another health", confirmed, &running, answer(mesos.TASK_RUNNING, func(st *mesos.TaskStatus) {
			st.Healthy = proto.Bool(false)
		}), false},
		{"another check result", confirmed, &running, answer(mesos.TASK_RUNNING, func(st *mesos.TaskStatus) {
			st.CheckStatus = check(1)
		}), false},
		{"another address", confirmed, &running, answer(mesos.TASK_RUNNING, func(st *mesos.TaskStatus) {
			st.ContainerStatus = ip("10.0.0.8")
		}), false},
		{"an address the record lacks", confirmed, &unreachable, answer(mesos.TASK_UNREACHABLE, func(st *mesos.TaskStatus) {
			st.UnreachableTime, st.ContainerStatus = unreachable.UnreachableTime, ip("10.0.0.7")
		}), false},
		{"other labels", confirmed, &running, answer(mesos.TASK_RUNNING, func(st *mesos.TaskStatus) {
			st.Labels = &mesos.Labels{Labels: []mesos.Label{{Key: "k", Value: proto.String("w")}}}
		}), false},
		{"unreachable since the same time", confirmed, &unreachable, answer(mesos.TASK_UNREACHABLE, func(st *mesos.TaskStatus) {
			st.UnreachableTime = &mesos.TimeInfo{Nanoseconds: t1.UnixNano()}
		}), true},
		{"unreachable again, since later", confirmed, &unreachable, answer(mesos.TASK_UNREACHABLE, func(st *mesos.TaskStatus) {
			st.UnreachableTime = &mesos.TimeInfo{Nanoseconds: t1.Add(50 * time.Minute).UnixNano()}
		}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := newTask(info.Name, tc.info, "")
			if tc.record != nil {
				tk.setStatus(tc.record)
			}
			if got := repeats(tk, &tc.answer); got != tc.want {
				t.Errorf("repeats = %v, want %v", got, tc.want)
			}
		})
	}
}

// A task lost, back while the scheduler was away and lost again is
// replaced --permanent-failure-timeout after the second loss, which the
// reconciliation answer tells: not after the first.
func TestPermanentFailureCountsFromTheAnswersUnreachableTime(t *testing.T) {
	c := newCore(t, nil)
	c.cfg.PermanentFailureTimeout = time.Hour
	c.Subscribed("fw-1", t0)
	c.Offers([]mesos.Offer{agentOffer()}, t0.Add(time.Second))
	const name = "hello-0-server"
	id := c.tasks[name].head.id
	status := func(s mesos.TaskState, at, unreachable time.Time, answer bool) mesos.TaskStatus {
		ts := float64(at.UnixNano()) / 1e9
		out := mesos.TaskStatus{TaskID: mesos.TaskID{Value: id}, State: s.Enum(), AgentID: &mesos.AgentID{Value: "a1"}, Timestamp: &ts}
		if !unreachable.IsZero() {
			out.UnreachableTime = &mesos.TimeInfo{Nanoseconds: unreachable.UnixNano()}
		}
		if answer {
			out.Reason = mesos.REASON_RECONCILIATION.Enum()
		} else {
			out.UUID = []byte("u")
		}
		return out
	}
	c.Update(status(mesos.TASK_RUNNING, t0.Add(2*time.Second), time.Time{}, false), t0.Add(2*time.Second))
	lost := t0.Add(10 * time.Second)
	c.Update(status(mesos.TASK_UNREACHABLE, lost, lost, false), lost)
	lostAgain := t0.Add(50 * time.Minute)
	back := lostAgain.Add(5 * time.Minute)
	c.Subscribed("fw-1", back)
	c.Update(status(mesos.TASK_UNREACHABLE, back, lostAgain, true), back)
	if got := unreachableSince(c.tasks[name]); !got.Equal(lostAgain) {
		t.Errorf("unreachable since %v, want %v (the answer's)", got.UTC(), lostAgain)
	}
	c.Tick(t0.Add(61 * time.Minute))
	if c.tasks[name].permanentlyFailed() {
		t.Error("replaced 11 minutes after the second loss, with a timeout of an hour")
	}
	c.Tick(lostAgain.Add(time.Hour + time.Second))
	if !c.tasks[name].permanentlyFailed() {
		t.Error("not replaced an hour after the second loss")
	}
}
