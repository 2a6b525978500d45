package wire

import "time"

// OfferOutcomes is GET /v1/debug/offers: the latest offer evaluations
// (the scheduler keeps a bounded history), newest first, optionally only
// those of a plan, its phase or one step (?plan=&phase=&step=, by name or
// id).
type OfferOutcomes struct {
	Outcomes []StepOutcome `json:"outcomes"`
}

// StepOutcome is an offer evaluation of a step: the offer it accepted, or
// why each offer was refused.
type StepOutcome struct {
	Time     time.Time `json:"time"`
	Step     string    `json:"step"`
	StepID   string    `json:"step_id"`
	Accepted string    `json:"accepted_offer,omitempty"`
	Refusals []Refusal `json:"refusals,omitempty"`
}

// Refusal is why one offer did not fit a step: the offer, its agent's
// hostname and the reasons, in words.
type Refusal struct {
	OfferID  string   `json:"offer_id"`
	Hostname string   `json:"hostname"`
	Reasons  []string `json:"reasons"`
}
