package marathon_test

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/deploy/local"
)

// TestSingleInstanceKillFirst: a config change of a
// MARATHON_SINGLE_INSTANCE_APP kills the old task, and sees it end, before
// the new one starts; a deployment that cannot finish locks the app until
// ?force=true.
func TestSingleInstanceKillFirst(t *testing.T) {
	e := newEnv(t, 2)
	def := e.testApp("sched")
	def["labels"] = map[string]string{"MARATHON_SINGLE_INSTANCE_APP": "true"}
	def["upgradeStrategy"] = map[string]any{"minimumHealthCapacity": 0, "maximumOverCapacity": 0}
	def["env"].(map[string]any)["KMTEST_LOCK"] = filepath.Join(e.appDir, "lock")
	if code, _ := e.call("POST", "/v2/apps", def, nil); code != http.StatusCreated {
		t.Fatalf("POST: %d", code)
	}
	first := e.running("/sched", 1, false)[0]
	e.started(first)

	env := map[string]any{"KMTEST_APP": "1", "KMTEST_DIR": e.appDir, "KMTEST_LOCK": filepath.Join(e.appDir, "lock"), "NEW": "1"}
	var put map[string]string
	code, hdr := e.call("PUT", "/v2/apps/sched", map[string]any{"env": env}, &put)
	if code != http.StatusOK || put["deploymentId"] == "" || hdr.Get("Marathon-Deployment-Id") != put["deploymentId"] {
		t.Fatalf("PUT: %d %v %v", code, put, hdr)
	}
	var second string
	waitFor(t, "the new task running", func() bool {
		ids := e.running("/sched", 1, false)
		second = ids[0]
		return second != first
	})
	e.started(second)
	if got := e.taskEnv(second)["NEW"]; got != "1" {
		t.Errorf("new task env NEW = %q", got)
	}
	want := []string{"start_" + first, "term_" + first, "start_" + second}
	if got := e.events(); !slices.Equal(got, want) {
		t.Errorf("events %v, want %v (old task ended before the new one started)", got, want)
	}

	// A deployment that cannot finish holds the app.
	var stuck map[string]string
	if code, _ := e.call("PUT", "/v2/apps/sched", map[string]any{"constraints": [][]string{{"hostname", "LIKE", "nowhere"}}}, &stuck); code != http.StatusOK {
		t.Fatalf("PUT constraints: %d", code)
	}
	var locked struct {
		Message     string `json:"message"`
		Deployments []struct {
			ID string `json:"id"`
		} `json:"deployments"`
	}
	code, _ = e.call("PUT", "/v2/apps/sched", map[string]any{"instances": 1}, &locked)
	if code != http.StatusConflict || len(locked.Deployments) != 1 || locked.Deployments[0].ID != stuck["deploymentId"] ||
		!strings.HasPrefix(locked.Message, "App is locked by one or more deployments. Override with the option '?force=true'.") {
		t.Fatalf("PUT while locked: %d %+v", code, locked)
	}
	var ds []struct {
		ID           string   `json:"id"`
		AffectedApps []string `json:"affectedApps"`
	}
	e.call("GET", "/v2/deployments", nil, &ds)
	if len(ds) != 1 || ds[0].ID != stuck["deploymentId"] || !slices.Equal(ds[0].AffectedApps, []string{"/sched"}) {
		t.Errorf("deployments %+v", ds)
	}
	// Rolled back, the deployment leaves and the app returns to its version before.
	if code, _ := e.call("DELETE", "/v2/deployments/"+stuck["deploymentId"]+"?force=true", nil, nil); code != http.StatusBadRequest {
		t.Errorf("a forced cancel: %d, want 400", code)
	}
	var rollback map[string]string
	if code, _ := e.call("DELETE", "/v2/deployments/"+stuck["deploymentId"], nil, &rollback); code != http.StatusOK || rollback["deploymentId"] == "" {
		t.Fatalf("rollback: %d %v", code, rollback)
	}
	third := e.running("/sched", 1, false)[0]
	e.started(third)
	if env := e.taskEnv(third); env["NEW"] != "1" {
		t.Errorf("the rollback did not return to the version before: NEW=%q", env["NEW"])
	}
	// Stuck again, a forced PUT takes over.
	if code, _ := e.call("PUT", "/v2/apps/sched", map[string]any{"constraints": [][]string{{"hostname", "LIKE", "nowhere"}}}, nil); code != http.StatusOK {
		t.Fatalf("PUT constraints: %d", code)
	}
	if code, _ := e.call("PUT", "/v2/apps/sched?force=true", map[string]any{"constraints": [][]string{}}, nil); code != http.StatusOK {
		t.Fatalf("forced PUT: %d", code)
	}
	fourth := e.running("/sched", 1, false)[0]
	e.started(fourth)
	for _, ev := range e.events() {
		if strings.HasPrefix(ev, "overlap_") {
			t.Errorf("two instances ran at once: %v", e.events())
		}
	}
	var versions struct {
		Versions []string `json:"versions"`
	}
	e.call("GET", "/v2/apps/sched/versions", nil, &versions)
	if len(versions.Versions) != 6 || !slices.IsSortedFunc(versions.Versions, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("versions %v: want 6, newest first", versions.Versions)
	} else {
		var old map[string]any
		oldest := versions.Versions[5]
		if code, _ := e.call("GET", "/v2/apps/sched/versions/"+oldest, nil, &old); code != http.StatusOK || old["version"] != oldest || old["id"] != "/sched" {
			t.Errorf("GET version %s: %d %v", oldest, code, old)
		}
	}
	if code, _ := e.call("GET", "/v2/apps/sched/versions/nope", nil, nil); code != http.StatusNotFound {
		t.Errorf("GET of a missing version: %d", code)
	}
	if third == second || fourth == third {
		t.Error("a config change did not replace the task")
	}
}

