package executor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

func TestTaskGroupRunsToFinished(t *testing.T) {
	t.Parallel()
	h := startExecutor(t, nil)
	before := float64(time.Now().Unix())
	h.agent.push(launchGroupEvent(
		shellTask("one", "echo one-out; echo one-err >&2; sleep 0.2"),
		shellTask("two", "sleep 0.3; echo two-out"),
	))
	if err := h.wait(30 * time.Second); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	for _, id := range []string{"one", "two"} {
		checkStates(t, id, h.agent.states(id), mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED)
		for _, st := range h.agent.taskUpdates(id) {
			switch {
			case st.GetSource() != mesos.SOURCE_EXECUTOR:
				t.Errorf("%s %s: source %s", id, st.GetState(), st.GetSource())
			case len(st.UUID) != 16:
				t.Errorf("%s %s: uuid of %d bytes", id, st.GetState(), len(st.UUID))
			case st.GetExecutorID().GetValue() != testExecutorID || st.GetAgentID().GetValue() != testAgentID:
				t.Errorf("%s %s: executor %q agent %q", id, st.GetState(), st.GetExecutorID().GetValue(), st.GetAgentID().GetValue())
			case st.GetTimestamp() < before-1 || st.GetTimestamp() > float64(time.Now().Unix())+1:
				t.Errorf("%s %s: timestamp %f", id, st.GetState(), st.GetTimestamp())
			case st.Healthy != nil || st.CheckStatus != nil:
				t.Errorf("%s %s: healthy/check_status set without checks", id, st.GetState())
			}
		}
		last := h.agent.taskUpdates(id)[2]
		if last.GetMessage() != "Command exited with status 0" {
			t.Errorf("%s: message %q", id, last.GetMessage())
		}
	}
	sandbox := filepath.Join(h.cfg.Sandbox, "tasks", "one")
	for file, want := range map[string]string{"stdout": "one-out\n", "stderr": "one-err\n"} {
		got, err := os.ReadFile(filepath.Join(sandbox, file))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", file, got, err, want)
		}
	}
}

func TestTerminalStates(t *testing.T) {
	t.Parallel()
	notShell := func(value string, args ...string) mesos.TaskInfo {
		info := shellTask("task", "")
		info.Command = &mesos.CommandInfo{Shell: ptr(false), Value: &value, Arguments: args}
		return info
	}
	noCommand := shellTask("task", "")
	noCommand.Command = nil
	for _, tc := range []struct {
		name        string
		task        mesos.TaskInfo
		wantStates  []mesos.TaskState
		wantMessage string
		wantReason  *mesos.TaskStatus_Reason
	}{
		{"exit 0", shellTask("task", "exit 0"), []mesos.TaskState{mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED}, "Command exited with status 0", nil},
		{"exit 3", shellTask("task", "exit 3"), []mesos.TaskState{mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FAILED}, "Command exited with status 3", nil},
		{"own signal", shellTask("task", "kill -USR1 $$"), []mesos.TaskState{mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FAILED}, "Command terminated with signal User defined signal 1", nil},
		{"argv", notShell("/bin/sh", "sh", "-c", "exit 4"), []mesos.TaskState{mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FAILED}, "Command exited with status 4", nil},
		{"missing executable", notShell("/nonexistent/binary"), []mesos.TaskState{mesos.TASK_STARTING, mesos.TASK_FAILED}, "Failed to launch the command", mesos.REASON_CONTAINER_LAUNCH_FAILED.Enum()},
		{"no command", noCommand, []mesos.TaskState{mesos.TASK_FAILED}, "task has no command", mesos.REASON_CONTAINER_LAUNCH_FAILED.Enum()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := startExecutor(t, nil)
			h.agent.push(launchEvent(tc.task))
			if err := h.wait(30 * time.Second); err != nil {
				t.Fatalf("Run = %v, want nil", err)
			}
			checkStates(t, "task", h.agent.states("task"), tc.wantStates...)
			updates := h.agent.taskUpdates("task")
			last := updates[len(updates)-1]
			if !strings.HasPrefix(last.GetMessage(), tc.wantMessage) {
				t.Errorf("message = %q, want prefix %q", last.GetMessage(), tc.wantMessage)
			}
			if (last.Reason == nil) != (tc.wantReason == nil) || (tc.wantReason != nil && *last.Reason != *tc.wantReason) {
				t.Errorf("reason = %v, want %v", last.Reason, tc.wantReason)
			}
		})
	}
}

