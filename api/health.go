package api

import (
	"net/http"
	"regexp"
	"strconv"

	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/plans"
)

// Health codes of DC/OS Commons' HealthResource: the HTTP status is the
// code, and Marathon counts 200-399 as healthy.
const (
	healthErrors         = 500
	healthInitializing   = 318
	healthDeployDelayed  = 208
	healthDeployPending  = 204
	healthDeployStarting = 202
	healthWaitingForUser = 207
	healthRecoverDelayed = 208
	healthRecoverPending = 203
	healthRecoverStarts  = 205
	healthHealthy        = 200
	healthRestoring      = 321
	healthBackingUp      = 320
	healthUnhealthy      = 503
)

var (
	restorePlan = regexp.MustCompile(`.*restor.*`)
	backupPlan  = regexp.MustCompile(`.*back.*`)
)

// healthOf maps the plans to a code and the reason for it, in DC/OS
// Commons' precedence (reference §4.6).
func healthOf(s *wire.Snapshot) (int, string) {
	for _, name := range s.PlanNames {
		if v := s.Plans[name]; v != nil && len(v.Errors) > 0 {
			return healthErrors, "plan " + name + " has errors"
		}
	}
	if s.FrameworkID == "" {
		return healthInitializing, "the scheduler has not registered with Mesos yet"
	}
	deploy := s.Plans[plans.DeployPlan]
	if deploy == nil {
		return healthUnhealthy, "there is no deploy plan"
	}
	steps := deploy.StepStatuses()
	switch {
	case steps["DELAYED"] > 0:
		return healthDeployDelayed, "a deploy step is delayed after failures"
	case steps["PENDING"] > 0 || steps["PREPARED"] > 0:
		return healthDeployPending, "deploy steps are pending"
	case steps["STARTING"] > 0 || steps["STARTED"] > 0:
		return healthDeployStarting, "deploy steps are starting"
	case deploy.Status == plans.Waiting || steps["WAITING"] > 0:
		return healthWaitingForUser, "the deploy plan waits for an operator"
	}
	if rec := s.Plans[plans.RecoveryPlan]; rec != nil && rec.Status != plans.Complete {
		rs := rec.StepStatuses()
		switch {
		case rs["DELAYED"] > 0:
			return healthRecoverDelayed, "a recovery step is delayed after failures"
		case rs["PENDING"] > 0 || rs["PREPARED"] > 0:
			return healthRecoverPending, "recovery steps are pending"
		case rs["STARTING"] > 0 || rs["STARTED"] > 0:
			return healthRecoverStarts, "recovery steps are starting"
		}
	}
	if deploy.Status != plans.Complete {
		return healthUnhealthy, "the deploy plan is " + string(deploy.Status)
	}
	for _, name := range s.PlanNames {
		v := s.Plans[name]
		if v == nil || !v.Status.Running() {
			continue
		}
		if restorePlan.MatchString(name) {
			return healthRestoring, "plan " + name + " is restoring"
		}
		if backupPlan.MatchString(name) {
			return healthBackingUp, "plan " + name + " is backing up"
		}
	}
	return healthHealthy, "the deploy plan is COMPLETE"
}

// health is GET /v1/health: {"value": code}, with "reasons" when
// ?verbose=true; the HTTP status is the code.
func (h *handler) health(w http.ResponseWriter, r *http.Request) {
	code, reason := healthOf(h.s.Snapshot())
	body := struct {
		Value   int      `json:"value"`
		Reasons []string `json:"reasons,omitempty"`
	}{Value: code}
	if v, _ := strconv.ParseBool(r.URL.Query().Get("verbose")); v {
		body.Reasons = []string{reason}
	}
	writeJSON(w, code, body)
}
