package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/servicespec"
)

var t0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// want is the body GET /v1/plans/{plan} has always had: the PlanInfo
// pretty-printed by encoding/json, and a newline.
func want(t testing.TB, info plans.PlanInfo) []byte {
	t.Helper()
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// checkView fails unless every way v gives its body (gzip-compressed
// too) and its PlanInfo agrees with info.
func checkView(t testing.TB, v *PlanView, info plans.PlanInfo) {
	t.Helper()
	w := want(t, info)
	if got := v.JSON(); !bytes.Equal(got, w) {
		t.Fatalf("JSON differs from json.MarshalIndent:\n got %q\nwant %q", got, w)
	}
	if v.Len() != len(w) {
		t.Fatalf("Len %d, body %d bytes", v.Len(), len(w))
	}
	var buf bytes.Buffer
	if n, err := v.WriteTo(&buf); err != nil || n != int64(len(w)) || !bytes.Equal(buf.Bytes(), w) {
		t.Fatalf("WriteTo wrote %d bytes (%v), not the body", n, err)
	}
	checkGzip(t, v, w)
	if got := v.Info(); !bytes.Equal(want(t, got), w) {
		t.Fatalf("Info differs:\n got %+v\nwant %+v", got, info)
	}
	if v.Status != info.Status || !reflect.DeepEqual(v.Errors, info.Errors) {
		t.Fatalf("status %s errors %q, want %s %q", v.Status, v.Errors, info.Status, info.Errors)
	}
	counts := map[string]int{}
	for _, ph := range info.Phases {
		for _, st := range ph.Steps {
			counts[st.Status]++
		}
	}
	if got := v.StepStatuses(); !reflect.DeepEqual(got, counts) && len(got)+len(counts) > 0 {
		t.Fatalf("StepStatuses %v, want %v", got, counts)
	}
}

func TestNewPlanViewJSON(t *testing.T) {
	steps := func(n int) []plans.StepInfo {
		out := []plans.StepInfo{}
		for i := range n {
			out = append(out, plans.StepInfo{ID: fmt.Sprint("id-", i), Status: "PENDING", Name: fmt.Sprintf("hello-%d:[server]", i),
				Message: "waits <for> & \"quotes\" \u2028 é", Started: "2026-12-06T12:00:00Z"})
		}
		return out
	}
	tests := []struct {
		name string
		info plans.PlanInfo
	}{
		{"zero", plans.PlanInfo{}},
		{"empty", plans.PlanInfo{Phases: []plans.PhaseInfo{}, Errors: []string{}, Status: plans.Complete, Strategy: "serial"}},
		{"errors", plans.PlanInfo{Phases: []plans.PhaseInfo{}, Errors: []string{"a <bad> & spec", "two"}, Status: plans.Error}},
		{"nil steps", plans.PlanInfo{Phases: []plans.PhaseInfo{{ID: "p", Name: "hello"}}}},
		{"no steps", plans.PlanInfo{Phases: []plans.PhaseInfo{{ID: "p", Name: "hello", Steps: []plans.StepInfo{}}}}},
		{"one step", plans.PlanInfo{Phases: []plans.PhaseInfo{{ID: "p", Name: "hello", Steps: steps(1), Status: plans.Pending}}}},
		{"a full chunk", plans.PlanInfo{Phases: []plans.PhaseInfo{{ID: "p", Steps: steps(chunkSteps)}}}},
		{"a chunk and one", plans.PlanInfo{Phases: []plans.PhaseInfo{{ID: "p", Steps: steps(chunkSteps + 1)}}}},
		{"bigger than a write", plans.PlanInfo{Phases: []plans.PhaseInfo{{ID: "p", Steps: steps(3000)}}}},
		{"phases", plans.PlanInfo{Phases: []plans.PhaseInfo{{ID: "p", Steps: steps(3 * chunkSteps)}, {ID: "q"}, {ID: "r", Steps: steps(2)}},
			Errors: []string{}, Status: plans.InProgress, Strategy: "parallel"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkView(t, NewPlanView(tt.info), tt.info) })
	}
}

// TestStepKeyCoversStepInfo guards stepKey: a field added to StepInfo must
// be added to the key too, or a change of it alone would be served stale.
func TestStepKeyCoversStepInfo(t *testing.T) {
	if n := reflect.TypeFor[plans.StepInfo]().NumField(); n != 7 {
		t.Fatalf("StepInfo has %d fields; stepKey covers 7 (plans.Step.Info): add the new one to stepKey and keyOf", n)
	}
	st := &plans.Step{ID: "i", Name: "n", Display: "PENDING", Reason: "r"}
	at := func(sec int) *time.Time { x := t0.Add(time.Duration(sec) * time.Second); return &x }
	for _, change := range []func(){
		func() { st.ID = "j" }, func() { st.Name = "m" }, func() { st.Display = "STARTING" }, func() { st.Reason = "s" },
		func() { st.Started = at(1) }, func() { st.Completed = at(2) }, func() { st.Until = at(3) },
		func() { st.Until = at(4) }, func() { st.Started = nil },
	} {
		before, info := keyOf(st), st.Info()
		if keyOf(st).info() != info {
			t.Fatalf("the key's info %+v, the step's %+v", keyOf(st).info(), info)
		}
		change()
		if keyOf(st) == before || st.Info() == info {
			t.Fatalf("a change of the step left its key (%v) or its info (%v) as it was", keyOf(st) == before, st.Info() == info)
		}
	}
	// A time in another zone, with nanoseconds, reads as the step's.
	zoned := time.Date(2026, 12, 6, 23, 59, 59, 999999999, time.FixedZone("x", -7*3600))
	st.Completed = &zoned
	if keyOf(st).info() != st.Info() {
		t.Fatalf("the key's info %+v, the step's %+v", keyOf(st).info(), st.Info())
	}
	// What StepInfo does not show (sub-second times) may differ.
	st.Started = at(5)
	before := keyOf(st)
	late := st.Started.Add(300 * time.Millisecond)
	st.Started = &late
	if keyOf(st) != before {
		t.Fatal("a sub-second change, which StepInfo does not show, changed the key")
	}
}

// randomPlan builds a plan of phases of random sizes around a chunk's.
func randomPlan(r *rand.Rand) *plans.Plan {
	p := &plans.Plan{Name: "deploy", Strategy: "serial", Status: plans.InProgress}
	for ph := range 1 + r.IntN(3) {
		phase := &plans.Phase{Name: fmt.Sprint("phase-", ph), ID: fmt.Sprint("ph-", ph), Strategy: "parallel", Status: plans.Pending}
		for i := range r.IntN(3 * chunkSteps) {
			phase.Steps = append(phase.Steps, &plans.Step{ID: fmt.Sprintf("st-%d-%d", ph, i), Name: fmt.Sprintf("hello-%d:[server]", i),
				Display: "PENDING", Reason: "waits for an offer"})
		}
		p.Phases = append(p.Phases, phase)
	}
	return p
}

// mutate changes a few things of p as the plans do between publications:
// step statuses, reasons and times, phase and plan statuses, errors, steps
// added or removed.
func mutate(r *rand.Rand, p *plans.Plan, now time.Time) {
	for range 1 + r.IntN(5) {
		ph := p.Phases[r.IntN(len(p.Phases))]
		switch r.IntN(10) {
		case 0:
			ph.Status = []plans.Status{plans.Pending, plans.InProgress, plans.Complete}[r.IntN(3)]
		case 1:
			p.Status = []plans.Status{plans.InProgress, plans.Complete, plans.Waiting}[r.IntN(3)]
		case 2:
			if len(p.Errors) == 0 {
				p.Errors = []string{"pods.hello.count: <bad>"}
			} else {
				p.Errors = nil
			}
		case 3:
			ph.Steps = append(ph.Steps, &plans.Step{ID: fmt.Sprint("new-", r.Int()), Name: "added", Display: "PENDING"})
		case 4:
			if len(ph.Steps) > 0 {
				i := r.IntN(len(ph.Steps))
				ph.Steps = append(ph.Steps[:i:i], ph.Steps[i+1:]...)
			}
		default:
			if len(ph.Steps) == 0 {
				continue
			}
			// A step of a rebuilt plan: a new *Step, as Set.Settle makes.
			i := r.IntN(len(ph.Steps))
			st := *ph.Steps[i]
			st.Display = []string{"PREPARED", "STARTING", "COMPLETE", "DELAYED"}[r.IntN(4)]
			st.Reason = fmt.Sprint("reason ", r.IntN(3))
			at := now
			st.Started = &at
			if st.Display == "COMPLETE" {
				st.Completed = &at
			}
			ph.Steps[i] = &st
		}
	}
}

// TestPublisherNeverStale publishes a plan after random changes: each
// view's body and PlanInfo are the plan's as they were when it was
// published, whatever was published after it.
func TestPublisherNeverStale(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 1))
		p := randomPlan(r)
		var pub Publisher
		type published struct {
			view *PlanView
			info plans.PlanInfo
		}
		var all []published
		now := t0
		for range 30 {
			now = now.Add(time.Second)
			s := pub.Snapshot("fw", []*plans.Plan{p})
			v := s.Plans["deploy"]
			info := p.Info()
			if r.IntN(2) == 0 { // unread views are made later, from what they were published with
				checkView(t, v, info)
			}
			all = append(all, published{v, info})
			mutate(r, p, now)
		}
		for _, old := range all {
			checkView(t, old.view, old.info)
		}
	}
}

