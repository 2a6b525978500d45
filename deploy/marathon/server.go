package marathon

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/kennel-sdk/kennel/deploy/marathon/app"
)

// maxBody bounds a request body.
const maxBody = 4 << 20

func (m *Marathon) routes() http.Handler {
	r := chi.NewRouter()
	r.Get("/v2/info", m.getInfo)
	r.Get("/ping", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "pong\n") })
	r.Get("/v2/apps", m.listApps)
	r.Post("/v2/apps", m.postApp)
	r.Get("/v2/apps/*", m.getAppPath)
	r.Put("/v2/apps/*", m.putApp)
	r.Delete("/v2/apps/*", m.deleteApp)
	r.Post("/v2/apps/*", m.postAppPath)
	r.Get("/v2/deployments", m.listDeployments)
	r.Get("/v2/queue", m.getQueue)
	r.Delete("/v2/deployments/{id}", m.deleteDeployment)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, message(fmt.Sprintf("%s %s is not an endpoint of Kennel's Marathon", r.Method, r.URL.Path)))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusMethodNotAllowed, message("method not allowed"))
	})
	return r
}

type msg struct {
	Message string `json:"message"`
}

func message(s string) msg { return msg{Message: s} }

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// writeDecodeError answers a body that did not decode: 400 for bad JSON,
// 422 with Marathon's details otherwise.
func writeDecodeError(w http.ResponseWriter, err error) {
	var inv *app.InvalidError
	switch {
	case errors.As(err, &inv):
		writeJSON(w, http.StatusUnprocessableEntity, inv)
	case errors.Is(err, app.ErrBadJSON):
		writeJSON(w, http.StatusBadRequest, msg{Message: "Invalid JSON: " + err.Error()})
	default:
		writeJSON(w, http.StatusBadRequest, message(err.Error()))
	}
}

func notFound(w http.ResponseWriter, id string) {
	writeJSON(w, http.StatusNotFound, message(fmt.Sprintf("App '%s' does not exist", id)))
}

// appPath splits /v2/apps/<id>[/restart|/tasks] into the normalised id
// and the sub-resource.
func appPath(r *http.Request, subs ...string) (id, sub string, err error) {
	return splitAppPath(chi.URLParam(r, "*"), subs...)
}

// splitAppPath splits what follows /v2/apps/ into the normalised id and
// the sub-resource, one of subs.
func splitAppPath(rest string, subs ...string) (id, sub string, err error) {
	for _, s := range subs {
		if cut, ok := strings.CutSuffix(rest, "/"+s); ok {
			rest, sub = cut, s
			break
		}
	}
	id, err = app.NormalizeID(strings.TrimSuffix(rest, "/"))
	return id, sub, err
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, message("reading the body: "+err.Error()))
		return nil, false
	}
	return b, true
}

func (m *Marathon) getInfo(w http.ResponseWriter, _ *http.Request) {
	m.mu.Lock()
	fid := m.rec.FrameworkID
	m.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"name": "marathon", "version": Version, "buildref": "kennel", "elected": true,
		"leader": m.addr, "frameworkId": fid,
		"marathon_config": map[string]any{
			"master": m.cfg.Master, "framework_name": frameworkName, "failover_timeout": int64(m.cfg.Timing.FailoverTimeout.Seconds()),
			"checkpoint": true, "mesos_role": "*", "hostname": hostname(),
		},
		"http_config": map[string]any{"http_port": portOf(m.addr)},
	})
}

func portOf(addr string) string {
	i := strings.LastIndex(addr, ":")
	return addr[i+1:]
}

