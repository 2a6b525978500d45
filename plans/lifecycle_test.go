package plans

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDeployRunsStepsInOrderAndGatesOnReadiness(t *testing.T) {
	f := newFixture(t, helloSpec)
	if got := f.set.Names(); !reflect.DeepEqual(got, []string{"deploy", "recovery", "backup"}) {
		t.Fatalf("plans = %v", got)
	}
	c := f.set.Candidates()
	if len(c) != 1 || c[0].Name != "hello-0:[init]" || c[0].Reason != "waiting for an offer" {
		t.Fatalf("first candidate: %v", names(c))
	}
	f.launch(c[0])
	if st := f.step("deploy", "hello-0:[init]"); st.Status != Starting || !strings.Contains(st.Reason, "launched at 12:00:00") {
		t.Errorf("launched init: %s %q", st.Status, st.Reason)
	}
	f.update("hello-0-init", TaskRunning, false, "")
	if st := f.step("deploy", "hello-0:[init]"); st.Status != Started || st.Reason != "task hello-0-init running, waiting for it to finish" {
		t.Errorf("running init: %s %q", st.Status, st.Reason)
	}
	f.update("hello-0-init", TaskFinished, false, "")
	f.settle()
	server := f.step("deploy", "hello-0:[server, sidecar]")
	if server.Status != Pending || len(f.set.Candidates()) != 1 || f.set.Candidates()[0] != server {
		t.Fatalf("server should be next: %s", f.set.statuses())
	}
	f.launch(server)
	f.update("hello-0-server", TaskRunning, false, "")
	f.update("hello-0-sidecar", TaskRunning, true, "")
	if server = f.step("deploy", "hello-0:[server, sidecar]"); server.Status != Started || server.Reason != "task hello-0-server running, waiting for its readiness check" {
		t.Errorf("readiness gate: %s %q", server.Status, server.Reason)
	}
	if len(f.set.Candidates()) != 1 {
		t.Errorf("a STARTED step stays the serial candidate: %v", names(f.set.Candidates()))
	}
	f.update("hello-0-server", TaskRunning, true, "")
	f.settle()
	if server = f.step("deploy", "hello-0:[server, sidecar]"); server.Status != Complete || server.Completed == nil {
		t.Errorf("ready server: %s", server.Status)
	}
	f.deployAll()
	if p := f.set.Plan("deploy"); p.Status != Complete {
		t.Fatalf("deploy not complete:\n%s", p.Info().Tree("deploy"))
	}
	if f.set.Intent().DeployedConfig != f.world.Config {
		t.Error("a completed deploy records the deployed configuration")
	}
}

func TestFailedLaunchBacksOffAndRetries(t *testing.T) {
	f := newFixture(t, helloSpec)
	f.set.world.Backoff = BackoffPolicy{Initial: 10 * time.Second, Factor: 2, Max: time.Minute}
	init := f.set.Candidates()[0]
	f.launch(init)
	f.update("hello-0-init", TaskFailed, false, "exit 3")
	st := f.step("deploy", "hello-0:[init]")
	if st.Status != Delayed || st.Until == nil || !st.Until.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("failed step: %s until %v", st.Status, st.Until)
	}
	if want := "task hello-0-init failed: exit 3 (failure 1), retry at 12:00:10"; st.Reason != want {
		t.Errorf("reason %q, want %q", st.Reason, want)
	}
	if p := f.set.Plan("deploy"); p.Status != Delayed || len(f.set.Candidates()) != 0 {
		t.Errorf("a delayed step is no candidate and the plan reads DELAYED: %s %v", p.Status, names(f.set.Candidates()))
	}
	f.update("hello-0-init", TaskFailed, false, "exit 3") // the same failure, reported again
	if b := f.set.Intent().Backoff["hello-0-init"]; b.Failures != 1 {
		t.Errorf("a repeated status counted twice: %d", b.Failures)
	}
	f.tick(11 * time.Second)
	if st = f.step("deploy", "hello-0:[init]"); st.Status != Pending {
		t.Fatalf("after the backoff: %s", st.Status)
	}
	f.launch(st)
	f.update("hello-0-init", TaskFailed, false, "exit 3")
	if st = f.step("deploy", "hello-0:[init]"); !st.Until.Equal(f.now.Add(20 * time.Second)) {
		t.Errorf("second failure waits twice as long: %v", st.Until)
	}
	f.restart()
	if st = f.step("deploy", "hello-0:[init]"); st.Status != Delayed {
		t.Errorf("backoff survives a restart: %s", st.Status)
	}
	f.set.Restart("deploy", "hello", "hello-0:[init]", f.now)
	if st = f.step("deploy", "hello-0:[init]"); st.Status != Pending || f.set.Intent().Backoff["hello-0-init"] != nil {
		t.Errorf("restart clears the backoff: %s", st.Status)
	}
}