// TestRestartAdoptsTasks: a Marathon restarted on the same data dir
// re-subscribes with its framework id and adopts the running task; it
// launches no duplicate.
func TestRestartAdoptsTasks(t *testing.T) {
	e := newEnv(t, 2)
	def := e.testApp("adopt")
	def["healthChecks"] = []map[string]any{{"protocol": "MESOS_TCP", "gracePeriodSeconds": 30, "intervalSeconds": 1,
		"timeoutSeconds": 1, "delaySeconds": 0}}
	if code, _ := e.call("POST", "/v2/apps", def, nil); code != http.StatusCreated {
		t.Fatalf("POST: %d", code)
	}
	first := e.running("/adopt", 1, true)[0]
	e.started(first)
	var info map[string]any
	e.call("GET", "/v2/info", nil, &info)
	fid := info["frameworkId"]

	e.marathon.Shutdown()
	e.startMarathon()
	var again map[string]any
	e.call("GET", "/v2/info", nil, &again)
	if again["frameworkId"] != fid || fid == "" || again["version"] != "1.9.0-kennel" {
		t.Fatalf("info after restart %v, before %v", again, info)
	}
	if ids := e.running("/adopt", 1, true); ids[0] != first {
		t.Fatalf("after restart the task is %s, not %s", ids[0], first)
	}
	if code, _ := e.call("PUT", "/v2/apps/adopt", map[string]any{"instances": 2}, nil); code != http.StatusOK {
		t.Fatalf("scale: %d", code)
	}
	ids := e.running("/adopt", 2, true)
	if !slices.Contains(ids, first) {
		t.Errorf("scaling replaced the adopted task: %v", ids)
	}
	e.started(ids...)
	slices.Sort(ids)
	waitFor(t, "the cluster to run the tasks Marathon knows", func() bool { return slices.Equal(activeTasks(t, e.cluster), ids) })
	starts := 0
	for _, ev := range e.events() {
		if strings.HasPrefix(ev, "start_") {
			starts++
		}
	}
	if starts != 2 {
		t.Errorf("%d task starts, want 2: %v", starts, e.events())
	}

	// After a master failover Marathon re-subscribes and still steers
	// its tasks.
	e.cluster.RestartMaster()
	if code, _ := e.call("PUT", "/v2/apps/adopt", map[string]any{"instances": 1}, nil); code != http.StatusOK {
		t.Fatalf("scale down: %d", code)
	}
	left := e.running("/adopt", 1, false)
	waitFor(t, "one task left on the cluster", func() bool { return slices.Equal(activeTasks(t, e.cluster), left) })
}

// TestBackoff: an app whose tasks fail is relaunched with a growing delay,
// which GET /v2/queue shows.
func TestBackoff(t *testing.T) {
	e := newEnv(t, 1)
	def := map[string]any{"id": "crashy", "cmd": "exit 1", "cpus": 0.1, "mem": 32, "portDefinitions": []any{},
		"backoffSeconds": 1, "backoffFactor": 4, "maxLaunchDelaySeconds": 3600}
	if code, _ := e.call("POST", "/v2/apps", def, nil); code != http.StatusCreated {
		t.Fatalf("POST: %d", code)
	}
	waitFor(t, "a delay of 4 s after the second failure", func() bool {
		var q struct {
			Queue []struct {
				Count int `json:"count"`
				Delay struct {
					TimeLeftSeconds int  `json:"timeLeftSeconds"`
					Overdue         bool `json:"overdue"`
				} `json:"delay"`
			} `json:"queue"`
		}
		e.call("GET", "/v2/queue", nil, &q)
		return len(q.Queue) == 1 && q.Queue[0].Count == 1 && q.Queue[0].Delay.TimeLeftSeconds > 1
	})

	// A PUT naming a version rolls back to it; with other fields it is refused.
	v1 := e.app("/crashy").App.Version
	if code, _ := e.call("PUT", "/v2/apps/crashy", map[string]any{"instances": 0}, nil); code != http.StatusOK {
		t.Fatalf("scale to 0: %d", code)
	}
	if code, _ := e.call("PUT", "/v2/apps/crashy?force=true", map[string]any{"version": v1, "cmd": "true"}, nil); code != http.StatusUnprocessableEntity {
		t.Errorf("version with cmd: %d, want 422", code)
	}
	if code, _ := e.call("PUT", "/v2/apps/crashy?force=true", map[string]any{"version": "nope"}, nil); code != http.StatusNotFound {
		t.Errorf("a missing version: %d, want 404", code)
	}
	var rb map[string]string
	if code, _ := e.call("PUT", "/v2/apps/crashy?force=true", map[string]any{"version": v1}, &rb); code != http.StatusOK || rb["deploymentId"] == "" {
		t.Fatalf("rollback: %d %v", code, rb)
	}
	var back map[string]map[string]any
	e.call("GET", "/v2/apps/crashy", nil, &back)
	if back["app"]["instances"] != 1.0 || back["app"]["version"] == v1 {
		t.Errorf("after the rollback to %s: %v", v1, back["app"])
	}
}

