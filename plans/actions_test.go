package plans

import "testing"

// TestActionOutcomes checks every outcome of the operator actions, with
// DC/OS Commons' messages, on a deploy plan whose first step runs.
func TestActionOutcomes(t *testing.T) {
	type call struct {
		name string
		do   func(s *Set) Result
		want Result
	}
	start := func(params map[string]string) func(s *Set) Result {
		return func(s *Set) Result { return s.Start("deploy", params, t0) }
	}
	tests := []call{
		{"start", start(map[string]string{"A": "1"}), Result{Accepted, "Received cmd: start deploy with parameters: {A=1}"}},
		{"start without parameters", start(nil), Result{Accepted, "Received cmd: start deploy with parameters: {}"}},
		{"start bad parameter", start(map[string]string{"1A": "x"}), Result{BadRequest, "Couldn't parse parameters: 1A is not a valid environment variable name"}},
		{"start unknown plan", func(s *Set) Result { return s.Start("nope", nil, t0) }, Result{NotFound, "Plan nope not found"}},
		{"stop", func(s *Set) Result { return s.Stop("deploy", t0) }, Result{Accepted, "Received cmd: stop"}},
		{"stop unknown", func(s *Set) Result { return s.Stop("nope", t0) }, Result{NotFound, "Plan nope not found"}},
		{"interrupt", func(s *Set) Result { return s.Interrupt("deploy", "") }, Result{Accepted, "Received cmd: interrupt"}},
		{"interrupt phase", func(s *Set) Result { return s.Interrupt("deploy", "world") }, Result{Accepted, "Received cmd: interrupt"}},
		{"interrupt unknown phase", func(s *Set) Result { return s.Interrupt("deploy", "nope") }, Result{NotFound, "Phase nope not found"}},
		{"interrupt interrupted custom plan", func(s *Set) Result { return s.Interrupt("backup", "") }, alreadyReported},
		{"continue running plan", func(s *Set) Result { return s.Continue("deploy", "") }, alreadyReported},
		{"continue running phase", func(s *Set) Result { return s.Continue("deploy", "hello") }, alreadyReported},
		{"continue interrupted plan", func(s *Set) Result { return s.Continue("backup", "") }, Result{Accepted, "Received cmd: continue"}},
		{"continue unknown", func(s *Set) Result { return s.Continue("deploy", "nope") }, Result{NotFound, "Phase nope not found"}},
		{"force-complete plan", func(s *Set) Result { return s.ForceComplete("deploy", "", "", t0) }, Result{Accepted, "Received cmd: forceComplete for Plan: deploy, Phase: null, Step: null"}},
		{"force-complete step by name", func(s *Set) Result { return s.ForceComplete("deploy", "hello", "hello-1:[init]", t0) }, Result{Accepted, "Received cmd: forceComplete for Plan: deploy, Phase: hello, Step: hello-1:[init]"}},
		{"force-complete complete step", func(s *Set) Result { return s.ForceComplete("recovery", "", "", t0) }, alreadyReported},
		{"force-complete step without phase", func(s *Set) Result { return s.ForceComplete("deploy", "", "hello-1:[init]", t0) }, Result{BadRequest, "Missing phase"}},
		{"force-complete unknown step", func(s *Set) Result { return s.ForceComplete("deploy", "hello", "nope", t0) }, Result{NotFound, "Step nope not found"}},
		{"force-complete unknown plan", func(s *Set) Result { return s.ForceComplete("nope", "hello", "x", t0) }, Result{NotFound, "Plan nope not found"}},
		{"restart pending step", func(s *Set) Result { return s.Restart("deploy", "hello", "hello-1:[init]", t0) }, alreadyReported},
		{"restart running phase", func(s *Set) Result { return s.Restart("deploy", "hello", "", t0) }, Result{Accepted, "Received cmd: restart for Plan: deploy, Phase: hello, Step: null"}},
		{"restart unknown phase", func(s *Set) Result { return s.Restart("deploy", "nope", "", t0) }, Result{NotFound, "Phase nope not found"}},
	}
	for _, tc := range tests {
		f := newFixture(t, helloSpec)
		f.launch(f.set.Candidates()[0])
		byID := func(s *Set) Result {
			return s.Restart("deploy", f.set.Plan("deploy").Phases[0].ID, f.step("deploy", "hello-0:[init]").ID, t0)
		}
		if tc.name == "restart unknown phase" {
			if got := byID(f.set); got.Outcome != Accepted {
				t.Errorf("restart by ids: %+v", got)
			}
		}
		if got := tc.do(f.set); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestActionEffects(t *testing.T) {
	f := newFixture(t, helloSpec)
	first := f.set.Candidates()[0]
	f.launch(first)
	f.set.Interrupt("deploy", "")
	if c := f.set.Candidates(); len(c) != 0 {
		t.Errorf("an interrupted plan has no candidates: %v", names(c))
	}
	if p := f.set.Plan("deploy"); p.Status != Waiting {
		t.Errorf("interrupted plan reads %s", p.Status)
	}
	f.set.Continue("deploy", "")
	f.set.ForceComplete("deploy", "hello", "", f.now)
	if ph := f.set.Plan("deploy").Phases[0]; ph.Status != Complete {
		t.Errorf("forced phase: %s", ph.Status)
	}
	if st := f.step("deploy", "hello-1:[init]"); st.Reason != "forced complete by an operator" {
		t.Errorf("reason %q", st.Reason)
	}
	f.set.Stop("deploy", f.now)
	p := f.set.Plan("deploy")
	if p.Status != Waiting || !p.Interrupted() {
		t.Errorf("stopped plan: %s", p.Status)
	}
	for _, st := range allSteps(p) {
		if st.Status != Pending {
			t.Errorf("stop leaves %s %s", st.Name, st.Status)
		}
	}
	if r := f.set.Start("deploy", nil, f.now); r.Outcome != Accepted || f.set.Plan("deploy").Interrupted() {
		t.Errorf("start after stop: %+v", r)
	}
}
