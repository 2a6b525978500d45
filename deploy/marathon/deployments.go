package marathon

import (
	"fmt"
	"math"
	"net/http"
	"sort"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kennel-sdk/kennel/deploy/marathon/app"
)

// deploymentsLocked lists the deployments under way, oldest first.
func (m *Marathon) deploymentsLocked() []*deployment {
	out := make([]*deployment, 0, len(m.rec.Deployments))
	for _, d := range m.rec.Deployments {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out
}

// listDeployments is GET /v2/deployments: every deployment under way, each
// as one step of one action on its app.
func (m *Marathon) listDeployments(w http.ResponseWriter, _ *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []map[string]any{}
	for _, d := range m.deploymentsLocked() {
		action := []map[string]any{{"action": d.Action, "app": d.AppID, "readinessCheckResults": []any{}}}
		out = append(out, map[string]any{
			"id": d.ID, "version": d.Version, "affectedApps": []string{d.AppID}, "affectedPods": []string{},
			"steps": []map[string]any{{"actions": action}}, "currentActions": action, "currentStep": 1, "totalSteps": 1,
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// deleteDeployment rolls a deployment back, as Marathon's DELETE
// /v2/deployments/{id}: a new deployment returns the app to the version
// before it (a new app is removed, a deleted one restored). Cancelling
// without a rollback (?force=true) is refused: this Marathon always
// converges an app on its current version.
func (m *Marathon) deleteDeployment(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("force") == "true" {
		writeJSON(w, http.StatusBadRequest, message("cancelling a deployment without rollback (force=true) is not supported by Kennel's Marathon; roll it back without force"))
		return
	}
	id := chi.URLParam(r, "id")
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.rec.Deployments[id]
	if d == nil {
		writeJSON(w, http.StatusNotFound, message(fmt.Sprintf("DeploymentPlan %s does not exist", id)))
		return
	}
	ar := m.rec.Apps[d.AppID]
	if ar == nil {
		delete(m.rec.Deployments, id)
		_ = m.saveLocked()
		writeJSON(w, http.StatusNotFound, message(fmt.Sprintf("App '%s' does not exist", d.AppID)))
		return
	}
	v := m.newVersion()
	var rollback *deployment
	switch d.Action {
	case "StartApplication":
		ar.Deleting = true
		rollback = m.deployLocked(ar.App.ID, v, "StopApplication")
	case "StopApplication":
		ar.Deleting = false
		rollback = m.deployLocked(ar.App.ID, v, "StartApplication")
	default:
		prev, prevVersion := previousVersion(ar, d.Version)
		if prevVersion == "" {
			writeJSON(w, http.StatusConflict, message(fmt.Sprintf("App '%s' has no version before %s to roll back to", ar.App.ID, d.Version)))
			return
		}
		action := "ScaleApplication"
		if !app.SameConfig(prev, ar.App) || d.Action == "RestartApplication" {
			action = "RestartApplication"
			ar.ConfigVersion = v
			delete(m.backoffs, ar.App.ID)
		} else {
			ar.ScalingAt = v
		}
		ar.App, ar.Version = prev, v
		ar.Versions[v] = prev
		rollback = m.deployLocked(ar.App.ID, v, action)
	}
	if err := m.saveLocked(); err != nil {
		writeJSON(w, http.StatusInternalServerError, message(err.Error()))
		return
	}
	m.kick()
	w.Header().Set("Marathon-Deployment-Id", rollback.ID)
	writeJSON(w, http.StatusOK, map[string]string{"deploymentId": rollback.ID, "version": v})
}

// previousVersion is the app's latest version older than version.
func previousVersion(ar *appRecord, version string) (app.App, string) {
	var best string
	for v := range ar.Versions {
		if v < version && v > best {
			best = v
		}
	}
	return ar.Versions[best], best
}

// getQueue lists the apps with instances waiting to launch and their
// backoff delay, as Marathon's GET /v2/queue.
func (m *Marathon) getQueue(w http.ResponseWriter, _ *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]string, 0, len(m.rec.Apps))
	for id := range m.rec.Apps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	queue := []map[string]any{}
	now := time.Now()
	for _, id := range ids {
		ar := m.rec.Apps[id]
		n := m.planFor(ar).launch
		if n == 0 {
			continue
		}
		left := 0.0
		if b := m.backoffs[id]; b != nil && now.Before(b.until) {
			left = b.until.Sub(now).Seconds()
		}
		queue = append(queue, map[string]any{
			"count": n, "app": m.appJSONLocked(ar, false),
			"delay": map[string]any{"timeLeftSeconds": int64(math.Ceil(left)), "overdue": left == 0},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"queue": queue})
}