func TestCompletedStepsStayCompleteAndRecoveryTakesOver(t *testing.T) {
	f := newFixture(t, helloSpec)
	f.deployAll()
	f.update("hello-1-server", TaskFailed, false, "exit 137")
	f.settle()
	if p := f.set.Plan("deploy"); p.Status != Complete {
		t.Fatalf("a failure after deployment reopened deploy:\n%s", p.Info().Tree("deploy"))
	}
	rec := f.set.Plan("recovery")
	if rec.Status != Delayed || len(rec.Phases) != 1 {
		t.Fatalf("recovery:\n%s", rec.Info().Tree("recovery"))
	}
	st := rec.Phases[0].Steps[0]
	// server is essential: its whole pod instance's RUNNING tasks relaunch.
	if st.Name != "hello-1:[server, sidecar]" || st.Recovery != Transient || rec.Phases[0].Name != st.Name {
		t.Errorf("recovery step %s %s", st.Name, st.Recovery)
	}
	f.tick(time.Minute)
	c := f.set.Candidates()
	if len(c) != 1 || c[0] != f.step("recovery", "hello-1:[server, sidecar]") {
		t.Fatalf("candidates %v", names(c))
	}
	f.launch(c[0])
	f.update("hello-1-server", TaskRunning, true, "")
	f.update("hello-1-sidecar", TaskRunning, true, "")
	f.settle()
	if p := f.set.Plan("recovery"); p.Status != Complete || len(p.Phases) != 1 {
		t.Errorf("a finished recovery stays visible:\n%s", p.Info().Tree("recovery"))
	}
	f.restart()
	if p := f.set.Plan("recovery"); p.Status != Complete || len(p.Phases) != 1 {
		t.Errorf("and survives a restart:\n%s", p.Info().Tree("recovery"))
	}
	// A non-essential task relaunches alone; a replaced one is PERMANENT.
	f.update("hello-0-sidecar", TaskKilled, false, "")
	f.update("world-0-server", TaskLost, false, "")
	lost := *f.set.world.Tasks["world-0-server"]
	lost.PermanentlyFailed = true
	f.set.UpdateTask(lost, f.now)
	f.settle()
	if st := f.step("recovery", "hello-0:[sidecar]"); st.Recovery != Transient || st.Status != Pending {
		t.Errorf("sidecar recovery: %s %s", st.Recovery, st.Status)
	}
	if st := f.step("recovery", "world-0:[server]"); st.Recovery != Permanent {
		t.Errorf("replacement: %s", st.Recovery)
	}
	if got := len(f.set.Candidates()); got != 2 {
		t.Errorf("recoveries run in parallel: %d candidates", got)
	}
}

func TestConfigurationChangeStartsANewRollout(t *testing.T) {
	f := newFixture(t, helloSpec)
	f.deployAll()
	f.set.ForceComplete("backup", "", "", f.now)
	changed := strings.Replace(helloSpec, "cmd: ./server", "cmd: ./server --v2", 1)
	f.changeSpec(changed)
	p := f.set.Plan("deploy")
	if p.Status != InProgress {
		t.Fatalf("deploy after a change:\n%s", p.Info().Tree("deploy"))
	}
	// init is ONCE: it does not run again. server runs on the old config.
	if st := f.step("deploy", "hello-0:[init]"); st.Status != Complete {
		t.Errorf("ONCE step: %s", st.Status)
	}
	if st := f.step("deploy", "hello-0:[server, sidecar]"); st.Status != Pending {
		t.Errorf("changed step: %s", st.Status)
	}
	if st := f.step("backup", "hello-0:[init]"); st.Status != Complete {
		t.Errorf("custom plans keep their intent across configurations: %s", st.Status)
	}
	f.deployAll()
	if f.set.Plan("deploy").Status != Complete {
		t.Error("second rollout does not complete")
	}
}

