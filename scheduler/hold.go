package scheduler

import (
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/plans"
)

// Held offers. Mesos keeps an offer allocated to the framework until it is
// accepted, declined or rescinded, and offers an agent's resources again
// only at its next allocation (every second by default; it does not
// allocate what an ACCEPT or DECLINE returns until then). A serial plan's
// next step becomes a candidate in the event that completes the step
// before it, when the core would hold no offer: it would wait for the
// next allocation, or for its decline filters to end. So offers the core
// cannot use yet while launch work waits behind steps in progress are
// held instead of declined, and worked on in the event that makes that
// work a candidate.
//
// Holding is bounded, so that other frameworks are not kept from the
// agents for long: at most maxHeld offers, each at most offerHold. Held
// offers are declined when they expire, when the work they were held for
// goes away (completed, interrupted, or suppressed), and dropped, without
// a call, when Mesos rescinds them or on a new subscription (Mesos
// discards a framework's offers when it subscribes again).
const (
	offerHold = 5 * time.Second
	maxHeld   = 16
)

// heldOffer is an offer kept for later, and when it arrived.
type heldOffer struct {
	offer mesos.Offer
	since time.Time
}

// takeHeld returns the held offers, oldest first, and forgets them: the
// caller works on them and holds again those it does not use.
func (c *Core) takeHeld() []mesos.Offer {
	out := make([]mesos.Offer, len(c.holding))
	for i, h := range c.holding {
		out[i] = h.offer
	}
	c.holding = nil
	return out
}

// hold keeps unused offers while launch work waits behind steps in
// progress, and returns those it does not keep (past maxHeld) for the
// caller to decline. Offers held before keep their arrival time.
func (c *Core) hold(unused []mesos.Offer, since map[string]time.Time, now time.Time) []mesos.Offer {
	var rest []mesos.Offer
	for _, o := range unused {
		if len(c.holding) >= maxHeld {
			rest = append(rest, o)
			continue
		}
		at, ok := since[o.ID.Value]
		if !ok {
			at = now
		}
		c.holding = append(c.holding, heldOffer{offer: o, since: at})
	}
	return rest
}

// heldSince maps the held offers' ids to when they arrived.
func (c *Core) heldSince() map[string]time.Time {
	m := make(map[string]time.Time, len(c.holding))
	for _, h := range c.holding {
		m[h.offer.ID.Value] = h.since
	}
	return m
}

// launchesBlocked reports whether launch work waits behind steps in
// progress: a plan under way has a launch step still PENDING that its
// strategy does not offer yet (the next step of a serial phase, or of a
// later phase) while one of its steps is being launched or started. Such
// a step becomes a candidate in the event that completes the one before
// it.
func (c *Core) launchesBlocked(candidates []*plans.Step) bool {
	cand := make(map[*plans.Step]bool, len(candidates))
	for _, st := range candidates {
		cand[st] = true
	}
	for _, p := range c.set.Plans() {
		if !p.Status.Running() {
			continue
		}
		waiting, busy := false, false
		for _, ph := range p.Phases {
			for _, st := range ph.Steps {
				switch {
				case st.Kind == plans.StepLaunch && st.Status == plans.Pending && !cand[st]:
					waiting = true
				case st.Status == plans.Prepared || st.Status == plans.Starting || st.Status == plans.Started:
					busy = true
				}
			}
		}
		if waiting && busy {
			return true
		}
	}
	return false
}

// launchWork reports whether a candidate launch step waits for an offer.
func launchWork(candidates []*plans.Step) bool {
	for _, st := range candidates {
		if st.Kind == plans.StepLaunch && (st.Status == plans.Pending || st.Status == plans.Prepared) {
			return true
		}
	}
	return false
}

// pendingLaunches are the ids of the candidate launch steps that wait for
// an offer.
func pendingLaunches(candidates []*plans.Step) map[string]bool {
	out := map[string]bool{}
	for _, st := range candidates {
		if st.Kind == plans.StepLaunch && (st.Status == plans.Pending || st.Status == plans.Prepared) {
			out[st.ID] = true
		}
	}
	return out
}

// reviewHeld ends every event that holds offers: launch steps that became
// candidates since the held offers were last worked on (a serial step
// completed, an operator started a plan, a gate passed, a backoff ended)
// are matched against them at once, so that the ACCEPT goes out with the
// event; offers held past offerHold, or for work that went away, are
// declined. It reports whether it launched anything (the plans must
// settle again).
func (c *Core) reviewHeld(d *Decisions, now time.Time) bool {
	if len(c.holding) == 0 {
		return false
	}
	if c.uninstall != nil || !c.reconcile.done {
		c.declineHeld(d, now)
		return false
	}
	var expired []mesos.Offer
	kept := c.holding[:0]
	for _, h := range c.holding {
		if now.Sub(h.since) >= offerHold {
			expired = append(expired, h.offer)
			continue
		}
		kept = append(kept, h)
	}
	c.holding = kept
	c.decline(d, expired, c.declineFilter(now))
	cands := c.set.Candidates()
	fresh := false
	for id := range pendingLaunches(cands) {
		fresh = fresh || !c.heldTried[id]
	}
	switch {
	case fresh && len(c.holding) > 0:
		c.workOffers(d, nil, now)
		return true
	case !launchWork(cands) && !c.launchesBlocked(cands):
		c.declineHeld(d, now)
	}
	return false
}

// declineHeld declines every held offer.
func (c *Core) declineHeld(d *Decisions, now time.Time) {
	if len(c.holding) == 0 {
		return
	}
	c.decline(d, c.takeHeld(), c.declineFilter(now))
}

// declineFilter is how long declined offers are refused: a few seconds
// while the service has work or sweeps, an hour otherwise.
func (c *Core) declineFilter(now time.Time) time.Duration {
	if len(c.workSet()) > 0 || now.Before(c.sweepUntil) {
		return declineShort
	}
	return declineLong
}

// Rescinded forgets a held offer Mesos rescinded (its agent is gone, or
// the master's --offer_timeout passed): it can no longer be accepted or
// declined. Offers are otherwise not kept between events.
func (c *Core) Rescinded(offerID string) {
	kept := c.holding[:0]
	for _, h := range c.holding {
		if h.offer.ID.Value != offerID {
			kept = append(kept, h)
		}
	}
	c.holding = kept
	capped := c.capped[:0]
	for _, o := range c.capped {
		if o.ID.Value != offerID {
			capped = append(capped, o)
		}
	}
	c.capped = capped
}
