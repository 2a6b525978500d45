package api

import (
	"net/http"
	"strings"

	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/scheduler"
)

func (h *handler) debugOffers(w http.ResponseWriter, r *http.Request) {
	if outcomes, ok := h.outcomes(w, r); ok {
		writeJSON(w, http.StatusOK, wire.OfferOutcomes{Outcomes: wireOutcomes(outcomes)})
	}
}

func (h *handler) dcosDebugOffers(w http.ResponseWriter, r *http.Request) {
	if outcomes, ok := h.outcomes(w, r); ok {
		writeJSON(w, http.StatusOK, toDCOSOffers(outcomes))
	}
}

// outcomes are the outcomes the request's ?plan=&phase=&step= select, or
// false after an error response.
func (h *handler) outcomes(w http.ResponseWriter, r *http.Request) ([]scheduler.StepOutcome, bool) {
	q := r.URL.Query()
	plan, phase, step := q.Get("plan"), q.Get("phase"), q.Get("step")
	var keep map[string]bool // step ids; nil keeps all
	if plan != "" || phase != "" || step != "" {
		if plan == "" {
			text(w, http.StatusBadRequest, "Missing plan: phase and step are looked up in a plan")
			return nil, false
		}
		var msg string
		if keep, msg = stepIDs(h.s.Snapshot(), plan, phase, step); msg != "" {
			text(w, http.StatusNotFound, msg)
			return nil, false
		}
	}
	all, err := h.s.Outcomes(r.Context())
	if err != nil {
		internal(w, err)
		return nil, false
	}
	out := []scheduler.StepOutcome{}
	for _, o := range all {
		if keep == nil || keep[o.StepID] {
			out = append(out, o)
		}
	}
	return out, true
}

// wireOutcomes are outcomes as GET /v1/debug/offers writes them; never
// nil, so that none is [].
func wireOutcomes(outcomes []scheduler.StepOutcome) []wire.StepOutcome {
	out := make([]wire.StepOutcome, 0, len(outcomes))
	for _, o := range outcomes {
		w := wire.StepOutcome{Time: o.Time, Step: o.Step, StepID: o.StepID, Accepted: o.Accepted}
		for _, r := range o.Refusals {
			w.Refusals = append(w.Refusals, wire.Refusal(r))
		}
		out = append(out, w)
	}
	return out
}

// stepIDs are the ids of the steps a plan, phase or step names, or the
// message saying which is unknown.
func stepIDs(s *wire.Snapshot, plan, phase, step string) (map[string]bool, string) {
	v := s.Plans[plan]
	if v == nil {
		return nil, "Plan " + plan + " not found"
	}
	ids := map[string]bool{}
	foundPhase, foundStep := phase == "", step == ""
	for _, ph := range v.Info().Phases {
		if phase != "" && ph.Name != phase && ph.ID != phase {
			continue
		}
		foundPhase = true
		for _, st := range ph.Steps {
			if step != "" && st.Name != step && st.ID != step {
				continue
			}
			foundStep = true
			ids[st.ID] = true
		}
	}
	switch {
	case !foundPhase:
		return nil, "Phase " + phase + " not found"
	case !foundStep:
		return nil, "Step " + step + " not found"
	}
	return ids, ""
}

// dcosOffers is GET /v2/debug/offers in DC/OS Commons' shape
// (OfferOutcomeTrackerV2): counts over the outcomes kept, then the last
// maxDCOSOffers offer outcomes, oldest first. rejectedAgents counts by
// agent hostname. ?plan=&phase=&step= narrow it as for /v1/debug/offers.
type dcosOffers struct {
	AcceptedCount  int               `json:"acceptedCount"`
	RejectedCount  int               `json:"rejectedCount"`
	FailureReasons map[string]int    `json:"failureReasons"`
	RejectedAgents map[string]int    `json:"rejectedAgents"`
	Offers         []dcosOfferResult `json:"offers"`
}

type dcosOfferResult struct {
	Timestamp   int64    `json:"timestamp"`
	PodInstance string   `json:"pod-instance-name"`
	Outcome     string   `json:"outcome"`
	Explanation []string `json:"explanation"`
	Offer       string   `json:"offer"`
}

const maxDCOSOffers = 100

func toDCOSOffers(outcomes []scheduler.StepOutcome) dcosOffers {
	out := dcosOffers{FailureReasons: map[string]int{}, RejectedAgents: map[string]int{}, Offers: []dcosOfferResult{}}
	for i := len(outcomes) - 1; i >= 0; i-- { // oldest first
		o := outcomes[i]
		instance, _, _ := strings.Cut(o.Step, ":")
		ms := o.Time.UnixMilli()
		for _, r := range o.Refusals {
			out.RejectedCount++
			out.RejectedAgents[r.Hostname]++
			for _, reason := range r.Reasons {
				out.FailureReasons[reason]++
			}
			out.Offers = append(out.Offers, dcosOfferResult{Timestamp: ms, PodInstance: instance, Outcome: "fail",
				Explanation: append([]string{}, r.Reasons...), Offer: r.OfferID})
		}
		if o.Accepted != "" {
			out.AcceptedCount++
			out.Offers = append(out.Offers, dcosOfferResult{Timestamp: ms, PodInstance: instance, Outcome: "pass",
				Explanation: []string{}, Offer: o.Accepted})
		}
	}
	if n := len(out.Offers); n > maxDCOSOffers {
		out.Offers = out.Offers[n-maxDCOSOffers:]
	}
	return out
}