func (m *Marathon) postApp(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	req, err := m.validator.Decode(body, "")
	if err != nil {
		writeDecodeError(w, err)
		return
	}
	m.mu.Lock()
	if m.rec.Apps[req.App.ID] != nil {
		m.mu.Unlock()
		writeJSON(w, http.StatusConflict, message(fmt.Sprintf("App '%s' already exists", req.App.ID)))
		return
	}
	d, err := m.createLocked(req.App)
	if err != nil {
		m.mu.Unlock()
		writeJSON(w, http.StatusInternalServerError, message(err.Error()))
		return
	}
	body2 := m.appJSONLocked(m.rec.Apps[req.App.ID], false)
	m.mu.Unlock()
	m.kick()
	w.Header().Set("Location", "/v2/apps"+req.App.ID)
	w.Header().Set("Marathon-Deployment-Id", d.ID)
	writeJSON(w, http.StatusCreated, body2)
}

// createLocked stores a new app and its StartApplication deployment.
func (m *Marathon) createLocked(a app.App) (*deployment, error) {
	v := m.newVersion()
	ar := &appRecord{App: a, Version: v, ConfigVersion: v, ScalingAt: v, Versions: map[string]app.App{v: a}}
	m.rec.Apps[a.ID] = ar
	d := m.deployLocked(a.ID, v, "StartApplication")
	if err := m.saveLocked(); err != nil {
		delete(m.rec.Apps, a.ID)
		delete(m.rec.Deployments, d.ID)
		return nil, err
	}
	return d, nil
}

// deployLocked replaces the app's deployments (force) with a new one.
func (m *Marathon) deployLocked(appID, version, action string) *deployment {
	for id, d := range m.rec.Deployments {
		if d.AppID == appID {
			delete(m.rec.Deployments, id)
		}
	}
	d := &deployment{ID: uuid.NewString(), AppID: appID, Version: version, Action: action, Created: time.Now().UTC()}
	m.rec.Deployments[d.ID] = d
	return d
}

// lockedLocked answers 409 if a deployment holds the app and force is not
// set; it says whether it did.
func (m *Marathon) lockedLocked(w http.ResponseWriter, r *http.Request, appID string) bool {
	if r.URL.Query().Get("force") == "true" {
		return false
	}
	var ids []map[string]string
	var first string
	for id, d := range m.rec.Deployments {
		if d.AppID == appID {
			ids = append(ids, map[string]string{"id": id})
			first = id
		}
	}
	if len(ids) == 0 {
		return false
	}
	writeJSON(w, http.StatusConflict, map[string]any{
		"message":     fmt.Sprintf("App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/%s'.", first),
		"deployments": ids,
	})
	return true
}

func (m *Marathon) putApp(w http.ResponseWriter, r *http.Request) {
	id, _, err := appPath(r)
	if err != nil {
		writeDecodeError(w, &app.InvalidError{Details: []app.Detail{{Path: "/id", Errors: []string{err.Error()}}}})
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	partial := r.URL.Query().Get("partialUpdate") != "false"
	m.mu.Lock()
	defer m.mu.Unlock()
	ar := m.rec.Apps[id]
	var req app.Request
	version, rollback, err := app.RollbackVersion(body)
	switch {
	case err != nil:
	case rollback && ar == nil:
		notFound(w, id)
		return
	case rollback:
		old, found := ar.Versions[version]
		if !found {
			writeJSON(w, http.StatusNotFound, message(fmt.Sprintf("App '%s' does not exist in version %s", id, version)))
			return
		}
		req.App = old
	case ar != nil && partial:
		req, err = m.validator.Update(ar.App, body)
	default:
		req, err = m.validator.Decode(body, id)
	}
	if err != nil {
		writeDecodeError(w, err)
		return
	}
	if ar == nil {
		d, err := m.createLocked(req.App)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, message(err.Error()))
			return
		}
		m.kick()
		w.Header().Set("Marathon-Deployment-Id", d.ID)
		writeJSON(w, http.StatusCreated, map[string]string{"deploymentId": d.ID, "version": d.Version})
		return
	}
	if m.lockedLocked(w, r, id) {
		return
	}
	v := m.newVersion()
	action := "ScaleApplication"
	if ar.Deleting || !app.SameConfig(ar.App, req.App) {
		// A forced update of an app being deleted cancels the deletion.
		ar.Deleting = false
		action = "RestartApplication"
		ar.ConfigVersion = v
		delete(m.backoffs, id)
	} else {
		ar.ScalingAt = v
	}
	ar.App, ar.Version = req.App, v
	ar.Versions[v] = req.App
	d := m.deployLocked(id, v, action)
	if err := m.saveLocked(); err != nil {
		writeJSON(w, http.StatusInternalServerError, message(err.Error()))
		return
	}
	m.kick()
	w.Header().Set("Marathon-Deployment-Id", d.ID)
	writeJSON(w, http.StatusOK, map[string]string{"deploymentId": d.ID, "version": v})
}

