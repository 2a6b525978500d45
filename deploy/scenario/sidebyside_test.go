package scenario_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// appEnv is the app's env in Marathon, or nil when it does not exist.
func (c *cluster) appEnv(app string) map[string]string {
	c.t.Helper()
	var out struct {
		App struct {
			Env map[string]string `json:"env"`
		} `json:"app"`
	}
	code, err := getJSON(c.marathon+"/v2/apps/"+app, &out)
	if code == 404 {
		return nil
	}
	if err != nil {
		c.t.Fatal(err)
	}
	return out.App.Env
}

// installedApps lists the apps `kennel package list --json` gives.
func (c *cluster) installedApps() []string {
	c.t.Helper()
	var res struct {
		Packages []struct {
			AppID string `json:"appId"`
		} `json:"packages"`
	}
	if err := json.Unmarshal([]byte(c.mustRun("package", "list", "--json")), &res); err != nil {
		c.t.Fatal(err)
	}
	var ids []string
	for _, p := range res.Packages {
		ids = append(ids, p.AppID)
	}
	return ids
}

// Two instances of a package run side by side under different
// service.names; bad input is refused with a clear error and changes
// nothing; uninstalling one leaves the other running untouched.
func TestSideBySideAndBadInput(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	small := `"hello": {"count": 1, "heartbeat_seconds": 1, "kill_grace_period": 1}`
	c.mustRun("package", "install", "hello-world", "--yes", "--options", c.options("one.json", `{`+small+`}`))
	c.mustRun("package", "install", "hello-world", "--yes", "--options",
		c.options("two.json", `{"service": {"name": "hello-two"}, `+small+`}`))
	c.waitComplete("hello-world", "", 3*time.Minute)
	c.waitComplete("hello-two", "", 3*time.Minute)
	if got := c.installedApps(); strings.Join(got, " ") != "/hello-two /hello-world" && strings.Join(got, " ") != "/hello-world /hello-two" {
		t.Errorf("package list: %v, want /hello-world and /hello-two", got)
	}
	one, two := servers(c.podTasks("hello-world")), servers(c.podTasks("hello-two"))
	if len(one) != 1 || len(two) != 1 || one["hello-0-server"] == "" || two["hello-0-server"] == "" {
		t.Fatalf("server tasks: hello-world %v, hello-two %v", one, two)
	}
	if fw1, fw2 := c.frameworkID("hello-world"), c.frameworkID("hello-two"); fw1 == "" || fw1 == fw2 {
		t.Errorf("framework ids %q and %q: want two frameworks", fw1, fw2)
	}

	// Bad input: each a clear error that changes nothing.
	version := c.appVersion("hello-world")
	bad := []struct {
		name   string
		args   []string
		stderr []string // what the error must say
		absent string   // an app that must not exist after
	}{
		{"invalid options",
			[]string{"package", "install", "hello-world", "--yes", "--options",
				c.options("bad.json", `{"service": {"name": "hello-bad"}, "hello": {"count": 0, "cpus": "lots"}}`)},
			[]string{"bad.json: hello.count: must be >= 1, got 0", "bad.json: hello.cpus:", "Nothing was installed or changed."}, "hello-bad"},
		{"unknown package version",
			[]string{"package", "install", "hello-world", "--yes", "--package-version", "9.9", "--options",
				c.options("three.json", `{"service": {"name": "hello-three"}}`)},
			[]string{"9.9"}, "hello-three"},
		{"second install under the same name",
			[]string{"package", "install", "hello-world", "--yes", "--options", c.options("again.json", `{"hello": {"count": 2}}`)},
			[]string{"Package is already installed"}, ""},
		{"update to an unknown package version",
			[]string{"update", "start", "--name", "hello-world", "--package-version", "9.9"},
			[]string{"Version [9.9] is not a valid update of package [hello-world] 0.1.0"}, ""},
		{"update with invalid options",
			[]string{"update", "start", "--name", "hello-world", "--options", c.options("zero.json", `{"hello": {"count": 0}}`)},
			[]string{"zero.json: hello.count: must be >= 1, got 0"}, ""},
	}
	for _, b := range bad {
		out, errOut, code := c.run(b.args...)
		if code != 1 {
			t.Errorf("%s: exit %d, want 1\n%s%s", b.name, code, out, errOut)
		}
		for _, w := range b.stderr {
			if !strings.Contains(errOut, w) {
				t.Errorf("%s: the error does not say %q:\n%s", b.name, w, errOut)
			}
		}
		t.Logf("%s: %s", b.name, strings.TrimSpace(errOut))
		if b.absent != "" && c.appEnv(b.absent) != nil {
			t.Errorf("%s: app %s was created", b.name, b.absent)
		}
	}
	// Marathon refuses a field it does not know with its 422, naming it,
	// and creates nothing.
	resp, err := http.Post(c.marathon+"/v2/apps", "application/json",
		strings.NewReader(`{"id": "/hello-bogus", "cmd": "sleep 100", "cpus": 0.1, "mem": 16, "bogus": true}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 422 || !strings.Contains(string(body), "bogus") {
		t.Errorf("an app with an unknown field: %s %s", resp.Status, body)
	}
	t.Logf("an app with an unknown field: %s %s", resp.Status, body)
	if c.appEnv("hello-bogus") != nil {
		t.Error("the app with an unknown field was created")
	}
	if got := c.appVersion("hello-world"); got != version {
		t.Errorf("bad input changed the app: version %s, was %s", got, version)
	}
	if env := c.appEnv("hello-world"); env["HELLO_COUNT"] != "1" {
		t.Errorf("bad input changed the app: HELLO_COUNT %q", env["HELLO_COUNT"])
	}
	if got := c.installedApps(); len(got) != 2 {
		t.Errorf("after bad input, package list: %v", got)
	}

	// Uninstall one: the other goes on untouched.
	out := c.mustRun("package", "uninstall", "hello-world", "--app-id", "/hello-two", "--yes", "--poll-interval", "200ms", "--timeout", "3m")
	if !strings.Contains(out, "(app /hello-two)") {
		t.Errorf("uninstall said:\n%s", out)
	}
	c.waitFor("hello-two deleted", time.Minute, func() (bool, string) {
		code, err := getJSON(c.marathon+"/v2/apps/hello-two", &struct{}{})
		return code == 404, fmt.Sprintf("GET /v2/apps/hello-two: %d, %v", code, err)
	})
	c.waitFor("nothing left of hello-two", time.Minute, func() (bool, string) {
		left := c.leftovers("hello-two", "hello-two-role")
		return len(left) == 0, strings.Join(left, "\n")
	})
	if got := c.installedApps(); len(got) != 1 || got[0] != "/hello-world" {
		t.Errorf("after uninstalling hello-two, package list: %v", got)
	}
	c.waitComplete("hello-world", "", time.Minute)
	if got := servers(c.podTasks("hello-world")); got["hello-0-server"] != one["hello-0-server"] {
		t.Errorf("uninstalling hello-two touched hello-world: %v, was %v", got, one)
	}
	if left := c.leftovers("hello-world", "hello-world-role"); len(left) == 0 {
		t.Error("hello-world's reservations are gone too")
	}
}
