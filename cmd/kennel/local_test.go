package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/deploy/local"
)

func TestLocalCommandsSteerARunningCluster(t *testing.T) {
	cfg := local.DefaultConfig(t.TempDir(), 2)
	zero := 0
	cfg.Port, cfg.AgentPort, cfg.ExecutorCommand = &zero, &zero, []string{"/bin/false"}
	c, err := local.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Shutdown)
	for deadline := time.Now().Add(30 * time.Second); c.Agents()[1].ID == ""; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("agent-2 did not register")
		}
	}
	m := "--master=" + c.URL()

	out, errOut, code := run(t, "local", m, "agents")
	if code != 0 || !strings.Contains(out, "agent-2") || !strings.Contains(out, "zone-2") {
		t.Fatalf("agents: exit %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code := run(t, "local", m, "agent", "partition", "agent-2"); code != 0 {
		t.Fatalf("partition: exit %d: %s", code, errOut)
	}
	if !c.Agents()[1].Partitioned {
		t.Fatal("agent-2 is not partitioned")
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"agent", "stop", "agent-9"}, `local cluster: no such agent: "agent-9"; the agents are: agent-1, agent-2`},
		{[]string{"agent", "explode", "agent-1"}, `local cluster: unknown agent action "explode" (want stop, start`},
		{[]string{"task", "kill", "no-task"}, `no task named "no-task"; the tasks are: none`},
		{[]string{"agent", "stop"}, "accepts 2 arg"},
	} {
		_, errOut, code := run(t, append([]string{"local", m}, tc.args...)...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want an error with %q", tc.args, code, errOut, tc.want)
		}
	}
	out, _, code = run(t, "local", m, "state")
	if code != 0 || !strings.Contains(out, `"slaves"`) {
		t.Fatalf("state: exit %d\n%s", code, out)
	}
}

func TestLocalUpRefusesABadConfig(t *testing.T) {
	_, errOut, code := run(t, "local", "up", "--config", "../../deploy/local/testdata/missing.yaml")
	if code == 0 || !strings.Contains(errOut, "missing.yaml") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--agents", "0"}, "at least one agent"},
		{[]string{"--agent-ping-timeout", "15s"}, `invalid argument "15s" for "--agent-ping-timeout" flag: "15s" is not a Mesos duration`},
		{[]string{"--agent-ping-timeout", "100ms"}, "agent-ping-timeout: 100ms must be between 1secs and 15mins"},
		{[]string{"--max-agent-ping-timeouts", "0"}, "max-agent-ping-timeouts: 0 must be at least 1"},
	} {
		args := append([]string{"local", "up", "--port", "0", "--data-dir", t.TempDir()}, tc.args...)
		if _, errOut, code := run(t, args...); code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d: %s; want an error with %q", tc.args, code, errOut, tc.want)
		}
	}
}