// TestRollingRestart: a restart of two instances with strategy 0.5/0
// replaces them one at a time, never below one healthy instance nor above
// two, each on its own host (hostname UNIQUE); PUT creates a missing app.
func TestRollingRestart(t *testing.T) {
	e := newEnv(t, 3)
	def := e.testApp("roll")
	def["instances"] = 2
	def["constraints"] = [][]string{{"hostname", "UNIQUE"}}
	def["upgradeStrategy"] = map[string]any{"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0}
	def["healthChecks"] = []map[string]any{{"protocol": "MESOS_HTTP", "path": "/health", "gracePeriodSeconds": 30,
		"intervalSeconds": 1, "timeoutSeconds": 1, "delaySeconds": 0}}
	var created map[string]string
	if code, hdr := e.call("PUT", "/v2/apps/roll", def, &created); code != http.StatusCreated || hdr.Get("Marathon-Deployment-Id") == "" {
		t.Fatalf("PUT of a missing app: %d %v", code, created)
	}
	before := e.running("/roll", 2, true)
	e.started(before...)
	var restart map[string]string
	if code, _ := e.call("POST", "/v2/apps/roll/restart", nil, &restart); code != http.StatusOK || restart["deploymentId"] == "" {
		t.Fatalf("restart: %d %v", code, restart)
	}
	var after []string
	waitFor(t, "both instances replaced", func() bool {
		after = e.running("/roll", 2, true)
		return !slices.Contains(after, before[0]) && !slices.Contains(after, before[1])
	})
	e.started(after...)
	hosts := map[string]bool{}
	for _, tk := range e.app("/roll").App.Tasks {
		hosts[tk.Host] = true
	}
	if len(hosts) != 2 {
		t.Errorf("two instances on %d hosts", len(hosts))
	}
	live, lowest, highest := 0, 2, 0
	for i, ev := range e.events() {
		switch {
		case strings.HasPrefix(ev, "start_"):
			live++
		case strings.HasPrefix(ev, "term_"):
			live--
		}
		if i >= 2 {
			lowest, highest = min(lowest, live), max(highest, live)
		}
	}
	if lowest < 1 || highest > 2 {
		t.Errorf("instances alive during the restart ranged %d..%d, want 1..2: %v", lowest, highest, e.events())
	}
}

// TestPartitionReplaces: a task whose agent is cut off becomes
// TASK_UNREACHABLE and is replaced at once (the default unreachable
// strategy 0/0); when the agent returns, the old task, unknown to
// Marathon by then, is killed.
func TestPartitionReplaces(t *testing.T) {
	e := newEnv(t, 2)
	if code, _ := e.call("POST", "/v2/apps", e.testApp("part"), nil); code != http.StatusCreated {
		t.Fatalf("POST: %d", code)
	}
	first := e.running("/part", 1, false)[0]
	host := e.app("/part").App.Tasks[0].Host
	var agent string
	for _, a := range e.cluster.Agents() {
		if a.Hostname == host {
			agent = a.Name
		}
	}
	if err := e.cluster.Agent(agent, local.ActionPartition); err != nil {
		t.Fatal(err)
	}
	var second string
	waitFor(t, "a replacement on the other agent", func() bool {
		tasks := e.app("/part").App.Tasks
		if len(tasks) != 1 || tasks[0].ID == first || tasks[0].State != "TASK_RUNNING" {
			return false
		}
		second = tasks[0].ID
		return tasks[0].Host != host
	})
	if err := e.cluster.Agent(agent, local.ActionHeal); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the returning task killed", func() bool { return slices.Equal(activeTasks(t, e.cluster), []string{second}) })
}