func TestUpdatePlanReplacesDeployAfterFirstDeployment(t *testing.T) {
	spec := helloSpec + `  update:
    strategy: serial
    phases:
      rolling:
        strategy: serial-canary
        pod: hello
        steps:
          - default: [[server, sidecar]]
`
	f := newFixture(t, spec)
	if ph := f.set.Plan("deploy").Phases[0]; ph.Name != "hello" {
		t.Fatalf("first deployment uses deploy: %s", ph.Name)
	}
	if f.set.Plan("update") != nil {
		t.Error("update is not a plan of its own")
	}
	f.deployAll()
	f.changeSpec(strings.Replace(spec, "cmd: ./server", "cmd: ./server --v2", 1))
	p := f.set.Plan("deploy")
	if len(p.Phases) != 1 || p.Phases[0].Name != "rolling" || p.Phases[0].Strategy != SerialCanary {
		t.Fatalf("update presented as deploy:\n%s", p.Info().Tree("deploy"))
	}
	if p.Status != Waiting {
		t.Errorf("the canary waits: %s", p.Status)
	}
}

func TestCustomPlanStartsInterruptedAndTakesParameters(t *testing.T) {
	f := newFixture(t, helloSpec)
	f.deployAll()
	// The backup's steps launch init, a ONCE task that already ran: they
	// are COMPLETE from the start, the plan interrupted all the same.
	p := f.set.Plan("backup")
	if p.Status != Complete || !p.Interrupted() {
		t.Fatalf("custom plan: %s", p.Status)
	}
	if r := f.set.Start("backup", map[string]string{"BAD-NAME": "x"}, f.now); r.Outcome != BadRequest ||
		r.Message != "Couldn't parse parameters: BAD-NAME is not a valid environment variable name" {
		t.Errorf("bad parameter: %+v", r)
	}
	r := f.set.Start("backup", map[string]string{"TARGET": "s3://b", "DRY": "no"}, f.now)
	if r.Outcome != Accepted || r.Message != "Received cmd: start backup with parameters: {DRY=no, TARGET=s3://b}" {
		t.Errorf("start: %+v", r)
	}
	// init is ONCE and already finished: the backup's steps start COMPLETE,
	// so start restarts them.
	c := f.set.Candidates()
	if len(c) != 2 || !reflect.DeepEqual(c[0].Parameters, map[string]string{"TARGET": "s3://b", "DRY": "no"}) {
		t.Fatalf("backup candidates %v params %v", names(c), c)
	}
	f.restart()
	if c := f.set.Candidates(); len(c) != 2 || c[1].Parameters["TARGET"] != "s3://b" {
		t.Errorf("parameters survive a restart: %v", c)
	}
}

func TestCanaryWaitsForEachContinue(t *testing.T) {
	spec := strings.Replace(helloSpec, "    count: 2\n", "    count: 4\n", 1)
	spec = strings.Replace(spec, "      hello:\n        pod: hello\n        steps:\n          - default: [[init], [server, sidecar]]",
		"      hello:\n        strategy: serial-canary\n        pod: hello", 1)
	f := newFixture(t, spec)
	p := f.set.Plan("deploy")
	if p.Status != Waiting || p.Phases[0].Status != Waiting || len(f.set.Candidates()) != 0 {
		t.Fatalf("canary before continue:\n%s", p.Info().Tree("deploy"))
	}
	if st := f.step("deploy", "hello-0:[init, server, sidecar]"); st.Status != Waiting || st.Display != "WAITING" {
		t.Errorf("trial step: %s", st.Status)
	}
	if st := f.step("deploy", "hello-2:[init, server, sidecar]"); st.Status != Pending {
		t.Errorf("non-trial step: %s", st.Status)
	}
	if r := f.set.Continue("deploy", "hello"); r.Outcome != Accepted {
		t.Fatal(r)
	}
	f.settle()
	f.restart() // canary progress is stored
	c := f.set.Candidates()
	if len(c) != 1 || c[0].Name != "hello-0:[init, server, sidecar]" {
		t.Fatalf("after one continue: %v", names(c))
	}
	f.deployAll()
	if st := f.step("deploy", "hello-1:[init, server, sidecar]"); st.Status != Waiting || f.set.Plan("deploy").Status != Waiting {
		t.Fatalf("second trial step waits:\n%s", f.set.Plan("deploy").Info().Tree("deploy"))
	}
	// Kennel extension: continuing the plan continues its waiting phase.
	if r := f.set.Continue("deploy", ""); r.Outcome != Accepted {
		t.Fatal(r)
	}
	f.deployAll()
	if p := f.set.Plan("deploy"); p.Status != Complete {
		t.Errorf("the second continue releases the rest:\n%s", p.Info().Tree("deploy"))
	}
}

