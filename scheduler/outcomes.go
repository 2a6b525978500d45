package scheduler

import (
	"sort"
	"time"

	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler/offer"
)

// StepOutcome is an offer evaluation of a step, for the API: the offer it
// accepted, or why each offer was refused.
type StepOutcome struct {
	Time     time.Time       `json:"time"`
	Step     string          `json:"step"`
	StepID   string          `json:"step_id"`
	Accepted string          `json:"accepted_offer,omitempty"`
	Refusals []offer.Refusal `json:"refusals,omitempty"`
}

// The outcome history is bounded per step and in steps, so that many
// waiting steps do not push each other's outcomes out.
const (
	maxOutcomesPerStep = 10
	maxOutcomeSteps    = 1000
)

// outcome records an evaluation for the API.
func (c *Core) outcome(st *plans.Step, m offer.Match, refusals []offer.Refusal, ok bool, now time.Time) {
	o := StepOutcome{Time: now, Step: st.Name, StepID: st.ID, Refusals: refusals}
	if ok {
		o.Accepted = m.Offer.ID.Value
	}
	prev, known := c.outcomes[st.ID]
	if !known && len(c.outcomes) >= maxOutcomeSteps {
		c.forgetStalestStep()
	}
	// A new slice each time: slices handed out by Outcomes stay as they were.
	c.outcomes[st.ID] = append([]StepOutcome{o}, prev[:min(len(prev), maxOutcomesPerStep-1)]...)
}

// forgetStalestStep drops the history of the step evaluated longest ago.
func (c *Core) forgetStalestStep() {
	var stalest string
	var when time.Time
	for id, os := range c.outcomes {
		if stalest == "" || os[0].Time.Before(when) {
			stalest, when = id, os[0].Time
		}
	}
	delete(c.outcomes, stalest)
}

// Outcomes are the latest offer evaluations of every step (at most
// maxOutcomesPerStep each), newest first. The caller owns the slice.
func (c *Core) Outcomes() []StepOutcome {
	var out []StepOutcome
	for _, os := range c.outcomes {
		out = append(out, os...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.After(out[j].Time)
		}
		return out[i].StepID < out[j].StepID
	})
	return out
}