func (m *Marathon) deleteApp(w http.ResponseWriter, r *http.Request) {
	id, _, err := appPath(r)
	m.mu.Lock()
	defer m.mu.Unlock()
	ar := m.rec.Apps[id]
	if err != nil || ar == nil || ar.Deleting {
		notFound(w, id)
		return
	}
	if m.lockedLocked(w, r, id) {
		return
	}
	ar.Deleting = true
	v := m.newVersion()
	d := m.deployLocked(id, v, "StopApplication")
	if err := m.saveLocked(); err != nil {
		writeJSON(w, http.StatusInternalServerError, message(err.Error()))
		return
	}
	m.kick()
	w.Header().Set("Marathon-Deployment-Id", d.ID)
	writeJSON(w, http.StatusOK, map[string]string{"deploymentId": d.ID, "version": v})
}

func (m *Marathon) postAppPath(w http.ResponseWriter, r *http.Request) {
	id, sub, err := appPath(r, "restart")
	if sub != "restart" {
		writeJSON(w, http.StatusNotFound, message("POST "+r.URL.Path+" is not an endpoint of Kennel's Marathon"))
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ar := m.rec.Apps[id]
	if err != nil || ar == nil || ar.Deleting {
		notFound(w, id)
		return
	}
	if m.lockedLocked(w, r, id) {
		return
	}
	v := m.newVersion()
	ar.Version, ar.ConfigVersion = v, v
	ar.Versions[v] = ar.App
	delete(m.backoffs, id)
	d := m.deployLocked(id, v, "RestartApplication")
	if err := m.saveLocked(); err != nil {
		writeJSON(w, http.StatusInternalServerError, message(err.Error()))
		return
	}
	m.kick()
	w.Header().Set("Marathon-Deployment-Id", d.ID)
	writeJSON(w, http.StatusOK, map[string]string{"deploymentId": d.ID, "version": v})
}

// getAppPath serves GET /v2/apps/{id}, …/tasks, …/versions and
// …/versions/{version}.
func (m *Marathon) getAppPath(w http.ResponseWriter, r *http.Request) {
	rest, version := chi.URLParam(r, "*"), ""
	if i := strings.LastIndex(rest, "/versions/"); i >= 0 {
		rest, version = rest[:i]+"/versions", rest[i+len("/versions/"):]
	}
	id, sub, err := splitAppPath(rest, "tasks", "versions")
	m.mu.Lock()
	defer m.mu.Unlock()
	ar := m.rec.Apps[id]
	if err != nil || ar == nil {
		notFound(w, id)
		return
	}
	switch {
	case sub == "tasks":
		writeJSON(w, http.StatusOK, map[string]any{"tasks": m.tasksJSONLocked(ar)})
	case sub == "versions" && version == "":
		vs := make([]string, 0, len(ar.Versions))
		for v := range ar.Versions {
			vs = append(vs, v)
		}
		sort.Sort(sort.Reverse(sort.StringSlice(vs)))
		writeJSON(w, http.StatusOK, map[string]any{"versions": vs})
	case sub == "versions":
		a, ok := ar.Versions[version]
		if !ok {
			writeJSON(w, http.StatusNotFound, message(fmt.Sprintf("App '%s' does not exist in version %s", id, version)))
			return
		}
		b, _ := json.Marshal(a)
		out := map[string]any{}
		_ = json.Unmarshal(b, &out)
		out["version"] = version
		writeJSON(w, http.StatusOK, out)
	default:
		writeJSON(w, http.StatusOK, map[string]any{"app": m.appJSONLocked(ar, true)})
	}
}

func (m *Marathon) listApps(w http.ResponseWriter, r *http.Request) {
	embed := false
	for _, e := range r.URL.Query()["embed"] {
		if e == "apps.tasks" {
			embed = true
		}
	}
	sel, err := parseSelector(r.URL.Query().Get("label"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, message(err.Error()))
		return
	}
	idPart := r.URL.Query().Get("id")
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]string, 0, len(m.rec.Apps))
	for id := range m.rec.Apps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	apps := []map[string]any{}
	for _, id := range ids {
		ar := m.rec.Apps[id]
		if !sel.matches(ar.App.Labels) || !strings.Contains(id, idPart) {
			continue
		}
		apps = append(apps, m.appJSONLocked(ar, embed))
	}
	writeJSON(w, http.StatusOK, map[string]any{"apps": apps})
}

