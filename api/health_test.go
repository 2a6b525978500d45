package api

import (
	"testing"

	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/plans"
)

func planView(status plans.Status, errs []string, steps ...string) *wire.PlanView {
	ph := plans.PhaseInfo{Name: "p", Status: status, Strategy: "serial"}
	for _, s := range steps {
		ph.Steps = append(ph.Steps, plans.StepInfo{Name: "s", Status: s})
	}
	return wire.NewPlanView(plans.PlanInfo{Phases: []plans.PhaseInfo{ph}, Errors: errs, Status: status, Strategy: "serial"})
}

// TestHealthPrecedence walks DC/OS Commons' mapping (reference §4.6) from
// the strongest condition down.
func TestHealthPrecedence(t *testing.T) {
	complete := planView(plans.Complete, nil, "COMPLETE")
	tests := []struct {
		name  string
		fwID  string
		plans map[string]*wire.PlanView
		want  int
	}{
		{"errors beat everything", "", map[string]*wire.PlanView{"deploy": planView(plans.Pending, []string{"bad"}, "PENDING")}, 500},
		{"errors in any plan", "fw", map[string]*wire.PlanView{"deploy": complete, "backup": planView(plans.Pending, []string{"x"})}, 500},
		{"not registered", "", map[string]*wire.PlanView{"deploy": complete}, 318},
		{"deploy delayed beats pending", "fw", map[string]*wire.PlanView{"deploy": planView(plans.InProgress, nil, "PENDING", "DELAYED")}, 208},
		{"deploy pending", "fw", map[string]*wire.PlanView{"deploy": planView(plans.InProgress, nil, "COMPLETE", "PREPARED")}, 204},
		{"deploy starting", "fw", map[string]*wire.PlanView{"deploy": planView(plans.InProgress, nil, "COMPLETE", "STARTING")}, 202},
		{"deploy waiting for an operator", "fw", map[string]*wire.PlanView{"deploy": planView(plans.Waiting, nil, "COMPLETE", "WAITING")}, 207},
		{"recovery delayed", "fw", map[string]*wire.PlanView{"deploy": complete, "recovery": planView(plans.InProgress, nil, "DELAYED")}, 208},
		{"recovery pending", "fw", map[string]*wire.PlanView{"deploy": complete, "recovery": planView(plans.InProgress, nil, "PENDING")}, 203},
		{"recovery starting", "fw", map[string]*wire.PlanView{"deploy": complete, "recovery": planView(plans.InProgress, nil, "STARTED")}, 205},
		{"healthy", "fw", map[string]*wire.PlanView{"deploy": complete, "recovery": planView(plans.Complete, nil)}, 200},
		{"restoring", "fw", map[string]*wire.PlanView{"deploy": complete, "restore-s3": planView(plans.InProgress, nil, "STARTING")}, 321},
		{"backing up", "fw", map[string]*wire.PlanView{"deploy": complete, "backup-s3": planView(plans.InProgress, nil, "STARTING")}, 320},
		{"no deploy plan", "fw", map[string]*wire.PlanView{}, 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &wire.Snapshot{FrameworkID: tt.fwID, Plans: tt.plans}
			for name := range tt.plans {
				s.PlanNames = append(s.PlanNames, name)
			}
			if got, reason := healthOf(s); got != tt.want {
				t.Errorf("health %d (%s), want %d", got, reason, tt.want)
			}
		})
	}
}
