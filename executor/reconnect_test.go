package executor

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

func TestResubscribeResendsUnacknowledged(t *testing.T) {
	t.Parallel()
	h := startExecutor(t, func(c *Config, a *fakeAgent) {
		c.Checkpoint = true
		a.autoAck = false
	})
	h.agent.push(launchGroupEvent(shellTask("acked", "sleep 60"), shellTask("unacked", "sleep 60")))
	h.agent.waitState("acked", mesos.TASK_RUNNING, 5*time.Second)
	h.agent.waitState("unacked", mesos.TASK_RUNNING, 5*time.Second)
	if subs := h.agent.subscriptions(); len(subs[0].UnacknowledgedTasks)+len(subs[0].UnacknowledgedUpdates) != 0 {
		t.Errorf("first SUBSCRIBE carries %d tasks and %d updates, want none", len(subs[0].UnacknowledgedTasks), len(subs[0].UnacknowledgedUpdates))
	}
	ackedStarting := h.agent.taskUpdates("acked")[0]
	h.agent.push(ackEvent(ackedStarting))
	h.agent.dropStream() // the ACKNOWLEDGED is delivered before the stream ends

	eventually(t, 5*time.Second, "a second SUBSCRIBE", func() bool { return len(h.agent.subscriptions()) >= 2 })
	sub := h.agent.subscriptions()[1]
	var resent []string
	for _, u := range sub.UnacknowledgedUpdates {
		resent = append(resent, u.Status.TaskID.Value+":"+u.Status.GetState().String())
		if bytes.Equal(u.Status.UUID, ackedStarting.UUID) {
			t.Error("the acknowledged update was resent")
		}
	}
	want := map[string]bool{"acked:TASK_RUNNING": true, "unacked:TASK_STARTING": true, "unacked:TASK_RUNNING": true}
	if len(resent) != len(want) {
		t.Errorf("resent updates %v, want %v", resent, want)
	}
	for _, r := range resent {
		if !want[r] {
			t.Errorf("unexpected resent update %s", r)
		}
	}
	if i, j := indexOf(resent, "unacked:TASK_STARTING"), indexOf(resent, "unacked:TASK_RUNNING"); i > j {
		t.Errorf("resent updates out of order: %v", resent)
	}
	if len(sub.UnacknowledgedTasks) != 1 || sub.UnacknowledgedTasks[0].TaskID.Value != "unacked" {
		var ids []string
		for _, ti := range sub.UnacknowledgedTasks {
			ids = append(ids, ti.TaskID.Value)
		}
		t.Errorf("unacknowledged tasks %v, want [unacked]", ids)
	}
	// Resent inside SUBSCRIBE, so not sent again with UPDATE.
	if n := len(h.agent.allUpdates()); n != 4 {
		t.Errorf("%d UPDATE calls, want the 4 original ones", n)
	}

	// The new subscription works: acknowledge everything, kill, finish.
	for _, u := range sub.UnacknowledgedUpdates {
		h.agent.push(ackEvent(u.Status))
	}
	h.agent.mu.Lock()
	h.agent.autoAck = true
	h.agent.mu.Unlock()
	h.agent.push(killEvent("acked", -1))
	if err := h.wait(10 * time.Second); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	checkStates(t, "acked", h.agent.states("acked"), mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_KILLED)
	checkStates(t, "unacked", h.agent.states("unacked"), mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_KILLED)
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func TestLostAgentWithoutCheckpointKillsTasks(t *testing.T) {
	t.Parallel()
	h := startExecutor(t, nil)
	h.agent.push(launchEvent(shellTask("orphan", "echo $$ > pid; exec sleep 60")))
	h.agent.waitState("orphan", mesos.TASK_RUNNING, 5*time.Second)
	pidFile := filepath.Join(h.cfg.Sandbox, "tasks", "orphan", "pid")
	eventually(t, 5*time.Second, "the task's pid file", fileExists(pidFile))
	h.agent.dropStream()
	err := h.wait(10 * time.Second)
	if err == nil || !strings.Contains(err.Error(), "checkpointing is off") {
		t.Fatalf("Run = %v, want an error about the lost agent", err)
	}
	assertGone(t, pidFile)
}

func TestRecoveryTimeoutKillsTasks(t *testing.T) {
	t.Parallel()
	h := startExecutor(t, func(c *Config, _ *fakeAgent) {
		c.Checkpoint = true
		c.RecoveryTimeout = 500 * time.Millisecond
	})
	h.agent.push(launchEvent(shellTask("stranded", "echo $$ > pid; exec sleep 60")))
	h.agent.waitState("stranded", mesos.TASK_RUNNING, 5*time.Second)
	pidFile := filepath.Join(h.cfg.Sandbox, "tasks", "stranded", "pid")
	eventually(t, 5*time.Second, "the task's pid file", fileExists(pidFile))
	h.agent.setRefuse(true)
	h.agent.dropStream()
	lost := time.Now()
	err := h.wait(10 * time.Second)
	if err == nil || !strings.Contains(err.Error(), "recovery timeout") {
		t.Fatalf("Run = %v, want a recovery timeout error", err)
	}
	if elapsed := time.Since(lost); elapsed < h.cfg.RecoveryTimeout {
		t.Errorf("gave up after %s, before the recovery timeout %s", elapsed, h.cfg.RecoveryTimeout)
	}
	if n := len(h.agent.subscriptions()); n != 1 {
		t.Errorf("%d accepted subscriptions, want 1", n)
	}
	assertGone(t, pidFile)
}

func TestInvalidConfigIsRefused(t *testing.T) {
	t.Parallel()
	err := Run(t.Context(), Config{FrameworkID: "f", ExecutorID: "e", AgentEndpoint: "http://x:1", Sandbox: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "AgentEndpoint") {
		t.Errorf("Run = %v, want an AgentEndpoint error", err)
	}
}

// assertGone checks that the process whose pid is in pidFile no longer exists.
func assertGone(t *testing.T, pidFile string) {
	t.Helper()
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("task process %d still exists after Run returned (kill -0: %v)", pid, err)
	}
}
