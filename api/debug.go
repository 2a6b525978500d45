package api

import (
	"net/http"

	"github.com/kennel-sdk/kennel/scheduler"
)

// OfferOutcomes is GET /v1/debug/offers: the latest offer evaluations
// (the scheduler keeps a bounded history), newest first, optionally only
// those of a plan, its phase or one step (?plan=&phase=&step=, by name or
// id).
type OfferOutcomes struct {
	Outcomes []scheduler.StepOutcome `json:"outcomes"`
}

func (h *handler) debugOffers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	plan, phase, step := q.Get("plan"), q.Get("phase"), q.Get("step")
	var keep map[string]bool // step ids; nil keeps all
	if plan != "" || phase != "" || step != "" {
		if plan == "" {
			text(w, http.StatusBadRequest, "Missing plan: phase and step are looked up in a plan")
			return
		}
		var msg string
		if keep, msg = stepIDs(h.s.Snapshot(), plan, phase, step); msg != "" {
			text(w, http.StatusNotFound, msg)
			return
		}
	}
	all, err := h.s.Outcomes(r.Context())
	if err != nil {
		internal(w, err)
		return
	}
	out := OfferOutcomes{Outcomes: []scheduler.StepOutcome{}}
	for _, o := range all {
		if keep == nil || keep[o.StepID] {
			out.Outcomes = append(out.Outcomes, o)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// stepIDs are the ids of the steps a plan, phase or step names, or the
// message saying which is unknown.
func stepIDs(s *Snapshot, plan, phase, step string) (map[string]bool, string) {
	v := s.Plans[plan]
	if v == nil {
		return nil, "Plan " + plan + " not found"
	}
	ids := map[string]bool{}
	foundPhase, foundStep := phase == "", step == ""
	for _, ph := range v.Info.Phases {
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