func TestDecommission(t *testing.T) {
	f := newFixture(t, helloSpec)
	f.deployAll()
	if f.set.Plan(DecommissionPlan) != nil {
		t.Fatal("no decommission plan without something to remove")
	}
	f.changeSpec(strings.Replace(helloSpec, "  world:\n    count: 1\n", "  world:\n    count: 0\n", 1))
	f.relabel() // the hello pods did not change
	p := f.set.Plan(DecommissionPlan)
	if p == nil || !reflect.DeepEqual(f.set.Names(), []string{"deploy", "recovery", "decommission", "backup"}) {
		t.Fatalf("plans %v", f.set.Names())
	}
	want := "decommission (serial strategy) (PENDING)\n└─ world-0 (serial strategy) (PENDING)\n" +
		"   ├─ kill-world-0-server (PENDING)\n   ├─ unreserve-res-world-0-server (PENDING)\n   └─ erase-world-0-server (PENDING)"
	if got := p.Info().Tree(DecommissionPlan); got != want {
		t.Fatalf("tree:\n%s\nwant:\n%s", got, want)
	}
	f.settle()
	f.update("world-0-server", TaskKilled, false, "")
	if c := f.set.Candidates(); len(c) != 1 || c[0].Name != "unreserve-res-world-0-server" {
		t.Fatalf("after the kill: %v", names(c))
	}
	released := *f.set.world.Tasks["world-0-server"]
	released.Resources = []Resource{{ID: "res-world-0-server"}}
	f.set.UpdateTask(released, f.now)
	f.set.RemoveTask("world-0-server", f.now)
	f.settle()
	f.restart()
	if p := f.set.Plan(DecommissionPlan); p == nil || p.Status != Complete {
		t.Fatalf("finished decommission stays visible: %v", f.set.Names())
	}
}

func TestStableIDsAndRebuild(t *testing.T) {
	f := newFixture(t, helloSpec)
	a := f.set.statuses()
	f.restart()
	if b := f.set.statuses(); a != b {
		t.Fatalf("rebuild changed statuses or ids:\n%s\n%s", a, b)
	}
	f.set.Interrupt("deploy", "")
	f.settle()
	f.restart()
	if !f.set.Plan("deploy").Interrupted() || f.set.Plan("deploy").Status != Waiting {
		t.Error("an interrupt survives a restart")
	}
}

func TestPausedPodsDisplay(t *testing.T) {
	f := newFixture(t, helloSpec)
	f.deployAll()
	for _, name := range []string{"hello-0-init", "hello-0-server", "hello-0-sidecar"} {
		task := *f.set.world.Tasks[name]
		task.Paused = true
		f.set.UpdateTask(task, f.now)
	}
	// Its tasks still run their own command: PAUSING until relaunched.
	if st := f.step("deploy", "hello-0:[server, sidecar]"); st.Display != Pausing || st.Status != Complete {
		t.Errorf("instance being paused shows %s (%s)", st.Display, st.Status)
	}
	if st := f.step("deploy", "hello-1:[server, sidecar]"); st.Display != "COMPLETE" {
		t.Errorf("other instance shows %s", st.Display)
	}
	// Relaunched paused, its server runs but never passes readiness: the
	// recovery step is STARTED and shows PAUSED; while it starts, PAUSING.
	f.update("hello-0-server", TaskKilled, false, "")
	f.settle()
	f.tick(time.Minute)
	rec := f.step(RecoveryPlan, "hello-0:[server, sidecar]")
	f.launch(rec)
	for _, name := range []string{"hello-0-server", "hello-0-sidecar"} {
		task := *f.set.world.Tasks[name]
		task.State, task.Ready, task.Paused, task.PausedLaunch = TaskRunning, false, true, true
		f.set.UpdateTask(task, f.now)
	}
	rec = f.step(RecoveryPlan, "hello-0:[server, sidecar]")
	if rec == nil || rec.Status != Started || rec.Display != Paused {
		t.Errorf("a paused pod running its sleep command: %v", rec)
	}
	// hello-0-init, a finished ONCE task marked paused above, is never
	// relaunched paused: the instance is PAUSED without it.
	if st := f.step("deploy", "hello-0:[server, sidecar]"); st.Display != Paused {
		t.Errorf("a paused pod with a finished ONCE task shows %s", st.Display)
	}
}

func TestOneStepPerPodInstanceAcrossPlans(t *testing.T) {
	f := newFixture(t, helloSpec)
	f.deployAll()
	f.update("hello-0-server", TaskKilled, false, "")
	f.set.Start("backup", nil, f.now)
	f.settle()
	var got []string
	for _, st := range f.set.Candidates() {
		got = append(got, st.phase.plan.Name+":"+st.Name)
	}
	want := []string{"recovery:hello-0:[server, sidecar]", "backup:hello-1:[init]"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("candidates %v, want %v", got, want)
	}
	f.set.Prepared(f.step("recovery", "hello-0:[server, sidecar]").ID, f.now)
	for _, st := range f.set.Candidates() {
		if st.Instance() == "hello-0" && st.phase.plan.Name != RecoveryPlan {
			t.Errorf("%s claims an instance recovery is preparing", st.Name)
		}
	}
}