// appJSONLocked is an app as Marathon shows it: the definition, its
// version, task counts, deployments and, when asked, its tasks.
func (m *Marathon) appJSONLocked(ar *appRecord, withTasks bool) map[string]any {
	b, _ := json.Marshal(ar.App)
	out := map[string]any{}
	_ = json.Unmarshal(b, &out)
	out["version"] = ar.Version
	out["versionInfo"] = map[string]string{"lastScalingAt": ar.ScalingAt, "lastConfigChangeAt": ar.ConfigVersion}
	staged, running, healthyN, unhealthy := 0, 0, 0, 0
	for _, t := range m.tasksOf(ar.App.ID) {
		switch t.State {
		case "TASK_STAGING", "TASK_STARTING":
			staged++
		case "TASK_RUNNING":
			running++
		}
		if t.Healthy != nil && *t.Healthy {
			healthyN++
		} else if t.Healthy != nil {
			unhealthy++
		}
	}
	out["tasksStaged"], out["tasksRunning"], out["tasksHealthy"], out["tasksUnhealthy"] = staged, running, healthyN, unhealthy
	ds := []map[string]string{}
	for _, d := range m.deploymentsLocked() {
		if d.AppID == ar.App.ID {
			ds = append(ds, map[string]string{"id": d.ID})
		}
	}
	out["deployments"] = ds
	if withTasks {
		out["tasks"] = m.tasksJSONLocked(ar)
		if ar.LastTaskFailure != nil {
			out["lastTaskFailure"] = ar.LastTaskFailure
		}
	}
	return out
}

func (m *Marathon) tasksJSONLocked(ar *appRecord) []map[string]any {
	out := []map[string]any{}
	for _, t := range m.tasksOf(ar.App.ID) {
		tj := map[string]any{
			"id": t.ID, "appId": t.AppID, "host": t.Host, "ports": t.Ports, "slaveId": t.AgentID, "agentId": t.AgentID,
			"stagedAt": t.StagedAt.UTC().Format(time.RFC3339Nano), "version": t.Version, "state": t.State,
			"ipAddresses": []map[string]string{{"ipAddress": t.Host, "protocol": "IPv4"}},
		}
		if !t.StartedAt.IsZero() {
			tj["startedAt"] = t.StartedAt.UTC().Format(time.RFC3339Nano)
		}
		if t.CheckResult != nil {
			tj["checkResult"] = t.CheckResult
		}
		if len(ar.App.HealthChecks) > 0 {
			results := []map[string]any{}
			if t.Healthy != nil {
				results = append(results, map[string]any{"alive": *t.Healthy, "taskId": t.ID})
			}
			tj["healthCheckResults"] = results
		}
		out = append(out, tj)
	}
	return out
}
