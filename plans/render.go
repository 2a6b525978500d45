package plans

import (
	"encoding/json"
	"strings"
)

// PlanInfo is the JSON of GET /v1/plans/{plan}, field for field and in the
// order of DC/OS Commons. Kennel's additions are new fields only.
type PlanInfo struct {
	Phases   []PhaseInfo `json:"phases"`
	Errors   []string    `json:"errors"`
	Status   Status      `json:"status"`
	Strategy string      `json:"strategy"`
}

// PhaseInfo is one phase of a PlanInfo.
type PhaseInfo struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Steps    []StepInfo `json:"steps"`
	Status   Status     `json:"status"`
	Strategy string     `json:"strategy"`
}

// StepInfo is one step of a PhaseInfo. Status is the display status.
// Message holds the step's reason; Started, Completed and Delayed (the end
// of its backoff) are Kennel additions, RFC 3339, omitted when unknown.
type StepInfo struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Name      string `json:"name"`
	Message   string `json:"message"`
	Started   string `json:"started,omitempty"`
	Completed string `json:"completed,omitempty"`
	Delayed   string `json:"delayed-until,omitempty"`
}

// Info returns the PlanInfo of p.
func (p *Plan) Info() PlanInfo {
	info := PlanInfo{Phases: []PhaseInfo{}, Errors: append([]string{}, p.Errors...), Status: p.Status, Strategy: p.Strategy}
	for _, ph := range p.Phases {
		pi := PhaseInfo{ID: ph.ID, Name: ph.Name, Steps: []StepInfo{}, Status: ph.Status, Strategy: ph.Strategy}
		for _, st := range ph.Steps {
			pi.Steps = append(pi.Steps, st.Info())
		}
		info.Phases = append(info.Phases, pi)
	}
	return info
}

// Info returns the StepInfo of st: its id, name, display status, reason
// and times, which are all it reads.
func (st *Step) Info() StepInfo {
	return StepInfo{
		ID: st.ID, Status: st.Display, Name: st.Name, Message: st.Reason,
		Started: fmtTime(st.Started), Completed: fmtTime(st.Completed), Delayed: fmtTime(st.Until),
	}
}

// MarshalJSON writes the PlanInfo of p.
func (p *Plan) MarshalJSON() ([]byte, error) { return json.Marshal(p.Info()) }

// Tree renders a PlanInfo as the DC/OS CLI's `plan status` prints it:
//
//	deploy (serial strategy) (IN_PROGRESS)
//	└─ hello (serial strategy) (IN_PROGRESS)
//	   ├─ hello-0:[init] (COMPLETE)
//	   └─ hello-0:[server] (STARTING)
//
// followed, if the plan has errors, by a blank line, "Errors:" and one
// "- error" line each.
func (info PlanInfo) Tree(name string) string {
	return info.tree(name, func(st StepInfo) string { return orUnknown(st.Status) })
}

// tree renders the plan with label(step) in each step's parentheses.
func (info PlanInfo) tree(name string, label func(StepInfo) string) string {
	var b strings.Builder
	b.WriteString(orUnknown(name) + " (" + orUnknown(info.Strategy) + " strategy) (" + orUnknown(string(info.Status)) + ")")
	for i, ph := range info.Phases {
		last := i == len(info.Phases)-1
		b.WriteString("\n" + branch(last) + orUnknown(ph.Name) + " (" + orUnknown(ph.Strategy) + " strategy) (" + orUnknown(string(ph.Status)) + ")")
		indent := "│  "
		if last {
			indent = "   "
		}
		for j, st := range ph.Steps {
			b.WriteString("\n" + indent + branch(j == len(ph.Steps)-1) + orUnknown(st.Name) + " (" + label(st) + ")")
		}
	}
	if len(info.Errors) > 0 {
		b.WriteString("\n\nErrors:")
		for _, e := range info.Errors {
			b.WriteString("\n- " + e)
		}
	}
	return b.String()
}

func branch(last bool) string {
	if last {
		return "└─ "
	}
	return "├─ "
}

func orUnknown(s string) string {
	if s == "" {
		return "<UNKNOWN>"
	}
	return s
}
