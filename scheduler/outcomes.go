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
	c.outcomeOrder.touch(st.ID)
}

// forgetStalestStep drops the history of the step evaluated longest ago:
// events come in time order, so that is the step recorded longest ago.
func (c *Core) forgetStalestStep() {
	if id, ok := c.outcomeOrder.oldest(); ok {
		delete(c.outcomes, id)
	}
}

// recency orders step ids by when they were last touched, so that the
// one touched longest ago is found without scanning every step: a queue of
// touches in order, where a touch of an id touched again since is skipped.
// The zero value is empty and ready to use.
type recency struct {
	last  map[string]uint64 // id -> its latest touch
	queue []touch           // touches in order; queue[head:] are pending
	head  int
	seq   uint64
}

type touch struct {
	id  string
	seq uint64
}

// touch makes id the latest.
func (r *recency) touch(id string) {
	if r.last == nil {
		r.last = map[string]uint64{}
	}
	r.seq++
	r.last[id] = r.seq
	r.queue = append(r.queue, touch{id, r.seq})
	// Superseded touches are dropped once they outnumber the ids, so the
	// queue stays within a few times the ids it orders.
	if len(r.queue)-r.head > 2*len(r.last)+16 {
		live := r.queue[:0]
		for _, t := range r.queue[r.head:] {
			if r.last[t.id] == t.seq {
				live = append(live, t)
			}
		}
		r.queue, r.head = live, 0
	}
}

// oldest forgets and returns the id touched longest ago.
func (r *recency) oldest() (string, bool) {
	for r.head < len(r.queue) {
		t := r.queue[r.head]
		r.head++
		if r.last[t.id] == t.seq {
			delete(r.last, t.id)
			return t.id, true
		}
	}
	return "", false
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
