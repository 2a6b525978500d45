package scenario_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/deploy/updatepreview"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden (run with -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// configID matches a configuration id.
var configID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// normalise replaces what changes from run to run: configuration ids and
// the scenario's directory.
func (c *cluster) normalise(s string) string {
	s = strings.ReplaceAll(s, c.dir, "DIR")
	return configID.ReplaceAllString(s, "CONFIG-ID")
}

// preview runs update start --dry-run --json and returns its report,
// failing unless it exits 0.
func (c *cluster) preview(name, options string) updatepreview.Report {
	c.t.Helper()
	out := c.mustRun("update", "start", "--name", name, "--dry-run", "--json", "--options", options)
	var r updatepreview.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		c.t.Fatalf("the dry run's JSON: %v\n%s", err, out)
	}
	return r
}

// servers keeps the server tasks of podTasks.
func servers(tasks map[string]string) map[string]string {
	out := map[string]string{}
	for name, id := range tasks {
		if strings.HasSuffix(name, "-server") {
			out[name] = id
		}
	}
	return out
}

// The life of one service installed from its package: install to
// COMPLETE, a dry run that changes nothing, a count raised (only the new
// pod launches), a task option changed (every pod restarts), the
// scheduler SIGKILLed (Marathon restarts it, same FrameworkID), uninstall
// (nothing left).
func TestInstallUpdateCrashUninstall(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	const name = "hello-world"

	installOpts := c.options("install.json", `{"hello": {"count": 1, "greeting": "Hi", "heartbeat_seconds": 1, "kill_grace_period": 1}}`)
	started := time.Now()
	out := c.mustRun("package", "install", "hello-world", "--yes", "--options", installOpts)
	if !strings.Contains(out, "Installed Marathon app /hello-world for package [hello-world] version [0.1.0]") {
		t.Errorf("install said:\n%s", out)
	}
	c.waitComplete(name, "", 3*time.Minute)
	t.Logf("package install to deploy COMPLETE: %s", time.Since(started).Round(10*time.Millisecond))
	first := servers(c.podTasks(name))
	if len(first) != 1 || first["hello-0-server"] == "" {
		t.Fatalf("after the install, server tasks %v; want hello-0-server", first)
	}

	// The Marathon port is the cluster's front door: Admin Router reaches
	// the scheduler at /service/<name>/, Cosmos answers at /package/.
	c.waitFor("the deploy plan through the front door", time.Minute, func() (bool, string) {
		out, errOut, code := c.run("plan", "status", "deploy", "--url", c.marathon+"/service/"+name)
		return code == 0 && strings.Contains(out, "deploy (serial strategy) (COMPLETE)"), out + errOut
	})
	req, err := http.NewRequest(http.MethodPost, c.marathon+"/package/list", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/vnd.dcos.package.list-request+json;charset=utf-8;version=v1")
	req.Header.Set("Accept", "application/vnd.dcos.package.list-response+json;charset=utf-8;version=v1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"appId":"/hello-world"`) {
		t.Errorf("POST /package/list on the front door: %d %s", resp.StatusCode, body)
	}

	// A dry run prints what would happen and changes nothing.
	version := c.appVersion(name)
	_, schedTask := c.scheduler(name)
	count := c.options("count.json", `{"hello": {"count": 2}}`)
	out, errOut, code := c.run("update", "start", "--name", name, "--dry-run", "--options", count)
	if code != 0 {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"hello-0  stay", "hello-1  launch", "(scheduler target)"} {
		if !strings.Contains(out, want) {
			t.Errorf("the dry run does not say %q:\n%s", want, out)
		}
	}
	volume := c.options("volume.json", `{"hello": {"data_mb": 1024}}`)
	refusedOut, refusedErr, code := c.run("update", "start", "--name", name, "--dry-run", "--options", volume)
	if code != 1 || !strings.Contains(refusedOut, "pods.hello.volumes") {
		t.Errorf("a refused dry run: exit %d\n%s%s", code, refusedOut, refusedErr)
	}
	golden(t, "dry-run.golden", c.normalise("$ kennel update start --dry-run --options count.json\n"+out+errOut+
		"\n$ kennel update start --dry-run --options volume.json\n"+refusedOut+refusedErr))
	if got := c.appVersion(name); got != version {
		t.Errorf("the dry runs changed the app's version: %s, was %s", got, version)
	}
	if _, task := c.scheduler(name); task != schedTask {
		t.Errorf("the dry runs restarted the scheduler: task %s, was %s", task, schedTask)
	}
	if got := servers(c.podTasks(name)); got["hello-0-server"] != first["hello-0-server"] || len(got) != 1 {
		t.Errorf("the dry runs changed the pods: %v, were %v", got, first)
	}

	// Raising the count launches the new pod only; the scheduler reaches
	// the configuration the dry run named.
	next := c.preview(name, count)
	c.mustRun("update", "start", "--name", name, "--options", count)
	c.waitComplete(name, next.Spec.NewID, 3*time.Minute)
	scaled := servers(c.podTasks(name))
	if scaled["hello-0-server"] != first["hello-0-server"] {
		t.Errorf("raising the count restarted hello-0: %s, was %s", scaled["hello-0-server"], first["hello-0-server"])
	}
	if scaled["hello-1-server"] == "" || len(scaled) != 2 {
		t.Errorf("after raising the count, server tasks %v; want hello-0 and hello-1", scaled)
	}

	// Changing a task option restarts every pod.
	greeting := c.options("greeting.json", `{"hello": {"greeting": "Bonjour"}}`)
	next = c.preview(name, greeting)
	for _, in := range next.Instances {
		if in.Action != updatepreview.Restart {
			t.Errorf("dry run of the greeting: %s would %s, want restart", in.Instance, in.Action)
		}
	}
	c.mustRun("update", "start", "--name", name, "--options", greeting)
	c.waitComplete(name, next.Spec.NewID, 3*time.Minute)
	restarted := servers(c.podTasks(name))
	if len(restarted) != 2 {
		t.Errorf("after the rolling restart, server tasks %v; want 2", restarted)
	}
	for pod, id := range scaled {
		if restarted[pod] == "" || restarted[pod] == id {
			t.Errorf("%s was not restarted: task %s, was %s", pod, restarted[pod], id)
		}
	}

	// SIGKILL the scheduler: Marathon restarts it, and it carries on as
	// the same framework, its pods untouched.
	framework := c.frameworkID(name)
	_, schedTask = c.scheduler(name)
	if framework == "" || schedTask == "" {
		t.Fatalf("scheduler task %q, framework %q", schedTask, framework)
	}
	killed := time.Now()
	c.mustRun("local", "task", "kill", schedTask)
	c.waitFor("the scheduler restarted and serving", 3*time.Minute, func() (bool, string) {
		url, task := c.scheduler(name)
		if url == "" || task == schedTask {
			return false, "scheduler task " + task
		}
		if got := c.frameworkID(name); got != framework {
			return false, "framework id " + got
		}
		info, seen := c.deployPlan(name)
		return info.Status == "COMPLETE", seen
	})
	t.Logf("scheduler SIGKILL to serving again: %s", time.Since(killed).Round(10*time.Millisecond))
	if got := servers(c.podTasks(name)); len(got) != 2 || got["hello-0-server"] != restarted["hello-0-server"] || got["hello-1-server"] != restarted["hello-1-server"] {
		t.Errorf("the scheduler's restart touched the pods: %v, were %v", got, restarted)
	}

	// Uninstall: the app is gone and the cluster holds nothing of the
	// service.
	out = c.mustRun("package", "uninstall", "hello-world", "--yes", "--poll-interval", "200ms", "--timeout", "3m")
	if !strings.Contains(out, "Uninstalled package [hello-world] version [0.1.0] (app /hello-world)") {
		t.Errorf("uninstall said:\n%s", out)
	}
	// Marathon deletes the app with a deployment: it is gone once its
	// task is.
	c.waitFor("the app deleted", time.Minute, func() (bool, string) {
		code, err := getJSON(c.marathon+"/v2/apps/hello-world", &struct{}{})
		return code == 404, fmt.Sprintf("GET /v2/apps/hello-world: %d, %v", code, err)
	})
	if out := c.mustRun("package", "list"); !strings.Contains(out, "There are currently no installed packages.") {
		t.Errorf("package list after the uninstall:\n%s", out)
	}
	c.waitFor("nothing left of the service", time.Minute, func() (bool, string) {
		left := c.leftovers(name, "hello-world-role")
		return len(left) == 0, strings.Join(left, "\n")
	})
	disks, _ := filepath.Glob(filepath.Join(c.data, "agents", "*", "disks", "mount-*", "*"))
	if len(disks) > 0 {
		t.Errorf("files left on the agents' MOUNT disks: %v", disks)
	}
}
