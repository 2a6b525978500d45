package frontdoor_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/deploy/adminrouter"
	"github.com/kennel-sdk/kennel/deploy/frontdoor"
)

// staticApps is an adminrouter.Apps with fixed apps.
type staticApps []adminrouter.App

func (a staticApps) Apps(context.Context) ([]adminrouter.App, error) { return a, nil }

// TestDCOSCLIThroughTheFrontDoor runs the kennel binary as the DC/OS CLI
// plugin dcos-hello-world, with $DCOS_URL at a front door, against the
// hello-world scheduler of a local cluster (`kennel local up --service`):
// the plugin's requests go through /service/<name>/ to the scheduler's
// real API.
func TestDCOSCLIThroughTheFrontDoor(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kennel and runs a local cluster")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "dcos-hello-world")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/kennel").CombinedOutput(); err != nil {
		t.Fatalf("building kennel: %v\n%s", err, out)
	}
	env := cleanEnv(t, dir)

	data, exited := localUp(t, bin, env, "../../examples/hello-world", dir)

	// the scheduler writes its API's URL once it serves
	apiURLFile := filepath.Join(data, "services", "hello-world", "api-url")
	var api *url.URL
	for deadline := time.Now().Add(2 * time.Minute); api == nil; time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-exited:
			b, _ := os.ReadFile(filepath.Join(dir, "local.log"))
			t.Fatalf("kennel local up exited: %v\n%s", err, b)
		default:
		}
		if b, err := os.ReadFile(apiURLFile); err == nil && strings.TrimSpace(string(b)) != "" {
			if api, err = url.Parse(strings.TrimSpace(string(b))); err != nil {
				t.Fatal(err)
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the scheduler did not write its API URL")
		}
	}
	port, err := strconv.Atoi(api.Port())
	if err != nil {
		t.Fatal(err)
	}
	task := []adminrouter.Task{{ID: "hello-world.1", State: adminrouter.TaskRunning, Host: api.Hostname(), Ports: []int{port}}}
	sdkLabels := func(name string) map[string]string {
		return map[string]string{"DCOS_SERVICE_NAME": name, "DCOS_SERVICE_PORT_INDEX": "0", "DCOS_SERVICE_SCHEME": "http"}
	}
	apps := staticApps{
		{ID: "/hello-world", Labels: sdkLabels("hello-world"), Tasks: task},
		{ID: "/dev/hello-world", Labels: sdkLabels("/dev/hello-world"), Tasks: task},
	}
	door := httptest.NewServer(frontdoor.Handler(frontdoor.Parts{Services: adminrouter.New(apps, adminrouter.Options{})}))
	t.Cleanup(door.Close)
	env = append(env, "DCOS_URL="+door.URL)

	run := func(args ...string) (string, string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		return out.String(), errOut.String(), err
	}
	for _, name := range []string{"", "hello-world", "/dev/hello-world"} {
		var flags []string
		if name != "" {
			flags = []string{"--name", name}
		}
		out, errOut, err := run(append([]string{"hello-world", "plan", "list"}, flags...)...)
		if err != nil || !strings.Contains(out, `"deploy"`) || !strings.Contains(out, `"recovery"`) {
			t.Fatalf("plan list %v: %v\n%s%s", flags, err, out, errOut)
		}
		// 202 while deploying, 200 once complete: both print the tree
		out, errOut, err = run(append([]string{"hello-world", "plan", "status", "deploy"}, flags...)...)
		if err != nil || !strings.Contains(out, "deploy (serial strategy)") || !strings.Contains(out, "hello-0:[server]") {
			t.Fatalf("plan status deploy %v: %v\n%s%s", flags, err, out, errOut)
		}
	}
	dashboardThroughTheDoor(t, door.URL+"/service/hello-world/ui")
	out, errOut, err := run("hello-world", "plan", "list", "--name", "nope")
	if err == nil || !strings.Contains(out+errOut, "404") && !strings.Contains(strings.ToLower(out+errOut), "not found") {
		t.Fatalf("plan list --name nope: %v; want a not-found error\n%s%s", err, out, errOut)
	}
}

// localUp runs `kennel local up --service svc` (bin) with env, its data
// dir and log in dir, until the test ends; exited receives its exit.
func localUp(t *testing.T, bin string, env []string, svc, dir string) (data string, exited <-chan error) {
	t.Helper()
	data = filepath.Join(dir, "local")
	up := exec.Command(bin, "local", "up", "--service", svc,
		"--port", "0", "--agent-port", strconv.Itoa(freeAgentPort(t)), "--data-dir", data, "--log-file", filepath.Join(dir, "local.log"))
	up.Env = env
	up.Stdout, up.Stderr = nil, nil
	if err := up.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- up.Wait() }()
	t.Cleanup(func() {
		_ = up.Process.Signal(syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			_ = up.Process.Kill()
			<-done
		}
	})
	return data, done
}

// cleanEnv is the test's environment without the DC/OS CLI's and Kennel's
// settings, with the DC/OS CLI's and the local cluster's directories in dir.
func cleanEnv(t *testing.T, dir string) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DCOS_") && !strings.HasPrefix(kv, "KENNEL_") && !strings.HasPrefix(kv, "XDG_DATA_HOME=") {
			env = append(env, kv)
		}
	}
	for _, d := range []string{"dcos", "xdg"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return append(env, "DCOS_DIR="+filepath.Join(dir, "dcos"), "XDG_DATA_HOME="+filepath.Join(dir, "xdg"))
}

// freeAgentPort is a port free on the first agent's loopback address now,
// so that this cluster's agents share no port with clusters of other tests.
func freeAgentPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.1.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// dashboardThroughTheDoor checks the scheduler's dashboard (package api/ui)
// behind the front door: the page, and its event stream flushed through
// the proxy event by event (its first event arrives while the stream stays
// open).
func dashboardThroughTheDoor(t *testing.T, page string) {
	t.Helper()
	resp, err := http.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `src="ui/app.js"`) {
		t.Fatalf("GET %s: %s\n%s", page, resp.Status, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", page+"/events", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET %s/events: %s %s", page, resp.Status, resp.Header.Get("Content-Type"))
	}
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(nil, 1<<20)
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "data: ") && strings.Contains(lines.Text(), `"name":"deploy"`) {
			return
		}
	}
	t.Fatalf("GET %s/events: no view with the deploy plan: %v", page, lines.Err())
}
