package plans

import (
	"bytes"
	"errors"
	"maps"
	"strings"
	"testing"
)

// TestBatchOfLaunchesMatchesOneComputationPerLaunch drives two Sets through
// the same deploys, as the scheduler's offer loop does: every candidate of
// one Candidates call is launched in turn. One Set is read after every
// launch, which computes its plans again each time; the other is not read
// until the batch ends. The statuses the loop reads, the plans and the
// intent must be the same.
func TestBatchOfLaunchesMatchesOneComputationPerLaunch(t *testing.T) {
	for i, spec := range propertySpecs {
		t.Run(strings.SplitN(spec, "\n", 2)[0]+"#"+itoa(i), func(t *testing.T) {
			lazy, eager := newFixture(t, spec), newFixture(t, spec)
			for round := 0; ; round++ {
				if round == 100 {
					t.Fatal("the deploy does not converge")
				}
				cands := lazy.set.Candidates()
				if len(cands) == 0 && lazy.set.Plan(DeployPlan).Status != Complete {
					// A canary phase waits for each continue.
					lazy.set.Continue(DeployPlan, "")
					eager.set.Continue(DeployPlan, "")
					cands = lazy.set.Candidates()
				}
				if len(cands) == 0 {
					break
				}
				for _, st := range cands {
					other := eager.set.Step(st.ID)
					if other == nil {
						t.Fatalf("round %d: step %s is a candidate of one Set only", round, st.ID)
					}
					if st.Status != other.Status {
						t.Fatalf("round %d: step %s reads %s in the batch, %s when computed after each launch", round, st.ID, st.Status, other.Status)
					}
					lazy.launch(st)
					eager.launch(other)
					eager.set.Plans()
				}
				for _, f := range []*fixture{lazy, eager} {
					for _, st := range cands {
						for j, name := range st.taskNames {
							if st.goals[j] == goalRunning {
								f.update(name, TaskRunning, true, "")
							} else {
								f.update(name, TaskFinished, false, "")
							}
						}
					}
					f.settle()
				}
				if l, e := lazy.set.statuses(), eager.set.statuses(); l != e {
					t.Fatalf("round %d: statuses differ:\nbatch:\n%s\nafter each launch:\n%s", round, l, e)
				}
			}
			if l, e := lazy.set.Intent().Entries(), eager.set.Intent().Entries(); !maps.EqualFunc(l, e, bytes.Equal) {
				t.Fatalf("intents differ:\nbatch: %v\nafter each launch: %v", l, e)
			}
			if st := lazy.set.Plan(DeployPlan).Status; st != Complete {
				t.Fatalf("deploy reads %s after the batches", st)
			}
		})
	}
}

// TestLaunchedUnknownStep: a step no plan has is refused, also while the
// plans wait to be computed again.
func TestLaunchedUnknownStep(t *testing.T) {
	f := newFixture(t, helloSpec)
	f.launch(f.set.Candidates()[0])
	for _, call := range []func() error{
		func() error { return f.set.Launched("no-such-step", []string{"x__1"}, f.now) },
		func() error { return f.set.Prepared("no-such-step", f.now) },
	} {
		if err := call(); !errors.Is(err, ErrUnknownStep) {
			t.Fatalf("got %v, want ErrUnknownStep", err)
		}
	}
}
