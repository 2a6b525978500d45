package scheduler

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler/offer"
)

// TestOutcomeHistory: each step keeps its own latest outcomes, so a busy
// step does not push a quiet one out, and the stalest step goes first
// when too many steps were evaluated.
func TestOutcomeHistory(t *testing.T) {
	c := &Core{outcomes: map[string][]StepOutcome{}}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	quiet := &plans.Step{ID: "quiet", Name: "hello-1:[server]"}
	busy := &plans.Step{ID: "busy", Name: "hello-0:[server]"}
	c.outcome(quiet, offer.Match{}, nil, false, t0)
	for i := range 3 * maxOutcomesPerStep {
		c.outcome(busy, offer.Match{}, []offer.Refusal{{OfferID: fmt.Sprint(i)}}, false, t0.Add(time.Duration(i+1)*time.Second))
	}
	got := c.Outcomes()
	if len(got) != maxOutcomesPerStep+1 {
		t.Fatalf("%d outcomes, want %d", len(got), maxOutcomesPerStep+1)
	}
	if got[0].Refusals[0].OfferID != fmt.Sprint(3*maxOutcomesPerStep-1) || got[len(got)-1].StepID != "quiet" {
		t.Errorf("not newest first: first %+v, last %+v", got[0], got[len(got)-1])
	}
	for i := 1; i < len(got); i++ {
		if got[i].Time.After(got[i-1].Time) {
			t.Fatalf("outcome %d is newer than %d", i, i-1)
		}
	}
	// The quiet step is the stalest: it goes when a new step comes past
	// the limit.
	for i := range maxOutcomeSteps - 1 {
		c.outcome(&plans.Step{ID: fmt.Sprint("s", i)}, offer.Match{}, nil, false, t0.Add(time.Hour))
	}
	if _, ok := c.outcomes["quiet"]; ok {
		t.Error("the stalest step was kept past the limit")
	}
	if len(c.outcomes) != maxOutcomeSteps {
		t.Errorf("%d steps kept, want %d", len(c.outcomes), maxOutcomeSteps)
	}
}

// TestRecency: the id touched longest ago comes out first, each id once,
// and touching the same ids again and again does not grow the queue.
func TestRecency(t *testing.T) {
	var r recency
	ids := []string{"a", "b", "c"}
	for i := range 1000 {
		r.touch(ids[i%len(ids)])
	}
	r.touch("a") // b was touched longest ago, then c, then a
	if n := len(r.queue) - r.head; n > 2*len(ids)+16 {
		t.Errorf("%d touches queued for %d ids", n, len(ids))
	}
	var got []string
	for {
		id, ok := r.oldest()
		if !ok {
			break
		}
		got = append(got, id)
	}
	if want := []string{"b", "c", "a"}; !slices.Equal(got, want) {
		t.Errorf("oldest first: got %v, want %v", got, want)
	}
}
