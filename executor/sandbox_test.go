package executor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

func TestPersistentVolumesReachableFromTaskSandbox(t *testing.T) {
	t.Parallel()
	dataVolume, logVolume := t.TempDir(), t.TempDir()
	h := startExecutor(t, func(c *Config, a *fakeAgent) {
		// What the agent does: link each volume into the executor sandbox.
		for link, target := range map[string]string{"data": dataVolume, "var/log": logVolume} {
			p := filepath.Join(c.Sandbox, link)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
		}
		a.executorVolume = []mesos.Resource{volume("var/log")}
	})
	info := shellTask("writer", "echo hello > data/file && echo logged > var/log/file")
	info.Resources = []mesos.Resource{volume("data")}
	h.agent.push(launchEvent(info))
	if err := h.wait(10 * time.Second); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	checkStates(t, "writer", h.agent.states("writer"), mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED)
	for file, want := range map[string]string{
		filepath.Join(dataVolume, "file"): "hello\n",
		filepath.Join(logVolume, "file"):  "logged\n",
	} {
		if got, err := os.ReadFile(file); err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", file, got, err, want)
		}
	}
	link := filepath.Join(h.cfg.Sandbox, "tasks", "writer", "data")
	if target, err := os.Readlink(link); err != nil || target != filepath.Join(h.cfg.Sandbox, "data") {
		t.Errorf("task link %s → %q, %v; want the executor sandbox's data", link, target, err)
	}
}

func TestInvalidVolumePathFailsTask(t *testing.T) {
	t.Parallel()
	h := startExecutor(t, nil)
	info := shellTask("escape", "true")
	info.Resources = []mesos.Resource{volume("../outside")}
	h.agent.push(launchEvent(info))
	st := h.agent.waitState("escape", mesos.TASK_FAILED, 5*time.Second)
	if st.GetReason() != mesos.REASON_CONTAINER_LAUNCH_FAILED || !strings.Contains(st.GetMessage(), "../outside") {
		t.Errorf("TASK_FAILED reason %s message %q", st.GetReason(), st.GetMessage())
	}
	if err := h.wait(10 * time.Second); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
}

// Not parallel: it sets the executor's own environment.
func TestTaskEnvironment(t *testing.T) {
	t.Setenv("KENNEL_EXECUTOR_SECRET", "must-not-leak")
	t.Setenv("MESOS_SLAVE_PID", "slave(1)@127.0.0.1:5051")
	t.Setenv("EXECUTOR_PASSTHROUGH", "kept")
	h := startExecutor(t, nil)
	info := shellTask("env", "env > env.txt")
	info.Command.Environment = &mesos.Environment{Variables: []mesos.Environment_Variable{
		{Name: "FOO", Value: ptr("first")},
		{Name: "PLAIN", Type: mesos.Environment_Variable_VALUE.Enum(), Value: ptr("value with spaces")},
		{Name: "FOO", Value: ptr("second")},
		{Name: "EXECUTOR_PASSTHROUGH", Value: ptr("overridden")},
	}}
	h.agent.push(launchEvent(info))
	if err := h.wait(10 * time.Second); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	sandbox := filepath.Join(h.cfg.Sandbox, "tasks", "env")
	raw, err := os.ReadFile(filepath.Join(sandbox, "env.txt"))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		k, v, _ := strings.Cut(line, "=")
		env[k] = v
	}
	for k, want := range map[string]string{
		"FOO":                  "second",
		"PLAIN":                "value with spaces",
		"EXECUTOR_PASSTHROUGH": "overridden",
		"MESOS_SANDBOX":        sandbox,
		"MESOS_TASK_ID":        "env",
		"MESOS_FRAMEWORK_ID":   testFrameworkID,
		"MESOS_EXECUTOR_ID":    testExecutorID,
		"MESOS_AGENT_ENDPOINT": h.cfg.AgentEndpoint,
		"PATH":                 os.Getenv("PATH"),
	} {
		if env[k] != want {
			t.Errorf("task sees %s=%q, want %q", k, env[k], want)
		}
	}
	for _, k := range []string{"KENNEL_EXECUTOR_SECRET", "MESOS_SLAVE_PID"} {
		if v, ok := env[k]; ok {
			t.Errorf("task sees %s=%q, want it removed", k, v)
		}
	}
}

func TestSecretEnvironmentVariableFailsTask(t *testing.T) {
	t.Parallel()
	h := startExecutor(t, nil)
	info := shellTask("secret", "true")
	info.Command.Environment = &mesos.Environment{Variables: []mesos.Environment_Variable{
		{Name: "TOKEN", Type: mesos.Environment_Variable_SECRET.Enum()},
	}}
	h.agent.push(launchEvent(info))
	st := h.agent.waitState("secret", mesos.TASK_FAILED, 5*time.Second)
	if st.GetReason() != mesos.REASON_CONTAINER_LAUNCH_FAILED {
		t.Errorf("reason %s, want %s", st.GetReason(), mesos.REASON_CONTAINER_LAUNCH_FAILED)
	}
	if err := h.wait(10 * time.Second); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
}

func TestDedupEnv(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want []string
	}{
		{nil, []string{}},
		{[]string{"A=1", "B=2"}, []string{"A=1", "B=2"}},
		{[]string{"A=1", "B=2", "A=3"}, []string{"A=3", "B=2"}},
		{[]string{"A=x=y", "A="}, []string{"A="}},
	} {
		if got := dedupEnv(tc.in); strings.Join(got, ";") != strings.Join(tc.want, ";") {
			t.Errorf("dedupEnv(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
