package scenario_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/plans"
)

// useService replaces the scenario's service with the files given (name →
// content), svc.yml among them; the framework stays "scenario".
func (e *env) useService(files map[string]string) {
	e.t.Helper()
	if err := os.RemoveAll(e.svc); err != nil {
		e.t.Fatal(err)
	}
	if err := os.MkdirAll(e.svc, 0o755); err != nil {
		e.t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(e.svc, name), []byte(content), 0o644); err != nil {
			e.t.Fatal(err)
		}
	}
	e.vars["FRAMEWORK_NAME"] = "scenario"
}

// clusterFiles lists the files called name anywhere under the cluster's
// data directory (sandboxes, volumes, disks).
func (e *env) clusterFiles(name string) []string {
	var out []string
	_ = filepath.WalkDir(filepath.Join(e.dir, "cluster"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == name {
			out = append(out, path)
		}
		return nil
	})
	return out
}

// TestHelloWorldPodVolumesReachItsTasks: the stock hello-world declares its
// ROOT and MOUNT volumes at pod level; its tasks name them in their
// ContainerInfo (the executor gives a task no other volume, as on Mesos),
// write to them, and the data lands on the agent's disks.
func TestHelloWorldPodVolumesReachItsTasks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "file")
	files := map[string]string{}
	for _, name := range []string{"svc.yml", "svc.env"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", "hello-world", name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	e.useService(files)
	e.startScheduler()
	e.waitPlan(plans.DeployPlan, plans.Complete, deployTimeout)

	// MOUNT: init and server wrote to data/ on the disk of their instance.
	for i := range 2 {
		if log, ok := e.volumeFile(i, "server.log"); !ok || !strings.Contains(log, "hello from hello-") {
			t.Errorf("hello-%d server.log on its MOUNT disk: %q", i, log)
		}
		if log, ok := e.volumeFile(i, "init.log"); !ok || strings.Count(log, "initialised") != 1 {
			t.Errorf("hello-%d init.log on its MOUNT disk: %q", i, log)
		}
	}
	// ROOT: each server's heartbeat is in its scratch volume, on the agent.
	beats, _ := filepath.Glob(filepath.Join(e.dir, "cluster", "agents", "*", "volumes", "roles", "*", "*", "heartbeat"))
	if len(beats) != 2 {
		t.Errorf("heartbeats on ROOT volumes: %v, want one per server", beats)
	}

	// The launched tasks carry the pod's volumes as SANDBOX_PATH/PARENT
	// volumes, and the executor holds the persistent volumes.
	e.stopScheduler(false)
	for name, info := range e.stored() {
		var named []string
		for _, v := range info.GetContainer().GetVolumes() {
			if sp := v.GetSource().GetSandboxPath(); sp.GetType() == mesos.Volume_Source_SandboxPath_PARENT && sp.Path == v.ContainerPath {
				named = append(named, v.ContainerPath)
			}
		}
		var held []string
		for _, r := range info.GetExecutor().GetResources() {
			if r.GetDisk().GetPersistence() != nil {
				held = append(held, r.GetDisk().GetVolume().GetContainerPath())
			}
		}
		if strings.Join(named, ",") != "data,scratch" || len(held) != 2 {
			t.Errorf("%s: task names volumes %v, its executor holds %v; want data and scratch both", name, named, held)
		}
	}
}

// bootstrapSpec is a service whose task's config template uses a variable
// the task's environment lacks; readiness is its readiness check, if any.
func bootstrapSpec(readiness string) string {
	return `name: {{FRAMEWORK_NAME}}
scheduler:
  principal: kennel-scenario
  user: root
pods:
  app:
    count: 1
    tasks:
      server:
        goal: RUNNING
        cmd: |
          set -e
          # nothing of this may run without the rendered config
          echo ran >> command-ran
          while true; do sleep 0.2; done
        cpus: 0.1
        memory: 32
        configs:
          conf:
            template: app.conf.mustache
            dest: app.conf
` + readiness
}

// TestBootstrapFailureFailsTheTask: a task whose config template uses a
// variable its environment lacks fails, whatever the shape of its
// command (here several lines under `set -e`), never running the command,
// and its step says why: the deploy step while the task was never ready;
// without a readiness check the task was RUNNING before its shell ran the
// bootstrap, so its deploy step completed (as in DC/OS Commons) and the
// recovery step relaunching it says why.
func TestBootstrapFailureFailsTheTask(t *testing.T) {
	const why = "task app-0-server failed: Command exited with status 78: its config templates failed to render (see the task's stderr)"
	for _, tc := range []struct {
		name, readiness, plan string
	}{
		{"with a readiness check", "        readiness-check:\n          cmd: test -s app.conf\n          interval: 1\n          delay: 0\n          timeout: 5\n", plans.DeployPlan},
		{"without a readiness check", "", "recovery"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "file")
			e.useService(map[string]string{"app.conf.mustache": "value={{NOT_IN_THE_TASK_ENV}}\n", "svc.yml": bootstrapSpec(tc.readiness)})
			e.startScheduler()
			var step plans.StepInfo
			e.waitFor(deployTimeout, "a step of plan "+tc.plan+" to say the bootstrap failed", func() bool {
				info, _, err := e.plan(tc.plan)
				if err != nil {
					return false
				}
				for _, ph := range info.Phases {
					for _, st := range ph.Steps {
						if strings.Contains(st.Message, why) {
							step = st
							return true
						}
					}
				}
				return false
			})
			t.Logf("%s step %s %s: %s", tc.plan, step.Name, step.Status, step.Message)
			if step.Status == string(plans.Complete) {
				t.Errorf("step %s is %s", step.Name, step.Status)
			}
			// The task's stderr has the bootstrap's error; its command never ran.
			var reported bool
			for _, f := range e.clusterFiles("stderr") {
				b, _ := os.ReadFile(f)
				reported = reported || strings.Contains(string(b), "NOT_IN_THE_TASK_ENV: not set in the task environment")
			}
			if !reported {
				t.Error("no task stderr names the missing variable")
			}
			if ran := e.clusterFiles("command-ran"); len(ran) > 0 {
				t.Errorf("the command ran after its bootstrap failed: %v", ran)
			}
		})
	}
}

// TestRLimitsHoldInsideTheTask: a spec's rlimits reach the task's
// ContainerInfo and hold inside it. The ONCE task exits 0 only if its
// shell sees them, so the deploy completes only then.
func TestRLimitsHoldInsideTheTask(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "file")
	e.useService(map[string]string{"svc.yml": `name: {{FRAMEWORK_NAME}}
scheduler:
  principal: kennel-scenario
  user: root
pods:
  app:
    count: 1
    rlimits:
      RLIMIT_NOFILE:
        soft: 1234
        hard: 2345
      RLIMIT_CORE:
        soft: 0
        hard: 0
    tasks:
      check:
        goal: ONCE
        cmd: |
          echo "nofile $(ulimit -n)/$(ulimit -Hn) core $(ulimit -c)"
          test "$(ulimit -n)" = 1234 && test "$(ulimit -Hn)" = 2345 && test "$(ulimit -c)" = 0
        cpus: 0.1
        memory: 32
`})
	e.startScheduler()
	e.waitPlan(plans.DeployPlan, plans.Complete, deployTimeout)
	var seen []string
	for _, f := range e.clusterFiles("stdout") {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), "nofile ") {
			seen = append(seen, strings.TrimSpace(string(b)))
		}
	}
	if len(seen) != 1 || seen[0] != "nofile 1234/2345 core 0" {
		t.Errorf("the task printed %q, want one run that saw nofile 1234/2345 core 0", seen)
	}
}
