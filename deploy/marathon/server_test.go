package marathon_test

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/deploy/local"
)

// TestAppLifecycle: an app is launched with Marathon's environment, ports
// and fetched URIs; it is relaunched after its health check kills it and
// after it crashes; the REST errors are Marathon's; DELETE kills its task
// and removes it.
func TestAppLifecycle(t *testing.T) {
	e := newEnv(t, 2)
	payload := filepath.Join(t.TempDir(), "payload.txt")
	if err := os.WriteFile(payload, []byte("fetched!"), 0o644); err != nil {
		t.Fatal(err)
	}
	def := e.testApp("dev/web")
	def["portDefinitions"] = []map[string]any{{"port": 0, "name": "api"}, {"port": 0}}
	def["labels"] = map[string]string{"DCOS_SERVICE_NAME": "web"}
	def["fetch"] = []map[string]any{{"uri": "file://" + payload, "destPath": "sub/fetched.txt"}}
	def["healthChecks"] = []map[string]any{{"protocol": "MESOS_HTTP", "path": "/health", "portIndex": 0,
		"gracePeriodSeconds": 30, "intervalSeconds": 1, "timeoutSeconds": 0, "delaySeconds": 0, "maxConsecutiveFailures": 0}}

	def["check"] = map[string]any{"http": map[string]any{"portIndex": 0, "path": "/check"}, "intervalSeconds": 1, "delaySeconds": 0}

	var created map[string]any
	code, hdr := e.call("POST", "/v2/apps", def, &created)
	if code != http.StatusCreated || hdr.Get("Marathon-Deployment-Id") == "" || created["id"] != "/dev/web" {
		t.Fatalf("POST: %d %v %v", code, hdr, created)
	}
	var dup map[string]any
	if code, _ := e.call("POST", "/v2/apps", def, &dup); code != http.StatusConflict || dup["message"] != "App '/dev/web' already exists" {
		t.Fatalf("duplicate POST: %d %v", code, dup)
	}
	first := e.running("/dev/web", 1, true)[0]
	e.started(first)
	if !strings.HasPrefix(first, "dev_web.") {
		t.Errorf("task id %s does not start with dev_web.", first)
	}
	v := e.app("/dev/web")
	env := e.taskEnv(first)
	task := v.App.Tasks[0]
	want := map[string]string{
		"PORT0": strconv.Itoa(task.Ports[0]), "PORT1": strconv.Itoa(task.Ports[1]), "PORT": strconv.Itoa(task.Ports[0]),
		"PORT_API": strconv.Itoa(task.Ports[0]), "PORTS": strconv.Itoa(task.Ports[0]) + "," + strconv.Itoa(task.Ports[1]),
		"HOST": task.Host, "MESOS_TASK_ID": first, "MARATHON_APP_ID": "/dev/web", "MARATHON_APP_VERSION": v.App.Version,
		"MARATHON_APP_RESOURCE_CPUS": "0.1", "MARATHON_APP_RESOURCE_MEM": "32.0",
		"MARATHON_APP_LABELS": "DCOS_SERVICE_NAME", "MARATHON_APP_LABEL_DCOS_SERVICE_NAME": "web",
		"KMTEST_FETCHED": "fetched!",
	}
	for k, w := range want {
		if env[k] != w {
			t.Errorf("task env %s = %q, want %q", k, env[k], w)
		}
	}

	// The check's result is reported.
	waitFor(t, "the check's result", func() bool {
		var raw struct {
			App struct {
				Tasks []struct {
					CheckResult struct {
						HTTP struct {
							StatusCode int `json:"statusCode"`
						} `json:"http"`
					} `json:"checkResult"`
				} `json:"tasks"`
			} `json:"app"`
		}
		e.call("GET", "/v2/apps/dev/web", nil, &raw)
		return len(raw.App.Tasks) == 1 && raw.App.Tasks[0].CheckResult.HTTP.StatusCode == http.StatusOK
	})

	// The health check fails: Mesos kills the task, Marathon relaunches it.
	unhealthy := filepath.Join(e.appDir, "unhealthy")
	if err := os.WriteFile(unhealthy, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the unhealthy task killed", func() bool {
		for _, tk := range e.app("/dev/web").App.Tasks {
			if tk.ID == first {
				return false
			}
		}
		return true
	})
	if err := os.Remove(unhealthy); err != nil {
		t.Fatal(err)
	}
	second := e.running("/dev/web", 1, true)[0]
	if second == first {
		t.Fatal("the unhealthy task was not replaced")
	}

	// The task crashes: it is relaunched.
	if err := e.cluster.CrashTask(second); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the crashed task replaced", func() bool {
		tasks := e.app("/dev/web").App.Tasks
		return len(tasks) == 1 && tasks[0].ID != second
	})
	e.running("/dev/web", 1, true)

	var lf struct {
		App struct {
			LastTaskFailure struct {
				TaskID string `json:"taskId"`
				State  string `json:"state"`
			} `json:"lastTaskFailure"`
		} `json:"app"`
	}
	e.call("GET", "/v2/apps/dev/web", nil, &lf)
	if lf.App.LastTaskFailure.TaskID != second || lf.App.LastTaskFailure.State != "TASK_FAILED" {
		t.Errorf("lastTaskFailure %+v, want %s TASK_FAILED", lf.App.LastTaskFailure, second)
	}

	// Listing, with a label selector and embedded tasks.
	var list struct {
		Apps []struct {
			ID    string `json:"id"`
			Tasks []any  `json:"tasks"`
		} `json:"apps"`
	}
	e.call("GET", "/v2/apps?embed=apps.tasks&label=DCOS_SERVICE_NAME==web", nil, &list)
	if len(list.Apps) != 1 || list.Apps[0].ID != "/dev/web" || len(list.Apps[0].Tasks) != 1 {
		t.Errorf("GET /v2/apps with a selector: %+v", list)
	}
	list.Apps = nil
	e.call("GET", "/v2/apps?label=DCOS_SERVICE_NAME==other", nil, &list)
	if len(list.Apps) != 0 {
		t.Errorf("GET /v2/apps with a selector matching nothing: %+v", list)
	}

	// REST errors.
	var nf map[string]any
	if code, _ := e.call("GET", "/v2/apps/nope", nil, &nf); code != http.StatusNotFound || nf["message"] != "App '/nope' does not exist" {
		t.Errorf("GET missing: %d %v", code, nf)
	}
	if code, _ := e.call("POST", "/v2/apps", `{"id": "x", `, nil); code != http.StatusBadRequest {
		t.Errorf("bad JSON: %d, want 400", code)
	}
	var inv struct {
		Message string `json:"message"`
		Details []struct {
			Path string `json:"path"`
		} `json:"details"`
	}
	if code, _ := e.call("POST", "/v2/apps", map[string]any{"id": "x", "cmd": "true", "bogus": 1}, &inv); code != http.StatusUnprocessableEntity ||
		inv.Message != "Object is not valid" || len(inv.Details) != 1 || inv.Details[0].Path != "/bogus" {
		t.Errorf("unknown field: %d %+v", code, inv)
	}

	// DELETE kills the task and removes the app.
	var del map[string]string
	if code, _ := e.call("DELETE", "/v2/apps/dev/web", nil, &del); code != http.StatusOK || del["deploymentId"] == "" {
		t.Fatalf("DELETE: %d %v", code, del)
	}
	waitFor(t, "the app gone", func() bool {
		code, _ := e.call("GET", "/v2/apps/dev/web", nil, nil)
		var ds []any
		e.call("GET", "/v2/deployments", nil, &ds)
		return code == http.StatusNotFound && len(ds) == 0
	})
	waitFor(t, "no task left on the cluster", func() bool { return len(activeTasks(t, e.cluster)) == 0 })
}

// activeTasks are the ids of the master's tasks that have not ended; while
// the master cannot answer (a failover) it is a list no test expects.
func activeTasks(t *testing.T, c *local.Cluster) []string {
	t.Helper()
	st, err := local.NewClient(c.URL()).State(t.Context())
	if err != nil {
		t.Logf("master state: %v", err)
		return []string{"(the master did not answer)"}
	}
	var out []string
	for _, f := range st.Frameworks {
		for _, tk := range f.Tasks {
			switch tk.State {
			case "TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_KILLING":
				out = append(out, tk.ID)
			}
		}
	}
	slices.Sort(out)
	return out
}
