package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const greeterSpec = `name: greeter
pods:
  greeter:
    count: {{COUNT}}
    volume:
      path: data
      type: ROOT
      size: {{DATA_MB}}
    tasks:
      init:
        goal: ONCE
        cmd: echo "initialised $POD_INSTANCE_INDEX"
        cpus: 0.1
        memory: 32
      server:
        goal: RUNNING
        cmd: |
          trap 'exit 0' TERM
          echo "greeting $GREETING"
          while true; do sleep 0.2; done
        cpus: 0.1
        memory: 32
        env:
          GREETING: {{GREETING}}
`

// TestLocalServiceRestart: "kennel local service restart NAME -e K=V
// [--env-file F]" restarts the scheduler of the service local up runs
// with the new values on top of the previous ones, at the same URL, and
// the deploy plan rolls the pods they change (and a finished task stays
// findable by name); values that make no valid
// spec, or a configuration the scheduler refuses, leave the previous
// values in force; an unknown name lists the services there are; and
// stopping local up afterwards logs no WARN.
func TestLocalServiceRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	svc, data := filepath.Join(dir, "svc"), filepath.Join(dir, "data")
	writeFile(t, filepath.Join(svc, "svc.yml"), greeterSpec)
	writeFile(t, filepath.Join(svc, "svc.env"), "COUNT=1\nDATA_MB=16\nGREETING=hello\n")
	up := startLocalUp(t, svc, data)

	complete := func() bool {
		out, code := up.cli("plan", "status", "--name", "greeter")
		return code == 0 && strings.Contains(out, "deploy (serial strategy) (COMPLETE)")
	}
	logs := func(task, want string) func() bool {
		return func() bool {
			out, code := up.cli("task", "log", task)
			return code == 0 && strings.Contains(out, want)
		}
	}
	up.eventually("the deploy plan to complete", complete)
	up.eventually("greeter-0-server to greet hello", logs("greeter-0-server", "greeting hello"))
	// A finished task whose end the scheduler acknowledged is still found
	// by name: the master lists it under completed_tasks, as Mesos does.
	up.eventually("the master to list greeter-0-init as completed", func() bool {
		out, code := up.cli("local", "state")
		var st struct {
			Frameworks []struct {
				Completed []struct{ Name, State string } `json:"completed_tasks"`
			} `json:"frameworks"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &st) != nil {
			return false
		}
		for _, f := range st.Frameworks {
			for _, tk := range f.Completed {
				if tk.Name == "greeter-0-init" && tk.State == "TASK_FINISHED" {
					return true
				}
			}
		}
		return false
	})
	if out, code := up.cli("task", "log", "greeter-0-init"); code != 0 || !strings.Contains(out, "initialised 0") {
		t.Errorf("task log of a finished task: exit %d: %s", code, out)
	}

	out, code := up.cli("local", "service", "restart", "greeter", "-e", "GREETING=bonjour")
	if code != 0 || !strings.Contains(out, "greeter: the scheduler restarted with GREETING=bonjour at "+up.apiURL+"\n") {
		t.Fatalf("restart -e GREETING=bonjour: exit %d: %s", code, out)
	}
	up.eventually("greeter-0-server to be relaunched greeting bonjour", logs("greeter-0-server", "greeting bonjour"))
	up.eventually("the deploy plan of the new configuration to complete", complete)

	if out, code := up.cli("local", "service", "restart", "greeter", "-e", "COUNT=x"); code != 1 ||
		!strings.Contains(out, "kennel: the new values make no valid service spec:") || !strings.Contains(out, "(the value of COUNT); COUNT=x is set by kennel local service restart") {
		t.Errorf("restart -e COUNT=x: exit %d: %s", code, out)
	}
	if out, code := up.cli("local", "service", "restart", "greeter", "-e", "DATA_MB=8"); code != 1 ||
		!strings.Contains(out, "the scheduler refused the configuration:") || !strings.Contains(out, "cannot change (16 → 8 MB)") ||
		!strings.Contains(out, "it runs with the previous ones") {
		t.Errorf("restart -e DATA_MB=8: exit %d: %s", code, out)
	}
	if out, code := up.cli("plan", "status", "--name", "greeter"); code != 0 || strings.Contains(out, "Errors:") {
		t.Errorf("after refused values, the scheduler runs with the previous ones: exit %d: %s", code, out)
	}
	if out, code := up.cli("local", "service", "restart", "greter"); code != 1 ||
		!strings.Contains(out, `kennel: no service "greter" runs on the local cluster in `+data+"; the services there are: greeter") {
		t.Errorf("restart of an unknown service: exit %d: %s", code, out)
	}

	// Values accumulate: a second pod greets as the first one does.
	more := filepath.Join(dir, "more.env")
	writeFile(t, more, "COUNT=2\n")
	if out, code := up.cli("local", "service", "restart", "greeter", "--env-file", more); code != 0 {
		t.Fatalf("restart --env-file: exit %d: %s", code, out)
	}
	up.eventually("greeter-1-server to greet bonjour", logs("greeter-1-server", "greeting bonjour"))
	up.eventually("the deploy plan of two pods to complete", complete)

	up.stop()
	b, err := os.ReadFile(filepath.Join(data, "local.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, "level=WARN") {
			t.Errorf("a clean run and exit logged a warning: %s", line)
		}
	}
}
