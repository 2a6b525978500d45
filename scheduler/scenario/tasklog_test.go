package scenario_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/plans"
)

// talkerSpec is a service whose one task prints a numbered line to stdout
// every 0.1s and a line to stderr, and leaves a file in its sandbox.
const talkerSpec = `name: talker
scheduler:
  principal: kennel-scenario
  user: root
pods:
  talker:
    count: 1
    tasks:
      server:
        goal: RUNNING
        cmd: |
          trap 'exit 0' TERM
          mkdir -p notes && echo kept > notes/note
          echo "to stderr" >&2
          i=0; while true; do i=$((i+1)); echo "line $i"; sleep 0.1; done
        cpus: 0.1
        memory: 32
`

// TestTaskLogAndLs reads a task's sandbox by its name with kennel task
// log and ls, through the local agents' files API: the master found by
// --master, by --data-dir and by $KENNEL_DATA_DIR; --follow sees new
// lines appear.
func TestTaskLogAndLs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "file")
	if err := os.WriteFile(filepath.Join(e.svc, "svc.yml"), []byte(talkerSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	e.startScheduler()
	e.waitPlan(plans.DeployPlan, plans.Complete, deployTimeout)
	dataDir := filepath.Join(e.dir, "cluster")

	out, errOut, code := e.cli("task", "ls", "--data-dir", dataDir, "talker-0-server")
	if code != 0 || strings.Fields(out)[0] != "notes" || !strings.Contains(out, "stderr") || !strings.Contains(out, "stdout") {
		t.Fatalf("task ls: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = e.cli("task", "ls", "--long", "--master", e.cluster, "talker-0-server", "notes")
	if f := strings.Fields(out); code != 0 || len(f) < 7 || f[0] != "-rw-r--r--" || f[4] != "5" || f[len(f)-1] != "note" {
		t.Fatalf("task ls --long notes: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = e.cli("task", "log", "--master", e.cluster, "--stderr", "talker-0-server")
	if code != 0 || !strings.Contains(out, "to stderr") {
		t.Fatalf("task log --stderr: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = e.cli("task", "log", "--master", e.cluster, "talker-0-server", "notes/note")
	if code != 0 || out != "kept\n" {
		t.Fatalf("task log FILE: exit %d\n%q%s", code, out, errOut)
	}
	// The task prints a line every 0.1 s from its start, which may be
	// moments before: wait until it has printed three.
	e.waitFor(deployTimeout, "the task to print 3 lines", func() bool {
		out, _, code := e.cli("task", "log", "--master", e.cluster, "talker-0-server")
		return code == 0 && strings.Count(out, "line ") >= 3
	})
	out, errOut, code = e.cli("task", "log", "--master", e.cluster, "--lines", "3", "talker-0-server")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var last int
	if code != 0 || len(lines) != 3 {
		t.Fatalf("task log --lines 3: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := fmt.Sscanf(lines[2], "line %d", &last); err != nil {
		t.Fatalf("task log's last line %q: %v", lines[2], err)
	}
	_, errOut, code = e.cli("task", "log", "--master", e.cluster, "talker-9-server")
	if code != 1 || !strings.Contains(errOut, `no task named "talker-9-server"; the tasks are: talker-0-server`) {
		t.Errorf("task log of an unknown task: exit %d: %s", code, errOut)
	}

	// A scheduler's "not found" lists what there is.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"plan", "status", "deploi"}, "Plan deploi not found; the plans are: deploy"},
		{[]string{"pod", "status", "talker-9"}, "the pod instances are: talker-0"},
		{[]string{"endpoints", "nope"}, "Endpoint nope not found; the endpoints are: none"},
	} {
		if _, errOut, code := e.cli(append(tc.args, "--url", e.api)...); code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d: %s; want %q", tc.args, code, errOut, tc.want)
		}
	}

	// --follow, the cluster found through $KENNEL_DATA_DIR.
	cmd := exec.Command(kennel, "task", "log", "--follow", "--lines", "1", "talker-0-server")
	cmd.Env = append(os.Environ(), "KENNEL_DATA_DIR="+dataDir, "KENNEL_MESOS_MASTER=")
	cmd.Stderr = e.logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(cmd) })
	want := last + 20 // two seconds of lines after the tail above
	seen := make(chan int, 1)
	go func() {
		defer close(seen)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var n int
			if _, err := fmt.Sscanf(sc.Text(), "line %d", &n); err == nil && n >= want {
				seen <- n
				return
			}
		}
	}()
	select {
	case _, ok := <-seen:
		if !ok {
			t.Fatalf("task log --follow ended before line %d", want)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("task log --follow did not print line %d in 60s", want)
	}
}