func TestFailingTaskKillsGroupPartner(t *testing.T) {
	t.Parallel()
	h := startExecutor(t, func(_ *Config, a *fakeAgent) { a.killingState = true })
	h.agent.push(launchGroupEvent(
		shellTask("failing", "sleep 0.2; exit 3"),
		withKillGrace(shellTask("partner", "sleep 60"), time.Second),
	))
	if err := h.wait(30 * time.Second); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	checkStates(t, "failing", h.agent.states("failing"), mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FAILED)
	checkStates(t, "partner", h.agent.states("partner"), mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_KILLING, mesos.TASK_KILLED)
	if msg := h.agent.taskUpdates("failing")[2].GetMessage(); msg != "Command exited with status 3" {
		t.Errorf("failing task message = %q", msg)
	}
	if msg := h.agent.taskUpdates("partner")[3].GetMessage(); msg != "Command terminated with signal Terminated" {
		t.Errorf("partner message = %q", msg)
	}
}

func TestKillWithGracePeriodTaskTrapsTerm(t *testing.T) {
	t.Parallel()
	h := startExecutor(t, func(_ *Config, a *fakeAgent) { a.killingState = true })
	h.agent.push(launchEvent(shellTask("trapper",
		`trap 'echo got-term > marker; exit 0' TERM; touch ready; while true; do sleep 0.05; done`)))
	sandbox := filepath.Join(h.cfg.Sandbox, "tasks", "trapper")
	eventually(t, 30*time.Second, "the task to install its trap", fileExists(filepath.Join(sandbox, "ready")))

	// With an hour's grace the task is killed within the wait only if it
	// ended by itself on SIGTERM; "exited with status 0" says it did.
	h.agent.push(killEvent("trapper", time.Hour))
	st := h.agent.waitState("trapper", mesos.TASK_KILLED, 30*time.Second)
	if st.GetMessage() != "Command exited with status 0" {
		t.Errorf("message = %q", st.GetMessage())
	}
	if got, err := os.ReadFile(filepath.Join(sandbox, "marker")); err != nil || string(got) != "got-term\n" {
		t.Errorf("marker = %q, %v: the task did not see SIGTERM", got, err)
	}
	if err := h.wait(30 * time.Second); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	checkStates(t, "trapper", h.agent.states("trapper"), mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_KILLING, mesos.TASK_KILLED)
}

func TestKillEscalatesToSigkillAfterGracePeriod(t *testing.T) {
	t.Parallel()
	const grace = 1500 * time.Millisecond
	// Without TASK_KILLING_STATE no TASK_KILLING is sent.
	h := startExecutor(t, nil)
	h.agent.push(launchEvent(shellTask("stubborn", `trap 'touch termed' TERM; touch ready; while true; do sleep 0.05; done`)))
	sandbox := filepath.Join(h.cfg.Sandbox, "tasks", "stubborn")
	eventually(t, 30*time.Second, "the task to trap SIGTERM", fileExists(filepath.Join(sandbox, "ready")))

	killed := time.Now()
	h.agent.push(killEvent("stubborn", grace))
	eventually(t, 30*time.Second, "the task to get SIGTERM", fileExists(filepath.Join(sandbox, "termed")))
	// A second KILL during the grace period, with a grace of an hour, must
	// neither restart nor replace the first one's: the task is killed by
	// the first deadline, which the wait below would never see otherwise.
	h.agent.push(killEvent("stubborn", time.Hour))
	st := h.agent.waitState("stubborn", mesos.TASK_KILLED, 30*time.Second)
	// SIGKILL cannot come before the grace period has passed (a bound load
	// cannot break: it only delays).
	if elapsed := time.Since(killed); elapsed < grace {
		t.Errorf("TASK_KILLED %s after the first KILL, within the %s grace period", elapsed, grace)
	}
	if st.GetMessage() != "Command terminated with signal Killed" {
		t.Errorf("message = %q", st.GetMessage())
	}
	if err := h.wait(30 * time.Second); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	checkStates(t, "stubborn", h.agent.states("stubborn"), mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_KILLED)
}

