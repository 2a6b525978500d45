package offer

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// TestTasksCarryThePodVolumes: every task of a pod names each pod-level
// volume of its executor with a SANDBOX_PATH/PARENT volume at the same
// path, or Mesos's default executor would not hand it the volume.
func TestTasksCarryThePodVolumes(t *testing.T) {
	spec := loadSpec(t, helloSpec)
	for _, task := range []string{"init", "server"} {
		t.Run(task, func(t *testing.T) {
			m, refusals, ok := Evaluate(request(t, spec, 0, task), []mesos.Offer{agentOffer("a1", "hello-world-role")})
			if !ok {
				t.Fatalf("refused: %+v", refusals)
			}
			info := m.Tasks[0]
			c := info.Container
			if c == nil || c.GetType() != mesos.ContainerInfo_MESOS {
				t.Fatalf("container %v, want type MESOS", c)
			}
			var executorPaths []string
			for _, r := range info.Executor.Resources {
				if v := r.GetDisk().GetVolume(); v != nil && r.GetDisk().Persistence != nil {
					executorPaths = append(executorPaths, v.ContainerPath)
				}
			}
			var taskPaths []string
			for _, v := range c.Volumes {
				sp := v.GetSource().GetSandboxPath()
				if v.GetSource().GetType() != mesos.Volume_Source_SANDBOX_PATH || sp.GetType() != mesos.Volume_Source_SandboxPath_PARENT ||
					v.GetMode() != mesos.RW || sp.GetPath() != v.ContainerPath {
					t.Errorf("volume %v, want SANDBOX_PATH/PARENT, RW, its sandbox path equal to its container path", v)
				}
				taskPaths = append(taskPaths, v.ContainerPath)
			}
			if got, want := strings.Join(taskPaths, ","), "data,scratch"; got != want || strings.Join(sortedStrings(executorPaths), ",") != want {
				t.Errorf("task volumes %s, executor volumes %v, want both %s", got, executorPaths, want)
			}
			if c.RlimitInfo != nil {
				t.Errorf("rlimits %v from a spec without rlimits", c.RlimitInfo)
			}
		})
	}
}

func sortedStrings(s []string) []string {
	m := map[string]bool{}
	for _, v := range s {
		m[v] = true
	}
	return slices.Sorted(maps.Keys(m))
}

func TestRLimitsReachTheTaskContainer(t *testing.T) {
	spec := loadSpec(t, strings.Replace(helloSpec, "    count: 2\n",
		"    count: 2\n    rlimits:\n      RLIMIT_NOFILE: {soft: 1024, hard: 2048}\n      RLIMIT_CORE:\n", 1))
	m, refusals, ok := Evaluate(request(t, spec, 0, "server"), []mesos.Offer{agentOffer("a1", "hello-world-role")})
	if !ok {
		t.Fatalf("refused: %+v", refusals)
	}
	got := m.Tasks[0].GetContainer().GetRlimitInfo().GetRlimits()
	if len(got) != 2 {
		t.Fatalf("rlimits %v", got)
	}
	if got[0].Type != mesos.RLimitInfo_RLimit_RLMT_CORE || got[0].Soft != nil || got[0].Hard != nil {
		t.Errorf("RLIMIT_CORE = %v, want RLMT_CORE unlimited (neither soft nor hard)", got[0])
	}
	if got[1].Type != mesos.RLimitInfo_RLimit_RLMT_NOFILE || got[1].GetSoft() != 1024 || got[1].GetHard() != 2048 {
		t.Errorf("RLIMIT_NOFILE = %v, want RLMT_NOFILE 1024/2048", got[1])
	}
}

func TestRLimitType(t *testing.T) {
	for name, want := range map[string]mesos.RLimitInfo_RLimit_Type{
		"RLIMIT_NOFILE": mesos.RLimitInfo_RLimit_RLMT_NOFILE, "RLIMIT_SIGPENDING": mesos.RLimitInfo_RLimit_RLMT_SIGPENDING,
		"RLIMIT_AS": mesos.RLimitInfo_RLimit_RLMT_AS, "RLMT_NOFILE": mesos.RLimitInfo_RLimit_UNKNOWN,
		"RLIMIT_UNKNOWN": mesos.RLimitInfo_RLimit_UNKNOWN, "RLIMIT_FOO": mesos.RLimitInfo_RLimit_UNKNOWN, "": mesos.RLimitInfo_RLimit_UNKNOWN,
	} {
		if got := RLimitType(name); got != want {
			t.Errorf("RLimitType(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestBootstrapFailureEndsTheCommand runs the composed command in a real
// shell with a `kennel` that fails as bootstrap does: whatever the shape of
// the task's command, none of it runs and the shell exits with the
// bootstrap's status.
func TestBootstrapFailureEndsTheCommand(t *testing.T) {
	for name, cmd := range map[string]string{
		"one line":        "touch ran",
		"several lines":   "echo start\ntouch ran\n",
		"set -e":          "set -e\ntouch ran\nexit 0",
		"comment first":   "# a comment && more\ntouch ran",
		"trailing &":      "touch ran &\nwait",
		"continued line":  "true \\\n && touch ran",
		"exits 0 at last": "touch ran; exit 0",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "kennel"), []byte("#!/bin/sh\nexit 78\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			sh := exec.Command("/bin/sh", "-c", BootstrapCommand(cmd))
			sh.Dir = dir
			err := sh.Run()
			if code := sh.ProcessState.ExitCode(); code != BootstrapExitCode {
				t.Errorf("exit status %d (%v), want %d", code, err, BootstrapExitCode)
			}
			if _, err := os.Stat(filepath.Join(dir, "ran")); err == nil {
				t.Error("the command ran after the bootstrap failed")
			}
		})
	}
	t.Run("bootstrap succeeds", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "kennel"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		sh := exec.Command("/bin/sh", "-c", BootstrapCommand("set -e\ntouch ran\nexit 3"))
		sh.Dir = dir
		_ = sh.Run()
		if code := sh.ProcessState.ExitCode(); code != 3 {
			t.Errorf("exit status %d, want the command's 3", code)
		}
		if _, err := os.Stat(filepath.Join(dir, "ran")); err != nil {
			t.Errorf("the command did not run: %v", err)
		}
	})
}

func TestExplainStatus(t *testing.T) {
	withBootstrap := &mesos.TaskInfo{Command: &mesos.CommandInfo{Value: strPtr(BootstrapCommand("./server"))}}
	plain := &mesos.TaskInfo{Command: &mesos.CommandInfo{Value: strPtr("./server")}}
	for _, tc := range []struct {
		name    string
		info    *mesos.TaskInfo
		message string
		want    string
	}{
		{"bootstrap failed", withBootstrap, "Command exited with status 78",
			"Command exited with status 78: its config templates failed to render (see the task's stderr)"},
		{"command failed", withBootstrap, "Command exited with status 1", "Command exited with status 1"},
		{"no bootstrap", plain, "Command exited with status 78", "Command exited with status 78"},
		{"no command", &mesos.TaskInfo{}, "Command exited with status 78", "Command exited with status 78"},
		{"killed", withBootstrap, "Command terminated with signal Killed", "Command terminated with signal Killed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ExplainStatus(tc.info, tc.message); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func strPtr(s string) *string { return &s }
