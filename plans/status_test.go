package plans

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// TestTaskStatus covers every task state for each goal: the step status
// machine of DC/OS Commons' DeploymentStep, recomputed from task state.
func TestTaskStatus(t *testing.T) {
	const target = "cfg-2"
	future, past := t0.Add(time.Minute), t0.Add(-time.Minute)
	task := func(state TaskState, ready bool) *Task {
		return &Task{Name: "p-0-t", ID: "id", ConfigID: target, State: state, Ready: ready}
	}
	tests := []struct {
		name  string
		goal  string
		task  *Task
		until time.Time
		want  Status
	}{
		{"never launched", goalRunning, nil, time.Time{}, Pending},
		{"no id yet", goalRunning, &Task{Name: "p-0-t"}, time.Time{}, Pending},
		{"staging", goalRunning, task(TaskStaging, false), time.Time{}, Starting},
		{"starting", goalRunning, task(TaskStarting, false), time.Time{}, Starting},
		{"launched without status", goalRunning, task("", false), time.Time{}, Starting},
		{"running, readiness pending", goalRunning, task(TaskRunning, false), time.Time{}, Started},
		{"running and ready", goalRunning, task(TaskRunning, true), time.Time{}, Complete},
		{"FINISH task running", "FINISH", task(TaskRunning, true), time.Time{}, Started},
		{"ONCE task running", goalOnce, task(TaskRunning, true), time.Time{}, Started},
		{"RUNNING task finished", goalRunning, task(TaskFinished, false), time.Time{}, Pending},
		{"FINISH task finished", "FINISH", task(TaskFinished, false), time.Time{}, Complete},
		{"ONCE task finished", goalOnce, task(TaskFinished, false), time.Time{}, Complete},
		{"failed, backing off", goalRunning, task(TaskFailed, false), future, Delayed},
		{"failed, backoff over", goalRunning, task(TaskFailed, false), past, Pending},
		{"error, backing off", goalRunning, task(TaskError, false), future, Delayed},
		{"killed", goalRunning, task(TaskKilled, false), future, Pending},
		{"killing", goalRunning, task(TaskKilling, false), time.Time{}, Pending},
		{"lost", goalRunning, task(TaskLost, false), time.Time{}, Pending},
		{"gone", goalRunning, task(TaskGone, false), time.Time{}, Pending},
		{"gone by operator", goalRunning, task(TaskGoneByOperator, false), time.Time{}, Pending},
		{"dropped", goalRunning, task(TaskDropped, false), time.Time{}, Pending},
		{"unreachable", goalRunning, task(TaskUnreachable, false), time.Time{}, Pending},
		{"unknown", goalRunning, task(TaskUnknown, false), time.Time{}, Pending},
		{"ready on an old configuration", goalRunning, &Task{Name: "p-0-t", ID: "id", ConfigID: "cfg-1", State: TaskRunning, Ready: true}, time.Time{}, Pending},
		{"FINISH done on an old configuration", "FINISH", &Task{Name: "p-0-t", ID: "id", ConfigID: "cfg-1", State: TaskFinished}, time.Time{}, Pending},
		{"ONCE done on an old configuration", goalOnce, &Task{Name: "p-0-t", ID: "id", ConfigID: "cfg-1", State: TaskFinished}, time.Time{}, Complete},
		{"permanently failed: recovery owns it", goalRunning, &Task{Name: "p-0-t", ID: "id", ConfigID: target, State: TaskLost, PermanentlyFailed: true}, time.Time{}, Complete},
	}
	for _, tc := range tests {
		if got := taskStatus(tc.goal, tc.task, target, tc.until, t0); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestLessAdvanced(t *testing.T) {
	leastAdvanced := func(statuses []Status) Status {
		least := Complete
		for _, s := range statuses {
			least = lessAdvanced(least, s)
		}
		return least
	}
	tests := []struct {
		in   []Status
		want Status
	}{
		{[]Status{Complete}, Complete},
		{[]Status{Complete, Started}, Started},
		{[]Status{Started, Starting}, Starting},
		{[]Status{Starting, Prepared}, Prepared},
		{[]Status{Prepared, Pending}, Pending},
		{[]Status{Pending, Delayed}, Delayed},
		{[]Status{Delayed, Error}, Error},
		{[]Status{Complete, Complete, Delayed, Started}, Delayed},
	}
	for _, tc := range tests {
		if got := leastAdvanced(tc.in); got != tc.want {
			t.Errorf("leastAdvanced(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestAggregate walks the aggregation rules in order: each case is decided
// by one rule while every later rule would also match, so a reordering
// fails a case.
func TestAggregate(t *testing.T) {
	s := func(v ...Status) []Status { return v }
	tests := []struct {
		name                 string
		children, candidates []Status
		errors, interrupted  bool
		want                 Status
	}{
		{"errors win over everything", s(Complete), s(), true, true, Error},
		{"a child in error", s(Complete, Error, Prepared), s(Pending), false, true, Error},
		{"all complete, even interrupted", s(Complete, Complete), s(), false, true, Complete},
		{"no children is complete", s(), s(), false, false, Complete},
		{"interrupted", s(Prepared, Pending), s(Pending), false, true, Waiting},
		{"all delayed", s(Delayed, Delayed), s(Delayed), false, false, Delayed},
		{"no candidate and all delayed", s(Delayed), s(), false, false, Delayed},
		{"a prepared child", s(Prepared, Delayed, Complete), s(Waiting, Pending), false, false, InProgress},
		{"a waiting candidate", s(Waiting, Complete), s(Waiting, InProgress, Pending), false, false, Waiting},
		{"an in-progress candidate", s(InProgress, Complete), s(InProgress, Pending), false, false, InProgress},
		{"complete child and pending candidate", s(Complete, Pending, Waiting), s(Pending, Starting), false, false, InProgress},
		{"complete child and starting candidate", s(Complete, Starting, Waiting), s(Starting), false, false, InProgress},
		{"complete child and started candidate", s(Complete, Started, Waiting), s(Started), false, false, InProgress},
		{"a pending candidate", s(Pending, Waiting, Starting), s(Pending, Starting), false, false, Pending},
		{"a waiting child", s(Waiting, Starting), s(Starting), false, false, Waiting},
		{"a starting candidate", s(Starting, Started), s(Starting, Started), false, false, Starting},
		{"a started candidate", s(Started), s(Started), false, false, Started},
		{"Kennel: a delayed candidate among pending steps", s(Delayed, Pending), s(Delayed), false, false, Delayed},
		{"nothing applies", s(Pending, Delayed), s(), false, false, Error},
	}
	for _, tc := range tests {
		if got := aggregate(tc.children, tc.candidates, tc.errors, tc.interrupted); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestBackoffDelay(t *testing.T) {
	p := BackoffPolicy{Initial: time.Second, Factor: 2, Max: 10 * time.Second}
	for n, want := range map[int]time.Duration{0: 0, 1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 1000: 10 * time.Second} {
		if got := p.Delay(n); got != want {
			t.Errorf("Delay(%d) = %s, want %s", n, got, want)
		}
	}
	if got := (BackoffPolicy{}).Delay(1); got != DefaultBackoff.Initial {
		t.Errorf("zero policy = %s", got)
	}
	if got := (BackoffPolicy{Disabled: true, Initial: time.Second, Max: time.Second}).Delay(3); got != 0 {
		t.Errorf("disabled policy = %s", got)
	}
}