// TestPublisherConcurrentReads reads the latest snapshot from other
// goroutines while plans change and are published, as requests do (run
// with -race).
func TestPublisherConcurrentReads(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	p := randomPlan(r)
	var pub Publisher
	var latest atomic.Pointer[Snapshot]
	latest.Store(pub.Snapshot("fw", []*plans.Plan{p}))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				v := latest.Load().Plans["deploy"]
				if _, err := v.WriteTo(io.Discard); err != nil {
					t.Error(err)
				}
				if _, err := v.WriteGzipTo(io.Discard); err != nil {
					t.Error(err)
				}
				v.Info()
				v.StepStatuses()
			}
		})
	}
	var views []*PlanView
	var infos []plans.PlanInfo
	for i := range 200 {
		mutate(r, p, t0.Add(time.Duration(i)*time.Second))
		s := pub.Snapshot("fw", []*plans.Plan{p})
		latest.Store(s)
		views, infos = append(views, s.Plans["deploy"]), append(infos, p.Info())
	}
	close(stop)
	wg.Wait()
	for i, v := range views {
		checkView(t, v, infos[i])
	}
}

// TestPublisherShares shows what a publication reuses: the chunks without
// a changed step, and nothing of a plan no longer published.
func TestPublisherShares(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	p := randomPlan(r)
	p.Phases = p.Phases[:1]
	for len(p.Phases[0].Steps) < 3*chunkSteps {
		p.Phases[0].Steps = append(p.Phases[0].Steps, &plans.Step{ID: fmt.Sprint("more-", len(p.Phases[0].Steps)), Display: "PENDING"})
	}
	var pub Publisher
	first := pub.Snapshot("fw", []*plans.Plan{p}).Plans["deploy"]
	unchanged := pub.Snapshot("fw", []*plans.Plan{p}).Plans["deploy"]
	for c := range first.phases[0].chunks {
		if unchanged.phases[0].chunks[c] != first.phases[0].chunks[c] {
			t.Fatalf("chunk %d made again though no step changed", c)
		}
	}
	st := *p.Phases[0].Steps[chunkSteps+1]
	st.Display = "STARTING"
	p.Phases[0].Steps[chunkSteps+1] = &st
	changed := pub.Snapshot("fw", []*plans.Plan{p}).Plans["deploy"]
	for c := range first.phases[0].chunks {
		if same := changed.phases[0].chunks[c] == first.phases[0].chunks[c]; same != (c != 1) {
			t.Fatalf("chunk %d shared: %v", c, same)
		}
	}
	if got := changed.Info().Phases[0].Steps[chunkSteps+1].Status; got != "STARTING" {
		t.Fatalf("changed step reads %s", got)
	}
	pub.Snapshot("fw", nil)
	if len(pub.prev) != 0 {
		t.Fatalf("the publisher keeps %d plans no longer published", len(pub.prev))
	}
}