func names(steps []*Step) []string {
	out := make([]string, len(steps))
	for i, st := range steps {
		out[i] = st.phase.plan.Name + ":" + st.Name
	}
	return out
}

func TestScaledBackUpInstanceLeavesTheDecommissionPlan(t *testing.T) {
	f := newFixture(t, helloSpec)
	f.deployAll()
	f.changeSpec(strings.Replace(helloSpec, "  world:\n    count: 1\n", "  world:\n    count: 0\n", 1))
	f.relabel()
	f.settle()
	f.update("world-0-server", TaskKilled, false, "")
	// An event rebuilds the dynamic plans; the custom plan must survive it.
	if got := f.set.Names(); !reflect.DeepEqual(got, []string{"deploy", "recovery", "decommission", "backup"}) {
		t.Fatalf("plans after an event: %v", got)
	}
	if f.set.Intent().Decommissions["world-0"] == nil {
		t.Fatal("the decommission is not recorded")
	}
	// The operator scales world back up before the decommission ends.
	f.changeSpec(helloSpec)
	f.settle()
	if p := f.set.Plan(DecommissionPlan); p != nil {
		t.Fatalf("an instance within the count again is still decommissioned:\n%s", p.Info().Tree(DecommissionPlan))
	}
	if d := f.set.Intent().Decommissions; d["world-0"] != nil {
		t.Errorf("its decommission record stays: %v", d)
	}
}

// A task of an instance beyond the count, learned from an event (as
// reconciliation may report one), brings the decommission plan into being
// without losing the plans after it.
func TestEventThatCreatesTheDecommissionPlanKeepsCustomPlans(t *testing.T) {
	f := newFixture(t, strings.Replace(helloSpec, "  world:\n    count: 1\n", "  world:\n    count: 0\n", 1))
	if got := f.set.Names(); !reflect.DeepEqual(got, []string{"deploy", "recovery", "backup"}) {
		t.Fatalf("plans: %v", got)
	}
	f.set.UpdateTask(Task{Name: "world-0-server", Pod: "world", Index: 0, Spec: "server", ID: "world-0-server__1",
		State: TaskRunning, UpdatedAt: f.now}, f.now)
	if got := f.set.Names(); !reflect.DeepEqual(got, []string{"deploy", "recovery", "decommission", "backup"}) {
		t.Fatalf("plans after the event: %v", got)
	}
}

func TestStartParametersOfTheGeneratedDeployPlanSurviveEvents(t *testing.T) {
	f := newFixture(t, "name: x\npods:\n  web:\n    count: 1\n    tasks:\n      server:\n        goal: RUNNING\n        cmd: ./web\n        cpus: 0.1\n        memory: 32\n")
	if r := f.set.Start("deploy", map[string]string{"MODE": "fast"}, f.now); r.Outcome != Accepted {
		t.Fatal(r)
	}
	f.launch(f.set.Candidates()[0])
	f.update("web-0-server", TaskRunning, false, "")
	if st := f.step("deploy", "web-0:[server]"); st.Parameters["MODE"] != "fast" {
		t.Fatalf("after an event: %v", st.Parameters)
	}
	f.restart()
	if st := f.step("deploy", "web-0:[server]"); st.Parameters["MODE"] != "fast" {
		t.Fatalf("after a restart: %v", st.Parameters)
	}
}

func TestRecoveryIntentIsForgottenWithItsRecovery(t *testing.T) {
	f := newFixture(t, helloSpec)
	f.deployAll()
	for i := range 2 * maxFinishedRecords {
		f.update("world-0-server", TaskFailed, false, fmt.Sprintf("crash %d", i))
		f.settle()
		st := f.set.Plan(RecoveryPlan).Phases[0].Steps[0]
		if r := f.set.ForceComplete(RecoveryPlan, st.phase.ID, st.ID, f.now); r.Outcome != Accepted {
			t.Fatalf("force-complete: %+v", r)
		}
		f.settle()
		f.tick(time.Second)
	}
	in := f.set.Intent()
	if pi := in.Plans[RecoveryPlan]; pi == nil || len(pi.Steps) > 1 {
		t.Fatalf("recovery step intents pile up: %d after %d recoveries", len(pi.Steps), 2*maxFinishedRecords)
	}
	if len(in.Recoveries) != 1 {
		t.Errorf("recoveries recorded: %d", len(in.Recoveries))
	}
}
