package executor

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// parentVolume names the executor sandbox's <path> at the same path in a
// task's container, as the scheduler does for pod-level volumes.
func parentVolume(path string) mesos.Volume {
	return mesos.Volume{Mode: mesos.RW.Enum(), ContainerPath: path, Source: &mesos.Volume_Source{
		Type:        mesos.Volume_Source_SANDBOX_PATH,
		SandboxPath: &mesos.Volume_Source_SandboxPath{Type: mesos.Volume_Source_SandboxPath_PARENT, Path: path},
	}}
}

func withVolumes(vols ...mesos.Volume) *mesos.ContainerInfo {
	return &mesos.ContainerInfo{Type: mesos.ContainerInfo_MESOS.Enum(), Volumes: vols}
}

// TestTaskSeesOnlyTheVolumesItNames: as with Mesos's default executor, a
// task reaches a volume the executor holds only through its own resources
// or a SANDBOX_PATH/PARENT volume of its ContainerInfo.
func TestTaskSeesOnlyTheVolumesItNames(t *testing.T) {
	for _, tc := range []struct {
		name      string
		resources []mesos.Resource
		container *mesos.ContainerInfo
		visible   []string // volumes (of data, var/log) the task writes to
	}{
		{name: "nothing named", visible: nil},
		{name: "own resource", resources: []mesos.Resource{volume("data")}, visible: []string{"data"}},
		{name: "parent volume", container: withVolumes(parentVolume("var/log")), visible: []string{"var/log"}},
		{name: "both", resources: []mesos.Resource{volume("data")}, container: withVolumes(parentVolume("var/log")), visible: []string{"data", "var/log"}},
		{name: "container without volumes", container: withVolumes(), visible: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			volumes := map[string]string{"data": t.TempDir(), "var/log": t.TempDir()}
			h := startExecutor(t, func(c *Config, a *fakeAgent) {
				// What the agent does: link each volume of the executor and
				// its tasks into the executor sandbox.
				for link, target := range volumes {
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
			info := shellTask("writer", "for v in data var/log; do if [ -d $v ]; then echo $MESOS_TASK_ID > $v/file; fi; done")
			info.Resources, info.Container = tc.resources, tc.container
			h.agent.push(launchEvent(info))
			if err := h.wait(10 * time.Second); err != nil {
				t.Fatalf("Run = %v, want nil", err)
			}
			checkStates(t, "writer", h.agent.states("writer"), mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED)
			for path, dir := range volumes {
				got, err := os.ReadFile(filepath.Join(dir, "file"))
				want := slices.Contains(tc.visible, path)
				switch {
				case want && (err != nil || string(got) != "writer\n"):
					t.Errorf("volume %s: %q, %v; want the task's write", path, got, err)
				case !want && err == nil:
					t.Errorf("volume %s was visible to the task, which does not name it", path)
				}
			}
			if slices.Contains(tc.visible, "data") {
				link := filepath.Join(h.cfg.Sandbox, "tasks", "writer", "data")
				if target, err := os.Readlink(link); err != nil || target != filepath.Join(h.cfg.Sandbox, "data") {
					t.Errorf("task link %s → %q, %v; want the executor sandbox's data", link, target, err)
				}
			}
		})
	}
}

// TestParentVolumeCreatesItsSource: a SANDBOX_PATH volume whose source is
// missing in the executor sandbox gets a new directory there, shared by the
// tasks that name it.
func TestParentVolumeCreatesItsSource(t *testing.T) {
	t.Parallel()
	h := startExecutor(t, nil)
	writer := shellTask("writer", "echo shared > shared/file")
	writer.Container = withVolumes(parentVolume("shared"))
	// The reader polls for the writer's file, with a deadline of its own.
	reader := shellTask("reader", `i=0; while [ ! -s here/file ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; test "$(cat here/file)" = shared`)
	v := parentVolume("here")
	v.Source.SandboxPath.Path = "shared"
	reader.Container = withVolumes(v)
	h.agent.push(launchGroupEvent(writer, reader))
	h.agent.waitState("writer", mesos.TASK_FINISHED, 5*time.Second)
	h.agent.waitState("reader", mesos.TASK_FINISHED, 15*time.Second)
	if err := h.wait(10 * time.Second); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if fi, err := os.Stat(filepath.Join(h.cfg.Sandbox, "shared")); err != nil || !fi.IsDir() {
		t.Errorf("executor sandbox's shared: %v, %v; want a directory", fi, err)
	}
}

// TestRefusedVolumesFailTask: volumes Mesos would refuse, or that the local
// cluster cannot give as Mesos does, fail the task before it starts.
func TestRefusedVolumesFailTask(t *testing.T) {
	absolute := parentVolume("/srv/data")
	absolute.Source.SandboxPath.Path = "data"
	absSandbox := parentVolume("data")
	absSandbox.Source.SandboxPath.Path = "/etc"
	self := parentVolume("data")
	self.Source.SandboxPath.Type = mesos.Volume_Source_SandboxPath_SELF
	readOnly := parentVolume("data")
	readOnly.Mode = mesos.RO.Enum()
	hostPath := mesos.Volume{Mode: mesos.RW.Enum(), ContainerPath: "data", Source: &mesos.Volume_Source{
		Type: mesos.Volume_Source_HOST_PATH, HostPath: &mesos.Volume_Source_HostPath{Path: "/tmp"}}}
	escape := parentVolume("data")
	escape.Source.SandboxPath.Path = "../../outside"
	for _, tc := range []struct {
		name      string
		resources []mesos.Resource
		container *mesos.ContainerInfo
		message   string
	}{
		{"resource path leaves the sandbox", []mesos.Resource{volume("../outside")}, nil, "../outside"},
		{"absolute container path", nil, withVolumes(absolute), "absolute container path needs the 'linux' launcher"},
		{"absolute sandbox path", nil, withVolumes(absSandbox), `path "/etc" in SANDBOX_PATH volume is absolute`},
		{"SELF volume", nil, withVolumes(self), "only PARENT volumes"},
		{"read-only", nil, withVolumes(readOnly), "read-only volume is not supported by the local cluster"},
		{"host path", nil, withVolumes(hostPath), "HOST_PATH volume is not supported"},
		{"sandbox path leaves the sandbox", nil, withVolumes(escape), "must stay inside"},
		{"docker container", nil, &mesos.ContainerInfo{Type: mesos.ContainerInfo_DOCKER.Enum()}, "only MESOS containers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := startExecutor(t, nil)
			info := shellTask("refused", "true")
			info.Resources, info.Container = tc.resources, tc.container
			h.agent.push(launchEvent(info))
			st := h.agent.waitState("refused", mesos.TASK_FAILED, 5*time.Second)
			if st.GetReason() != mesos.REASON_CONTAINER_LAUNCH_FAILED || !strings.Contains(st.GetMessage(), tc.message) {
				t.Errorf("TASK_FAILED reason %s message %q, want %q", st.GetReason(), st.GetMessage(), tc.message)
			}
			if err := h.wait(10 * time.Second); err != nil {
				t.Fatalf("Run = %v, want nil", err)
			}
		})
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