// TestPublisherCommandVisible runs operator commands on a Set as the
// scheduler's loop does (the command, then a publication, then the reply):
// the view published next shows each command's effect.
func TestPublisherCommandVisible(t *testing.T) {
	spec, err := servicespec.Load("svc.yml", []byte(`name: hello
pods:
  hello:
    count: 150
    tasks:
      server:
        goal: RUNNING
        cmd: ./server
        cpus: 0.1
        memory: 32
plans:
  deploy:
    strategy: serial
    phases:
      hello:
        strategy: parallel
        pod: hello
`), servicespec.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	set := plans.New(plans.World{Spec: spec, Config: spec.ID(), Tasks: map[string]*plans.Task{}, Now: t0}, plans.Intent{})
	var pub Publisher
	publish := func() plans.PlanInfo {
		t.Helper()
		v := pub.Snapshot("fw", set.Plans()).Plans["deploy"]
		info := set.Plan("deploy").Info()
		checkView(t, v, info)
		return v.Info()
	}
	publish()
	step := set.Plan("deploy").Phases[0].Steps[100]
	tests := []struct {
		cmd  plans.Command
		step string // the status step reads after the command
		plan plans.Status
	}{
		{plans.Command{Verb: "interrupt", Plan: "deploy"}, "PENDING", plans.Waiting},
		{plans.Command{Verb: "continue", Plan: "deploy"}, "PENDING", plans.Pending},
		{plans.Command{Verb: "forceComplete", Plan: "deploy", Phase: "hello", Step: step.Name}, "COMPLETE", plans.InProgress},
		{plans.Command{Verb: "restart", Plan: "deploy", Phase: "hello", Step: step.Name}, "PENDING", plans.Pending},
	}
	for _, tt := range tests {
		if res := tt.cmd.Apply(set, t0); res.Outcome != plans.Accepted {
			t.Fatalf("%s: %+v", tt.cmd.Verb, res)
		}
		set.Settle(t0)
		info := publish()
		if got := info.Phases[0].Steps[100]; got.Status != tt.step || info.Status != tt.plan {
			t.Fatalf("after %s: step %s, plan %s; want %s, %s", tt.cmd.Verb, got.Status, info.Status, tt.step, tt.plan)
		}
	}
	// A launch and its task's update change the step in the next
	// publication.
	launched := set.Plan("deploy").Phases[0].Steps[101]
	name := "hello-101-server"
	if err := set.Launched(launched.ID, []string{name + "__1"}, t0); err != nil {
		t.Fatal(err)
	}
	task := plans.Task{Name: name, Pod: "hello", Index: 101, Spec: "server", ID: name + "__1", ConfigID: spec.ID(), State: plans.TaskStaging}
	set.UpdateTask(task, t0)
	set.Settle(t0)
	if got := publish().Phases[0].Steps[101].Status; got != "STARTING" {
		t.Fatalf("after the launch the step reads %s", got)
	}
	task.State, task.Ready = plans.TaskRunning, true
	set.UpdateTask(task, t0)
	set.Settle(t0)
	if got := publish().Phases[0].Steps[101].Status; got != "COMPLETE" {
		t.Fatalf("after the task runs the step reads %s", got)
	}
}

// FuzzPlanViewJSON checks the body against encoding/json, and the gzip
// body against the body (checkView), for any text in the plan's fields.
func FuzzPlanViewJSON(f *testing.F) {
	f.Add("hello-0:[server]", "waits <for> an offer & \"more\"", "pods.x: bad", uint8(3))
	f.Add("", "\u2028\x00\xff é", "", uint8(70))
	f.Fuzz(func(t *testing.T, name, reason, errText string, n uint8) {
		p := &plans.Plan{Name: "deploy", Strategy: name, Status: plans.Status(reason), Errors: []string{errText}}
		ph := &plans.Phase{Name: name, ID: reason, Strategy: errText}
		for i := range int(n) {
			ph.Steps = append(ph.Steps, &plans.Step{ID: fmt.Sprint(i), Name: name, Display: errText, Reason: reason})
		}
		p.Phases = []*plans.Phase{ph}
		var pub Publisher
		checkView(t, pub.Snapshot("fw", []*plans.Plan{p}).Plans["deploy"], p.Info())
		ph.Steps = ph.Steps[:len(ph.Steps)/2]
		checkView(t, pub.Snapshot("fw", []*plans.Plan{p}).Plans["deploy"], p.Info())
		checkView(t, NewPlanView(p.Info()), p.Info())
	})
}
