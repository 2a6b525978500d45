package agent

import (
	"bytes"
	"slices"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

func status(state mesos.TaskState, uuid string) mesos.TaskStatus {
	return mesos.TaskStatus{TaskID: mesos.TaskID{Value: "t"}, State: state.Enum(), UUID: []byte(uuid)}
}

func TestReplayUpdates(t *testing.T) {
	starting, running, killed := status(mesos.TASK_STARTING, "u1"), status(mesos.TASK_RUNNING, "u2"), status(mesos.TASK_KILLED, "u3")
	join := func(rs ...[]byte) []byte { return bytes.Join(rs, nil) }
	whole := join(updateRecord(&starting), updateRecord(&running), ackRecord([]byte("u1")))
	tests := []struct {
		name   string
		data   []byte
		state  mesos.TaskState
		queue  []string // uuids
		latest string
		good   int
	}{
		{"empty", nil, mesos.TASK_STAGING, nil, "", 0},
		{"two updates, first acknowledged", whole, mesos.TASK_RUNNING, []string{"u2"}, "u2", len(whole)},
		{"all acknowledged", join(whole, ackRecord([]byte("u2"))), mesos.TASK_RUNNING, nil, "u2", len(whole) + recordHeader + 2},
		{"a stale acknowledgement is ignored", join(whole, ackRecord([]byte("u1"))), mesos.TASK_RUNNING, []string{"u2"}, "u2", len(whole) + recordHeader + 2},
		{"torn header", join(whole, []byte{recordUpdate, 0}), mesos.TASK_RUNNING, []string{"u2"}, "u2", len(whole)},
		{"torn payload", join(whole, updateRecord(&killed)[:9]), mesos.TASK_RUNNING, []string{"u2"}, "u2", len(whole)},
		{"three updates", join(updateRecord(&starting), updateRecord(&running), updateRecord(&killed)), mesos.TASK_KILLED, []string{"u1", "u2", "u3"}, "u3", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := &taskState{state: mesos.TASK_STAGING}
			good, err := replayUpdates(tt.data, ts)
			if err != nil {
				t.Fatal(err)
			}
			if tt.good == 0 {
				tt.good = len(tt.data)
			}
			if good != tt.good {
				t.Errorf("good = %d, want %d", good, tt.good)
			}
			if ts.state != tt.state {
				t.Errorf("state = %s, want %s", ts.state, tt.state)
			}
			var queue []string
			for _, q := range ts.queue {
				queue = append(queue, string(q.UUID))
			}
			if !slices.Equal(queue, tt.queue) {
				t.Errorf("queue = %q, want %q", queue, tt.queue)
			}
			var latest string
			if ts.latest != nil {
				latest = string(ts.latest.UUID)
			}
			if latest != tt.latest {
				t.Errorf("latest = %q, want %q", latest, tt.latest)
			}
		})
	}
}

func TestReplayUpdatesRefusesUnknownRecords(t *testing.T) {
	for _, data := range [][]byte{record('X', []byte("x")), record(recordUpdate, []byte{0xff, 0xff})} {
		if _, err := replayUpdates(data, &taskState{}); err == nil {
			t.Errorf("%q: no error", data)
		}
	}
}

// FuzzReplayUpdates: any file replays without panicking, to a whole
// number of records that replays again to the same task.
func FuzzReplayUpdates(f *testing.F) {
	st := status(mesos.TASK_RUNNING, "u1")
	f.Add(updateRecord(&st))
	f.Add(append(updateRecord(&st), ackRecord([]byte("u1"))...))
	f.Add([]byte{recordAck, 0, 0, 0, 9, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		ts := &taskState{state: mesos.TASK_STAGING}
		good, err := replayUpdates(data, ts)
		if good < 0 || good > len(data) {
			t.Fatalf("good = %d of %d bytes", good, len(data))
		}
		if err != nil {
			return
		}
		again := &taskState{state: mesos.TASK_STAGING}
		if n, err := replayUpdates(data[:good], again); err != nil || n != good || again.state != ts.state || len(again.queue) != len(ts.queue) {
			t.Fatalf("replaying the %d good bytes: %d, %v, %s/%d; want %s/%d", good, n, err, again.state, len(again.queue), ts.state, len(ts.queue))
		}
	})
}
