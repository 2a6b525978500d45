package scenario_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/plans"
)

// crashSpec is a service whose only task always fails.
const crashSpec = `name: {{FRAMEWORK_NAME}}
scheduler:
  principal: kennel-scenario
  user: root
pods:
  crash:
    count: 1
    tasks:
      server:
        goal: RUNNING
        cmd: echo "no config" >&2; exit 3
        cpus: 0.1
        memory: 32
`

// TestPlanStatusShowsWhyAStepIsDelayed deploys a task that always fails,
// with a long backoff, and checks that `kennel plan status recovery` prints
// the DELAYED step's reason and its next attempt on the step's line. (The
// deploy step completes when the task first runs; recovery relaunches it.)
func TestPlanStatusShowsWhyAStepIsDelayed(t *testing.T) {
	e := newEnv(t, "file")
	if err := os.WriteFile(filepath.Join(e.svc, "svc.yml"), []byte(crashSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	e.startScheduler("--backoff-initial", "10m", "--backoff-max", "10m")
	var last plans.PlanInfo
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("recovery plan:\n%s", last.TreeAt("recovery", time.Now()))
		}
	})
	e.waitFor(deployTimeout, "crash-0:[server] to be DELAYED", func() bool {
		info, _, err := e.plan(plans.RecoveryPlan)
		last = info
		return err == nil && len(info.Phases) == 1 && len(info.Phases[0].Steps) == 1 &&
			info.Phases[0].Steps[0].Status == string(plans.Delayed)
	})
	out := e.ok("plan", "status", "recovery")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("plan status:\n%s\nwant the plan, its phase and its step", out)
	}
	// The backoff is 10m: the next attempt is minutes away, at a clock time
	// the reason gives.
	step := regexp.MustCompile(`^   └─ crash-0:\[server\] \(DELAYED: .*crash-0-server.* \(failure 1\), retry at (\d\d:\d\d:\d\d); next attempt in ([5-9]m\d+s|10m0s)\)$`)
	if !step.MatchString(lines[2]) {
		t.Errorf("the step's line:\n%s\ndoes not match %s", lines[2], step)
	}
	if want := "recovery (parallel strategy) (DELAYED)"; lines[0] != want {
		t.Errorf("the plan's line: %q, want %q", lines[0], want)
	}
	// The line carries the JSON's message and delayed-until.
	info, _, err := e.plan(plans.RecoveryPlan)
	if err != nil {
		t.Fatal(err)
	}
	st := info.Phases[0].Steps[0]
	until, err := time.Parse(time.RFC3339, st.Delayed)
	if err != nil || !strings.Contains(lines[2], until.UTC().Format("15:04:05")) || !strings.Contains(lines[2], st.Message) {
		t.Errorf("the line %q does not carry the step's message %q and delayed-until %q (%v)", lines[2], st.Message, st.Delayed, err)
	}
}
