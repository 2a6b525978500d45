package wire

import (
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/plans"
)

// bigPlan is a deploy plan of one parallel phase of n steps, half of them
// complete, as in the middle of the benchmark's deploy.
func bigPlan(n int) *plans.Plan {
	ph := &plans.Phase{Name: "web", ID: "0f3c2a1e-5b7d-8e9f-a0b1-c2d3e4f5a6b7", Strategy: "parallel", Status: plans.InProgress}
	started, completed := t0, t0.Add(3*time.Second)
	for i := range n {
		st := &plans.Step{ID: fmt.Sprintf("%08x-5b7d-8e9f-a0b1-c2d3e4f5a6b7", i), Name: fmt.Sprintf("web-%d:[server]", i),
			Display: "PENDING", Reason: "waits for an offer: no offer has 4 MB of ROOT disk left"}
		if i%2 == 0 {
			st.Display, st.Reason, st.Started, st.Completed = "COMPLETE", "", &started, &completed
		}
		ph.Steps = append(ph.Steps, st)
	}
	return &plans.Plan{Name: "deploy", Strategy: "serial", Status: plans.InProgress, Phases: []*plans.Phase{ph}}
}

// touch changes step i as an event does: a new *Step with another status.
func touch(p *plans.Plan, i int, now time.Time) {
	steps := p.Phases[0].Steps
	st := *steps[i%len(steps)]
	st.Display, st.Reason, st.Started = "STARTING", "", &now
	steps[i%len(steps)] = &st
}

// BenchmarkPublish10k is the loop's cost of a publication after an event
// that changed one step of a 10,000-step plan: "before" made the PlanInfo
// of every step (plans.Plan.Info, as publish did until the Publisher),
// "after" is the Publisher.
func BenchmarkPublish10k(b *testing.B) {
	b.Run("before", func(b *testing.B) {
		p := bigPlan(10000)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			touch(p, i*7919, t0.Add(time.Duration(i)*time.Second))
			NewPlanView(p.Info())
		}
	})
	b.Run("after", func(b *testing.B) {
		p := bigPlan(10000)
		var pub Publisher
		pub.Snapshot("fw", []*plans.Plan{p})
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			touch(p, i*7919, t0.Add(time.Duration(i)*time.Second))
			pub.Snapshot("fw", []*plans.Plan{p})
		}
	})
}

// BenchmarkPublishAndServe10k is a publication after one changed step and
// the first GET of the plan it published, which encodes the body: before,
// the whole PlanInfo encoded by encoding/json (PlanView.JSON until the
// Publisher); after, the Publisher and the body written from its chunks.
func BenchmarkPublishAndServe10k(b *testing.B) {
	b.Run("before", func(b *testing.B) {
		p := bigPlan(10000)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			touch(p, i*7919, t0.Add(time.Duration(i)*time.Second))
			body, err := json.MarshalIndent(p.Info(), "", "  ")
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Discard.Write(append(body, '\n'))
		}
	})
	b.Run("after", func(b *testing.B) {
		p := bigPlan(10000)
		var pub Publisher
		pub.Snapshot("fw", []*plans.Plan{p})
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			touch(p, i*7919, t0.Add(time.Duration(i)*time.Second))
			v := pub.Snapshot("fw", []*plans.Plan{p}).Plans["deploy"]
			if _, err := v.WriteTo(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
}
