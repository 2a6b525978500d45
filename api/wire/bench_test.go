package wire

import (
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/api/wire/wiretest"
	"github.com/kennel-sdk/kennel/plans"
)

// bigPlan is wiretest.BigPlan started at t0.
func bigPlan(n int) *plans.Plan { return wiretest.BigPlan(n, t0) }

// touch changes step i as an event does: a new *Step with another status.
func touch(p *plans.Plan, i int, now time.Time) {
	steps := p.Phases[0].Steps
	st := *steps[i%len(steps)]
	st.Display, st.Reason, st.Started = "STARTING", "", &now
	steps[i%len(steps)] = &st
}

// eachEvent reports allocations and runs b's loop: each iteration changes
// one step of p as an event does, then runs work.
func eachEvent(b *testing.B, p *plans.Plan, work func()) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		touch(p, i*7919, t0.Add(time.Duration(i)*time.Second))
		work()
	}
}

// BenchmarkPublish10k is the loop's cost of a publication after an event
// that changed one step of a 10,000-step plan: "before" made the PlanInfo
// of every step (plans.Plan.Info, as publish did until the Publisher),
// "after" is the Publisher.
func BenchmarkPublish10k(b *testing.B) {
	b.Run("before", func(b *testing.B) {
		p := bigPlan(10000)
		eachEvent(b, p, func() {
			NewPlanView(p.Info())
		})
	})
	b.Run("after", func(b *testing.B) {
		p := bigPlan(10000)
		var pub Publisher
		pub.Snapshot("fw", []*plans.Plan{p})
		eachEvent(b, p, func() {
			pub.Snapshot("fw", []*plans.Plan{p})
		})
	})
}

// BenchmarkPublishAndServe10k is a publication after one changed step and
// the first GET of the plan it published, which encodes the body: before,
// the whole PlanInfo encoded by encoding/json (PlanView.JSON until the
// Publisher); after, the Publisher and the body written from its chunks.
func BenchmarkPublishAndServe10k(b *testing.B) {
	b.Run("before", func(b *testing.B) {
		p := bigPlan(10000)
		eachEvent(b, p, func() {
			body, err := json.MarshalIndent(p.Info(), "", "  ")
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Discard.Write(append(body, '\n'))
		})
	})
	b.Run("after", func(b *testing.B) {
		p := bigPlan(10000)
		var pub Publisher
		pub.Snapshot("fw", []*plans.Plan{p})
		eachEvent(b, p, func() {
			v := pub.Snapshot("fw", []*plans.Plan{p}).Plans["deploy"]
			if _, err := v.WriteTo(io.Discard); err != nil {
				b.Fatal(err)
			}
		})
	})
}