func TestShutdownKillsEverything(t *testing.T) {
	t.Parallel()
	h := startExecutor(t, func(c *Config, a *fakeAgent) {
		a.killingState = true
		c.ShutdownGracePeriod = time.Second
	})
	h.agent.push(launchGroupEvent(
		shellTask("sleeper", "sleep 60"),
		// Its hour of grace is capped by the shutdown grace period, or
		// Run would not return within the wait below.
		withKillGrace(shellTask("stubborn", `trap '' TERM; touch ready; while true; do sleep 0.05; done`), time.Hour),
	))
	h.agent.push(launchGroupEvent(shellTask("other-group", "sleep 60")))
	eventually(t, 30*time.Second, "the stubborn task to ignore SIGTERM", fileExists(filepath.Join(h.cfg.Sandbox, "tasks", "stubborn", "ready")))
	h.agent.waitState("other-group", mesos.TASK_RUNNING, 30*time.Second)

	h.agent.push(shutdownEvent())
	if err := h.wait(60 * time.Second); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	for _, id := range []string{"sleeper", "stubborn", "other-group"} {
		checkStates(t, id, h.agent.states(id), mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_KILLING, mesos.TASK_KILLED)
	}
}

func fileExists(path string) func() bool {
	return func() bool {
		_, err := os.Stat(path)
		return err == nil
	}
}

// TestSlowAgentGetsEveryUpdateBeforeExit: the shutdown grace period after
// the last task ended bounds the wait for acknowledgements, not for the
// agent to take the updates. An agent slow to accept an UPDATE (a loaded
// machine, an fsync) must still get every update, the terminal one
// included, before the executor exits; else it fails the task as
// REASON_EXECUTOR_TERMINATED although it finished.
func TestSlowAgentGetsEveryUpdateBeforeExit(t *testing.T) {
	t.Parallel()
	const grace = 200 * time.Millisecond
	var h *harness
	ready := make(chan struct{})
	h = startExecutor(t, func(c *Config, a *fakeAgent) {
		c.ShutdownGracePeriod = grace
		a.beforeUpdate = func(st mesos.TaskStatus) bool {
			if st.GetState() != mesos.TASK_RUNNING {
				return true
			}
			<-ready
			// The agent takes TASK_RUNNING only once the executor has
			// returned, or well after the grace period has run out.
			select {
			case <-h.done:
			case <-time.After(10 * grace):
			}
			return true
		}
	})
	close(ready)
	h.agent.push(launchGroupEvent(shellTask("quick", "true")))
	if err := h.wait(30 * time.Second); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	checkStates(t, "quick", h.agent.states("quick"), mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED)
}

// TestAgentRefusingUpdatesBoundsTheExit: an agent that never takes the
// terminal update keeps the executor at most the recovery timeout after its
// last task ended.
func TestAgentRefusingUpdatesBoundsTheExit(t *testing.T) {
	t.Parallel()
	const recovery = time.Second
	h := startExecutor(t, func(c *Config, a *fakeAgent) {
		c.ShutdownGracePeriod = 100 * time.Millisecond
		c.RecoveryTimeout = recovery
		a.beforeUpdate = func(st mesos.TaskStatus) bool { return st.GetState() != mesos.TASK_FINISHED }
	})
	h.agent.push(launchGroupEvent(shellTask("refused", "true")))
	h.agent.waitState("refused", mesos.TASK_RUNNING, 30*time.Second)
	since := time.Now()
	if err := h.wait(30 * time.Second); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	// A bound load cannot break: it only delays.
	if d := time.Since(since); d < recovery/2 {
		t.Errorf("Run returned %s after the task started, before the recovery timeout of %s", d, recovery)
	}
	checkStates(t, "refused", h.agent.states("refused"), mesos.TASK_STARTING, mesos.TASK_RUNNING)
}
