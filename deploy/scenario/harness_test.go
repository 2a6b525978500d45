// Package scenario_test runs the one-command install path on the local
// cluster as a user would: `kennel local up` with its Marathon, then the
// kennel CLI (package install|list|uninstall, update start|status, local
// task kill, local state). The scheduler runs as a real Marathon task, the
// package's kennel binary and spec archive reaching it as file://
// artifacts; the pods run as real processes on the cluster's agents.
package scenario_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/deploy/local/master"
	"github.com/kennel-sdk/kennel/plans"
)

// kennel is the binary under test, built once: the cluster, Marathon's
// scheduler tasks, the executors and the CLI all run it.
var kennel string

// examples is the package repository, absolute.
var examples string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kennel-install-scenario")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	kennel = filepath.Join(dir, "kennel")
	build := exec.Command("go", "build", "-o", kennel, "github.com/kennel-sdk/kennel/cmd/kennel")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building kennel: %v\n%s", err, out)
		os.Exit(1)
	}
	if examples, err = filepath.Abs(filepath.Join("..", "..", "examples")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cluster is one scenario's local cluster, with its Marathon.
type cluster struct {
	t        *testing.T
	dir      string
	data     string
	master   string // the master's URL
	marathon string // Marathon's URL
	logs     *os.File
	env      []string // the CLI's environment
}

// freePort is a port free on host now.
func freePort(t *testing.T, host string) int {
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startCluster runs `kennel local up` with a Marathon on a free port and
// reads the two lines that say where the master and Marathon are.
func startCluster(t *testing.T) *cluster {
	dir := t.TempDir()
	logs, err := os.Create(filepath.Join(dir, "logs"))
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, dir: dir, data: filepath.Join(dir, "cluster"), logs: logs}
	t.Cleanup(func() {
		logs.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logs.Name())
			lines := strings.Split(string(b), "\n")
			t.Logf("last log lines:\n%s", strings.Join(lines[max(0, len(lines)-80):], "\n"))
		}
	})
	// The CLI sees neither the user's environment's Marathon or cluster
	// nor their data dir.
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "KENNEL_"), strings.HasPrefix(k, "DCOS_"), k == "MARATHON_URL", k == "XDG_DATA_HOME":
			continue
		}
		c.env = append(c.env, kv)
	}
	c.env = append(c.env, "XDG_DATA_HOME="+filepath.Join(dir, "xdg"))

	config := filepath.Join(dir, "cluster.yaml")
	if err := os.WriteFile(config, []byte(clusterConfig(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"local", "up", "--config", config, "--data-dir", c.data, "--port", "0",
		"--agent-port", strconv.Itoa(freePort(t, "127.0.1.1")), "--marathon-port", "0",
		"--time-scale", "0.05", "--destroy", "--repo", examples}
	cmd := exec.Command(kennel, args...)
	cmd.Env = c.env
	cmd.Stderr = logs
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(cmd) })
	lines := make(chan string, 2)
	go func() {
		r := bufio.NewReader(out)
		for range 2 {
			line, _ := r.ReadString('\n')
			lines <- strings.TrimSpace(line)
		}
		_, _ = io.Copy(logs, r)
	}()
	read := func() string {
		select {
		case line := <-lines:
			if line == "" {
				t.Fatal("kennel local up exited before it was ready")
			}
			return line
		case <-time.After(90 * time.Second):
			t.Fatal("kennel local up did not start")
		}
		return ""
	}
	// local cluster: master http://127.0.0.1:PORT, N agents, data in …
	first := strings.Fields(read())
	if len(first) < 4 || first[2] != "master" {
		t.Fatalf("cluster said %q", strings.Join(first, " "))
	}
	c.master = strings.TrimSuffix(first[3], ",")
	// local cluster: marathon http://127.0.0.1:PORT
	second := strings.Fields(read())
	if len(second) != 4 || second[2] != "marathon" {
		t.Fatalf("cluster said %q", strings.Join(second, " "))
	}
	c.marathon = second[3]
	return c
}

// Every cluster's agents offer ports of their own. The default ranges
// (31000 upward) are the same in every local cluster, and all of them
// share this host: a scheduler task of one cluster would find its port
// taken by another's, and a CLI could reach another cluster's scheduler.
// So each cluster gets ranges below Linux's ephemeral ports (32768),
// in 20000-24999 (examples/kafka/scenario's are above),
// away from the defaults, free now and not given to another cluster of
// this process.
const (
	portsPerAgent = 50
	agents        = 3
	firstPort     = 20000
	lastPort      = 25000 // examples/kafka/scenario's clusters take 25000-29999
)

var (
	portsMu    sync.Mutex
	portsTaken = map[int]bool{}
)

// clusterConfig is a cluster config of three agents with ports of their
// own.
func clusterConfig(t *testing.T) string {
	t.Helper()
	span := portsPerAgent * agents
	portsMu.Lock()
	defer portsMu.Unlock()
	base := -1
	for try := 0; try < 100 && base < 0; try++ {
		b := firstPort + span*rand.IntN((lastPort-firstPort)/span)
		if !portsTaken[b] && portsFree(b, b+span) {
			base = b
		}
	}
	if base < 0 {
		t.Fatal("no free range of ports for the cluster's agents")
	}
	portsTaken[base] = true
	var b strings.Builder
	b.WriteString("agents:\n")
	for i := range agents {
		begin := base + i*portsPerAgent
		fmt.Fprintf(&b, "  - {name: agent-%d, cpus: 4, mem: 8192, disk: 20480, ports: %d-%d, mount-disks: [10240, 10240], region: local, zone: zone-%d}\n",
			i+1, begin, begin+portsPerAgent-1, i+1)
	}
	return b.String()
}

// portsFree says whether every port of [from, to) can be listened on now.
func portsFree(from, to int) bool {
	for p := from; p < to; p++ {
		ln, err := net.Listen("tcp", ":"+strconv.Itoa(p))
		if err != nil {
			return false
		}
		ln.Close()
	}
	return true
}

// stop ends a process with SIGTERM and waits for it.
func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// run runs the kennel CLI and returns its output and exit status. The
// package commands get the cluster's Marathon, master, data dir and the
// examples repository.
func (c *cluster) run(args ...string) (stdout, stderr string, code int) {
	c.t.Helper()
	switch args[0] {
	case "package", "update":
		args = append(args, "--marathon", c.marathon)
		if !(args[0] == "package" && args[1] == "list") && !(args[0] == "update" && args[1] == "status") {
			args = append(args, "--master", c.master, "--data-dir", c.data, "--repo", examples)
		}
	case "local":
		args = append(args, "--master", c.master)
	}
	cmd := exec.Command(kennel, args...)
	cmd.Env = c.env
	cmd.Dir = c.dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		c.t.Fatalf("kennel %s: %v", strings.Join(args, " "), err)
	}
	if args[0] == "local" && args[1] == "state" {
		fmt.Fprintf(c.logs, "$ kennel %s\n(exit %d)\n", strings.Join(args, " "), code)
	} else {
		fmt.Fprintf(c.logs, "$ kennel %s\n%s%s(exit %d)\n", strings.Join(args, " "), out.String(), errOut.String(), code)
	}
	return out.String(), errOut.String(), code
}

// mustRun runs the CLI and fails the test unless it exits 0.
func (c *cluster) mustRun(args ...string) string {
	c.t.Helper()
	out, errOut, code := c.run(args...)
	if code != 0 {
		c.t.Fatalf("kennel %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// options writes options JSON to a file of the scenario and returns its
// path.
func (c *cluster) options(name, text string) string {
	c.t.Helper()
	path := filepath.Join(c.dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		c.t.Fatal(err)
	}
	return path
}

// waitFor polls cond until it holds or d passes; cond says what it saw.
func (c *cluster) waitFor(what string, d time.Duration, cond func() (bool, string)) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	last := ""
	for {
		ok, seen := cond()
		if ok {
			return
		}
		last = seen
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: not after %s; last seen: %s", what, d, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// getJSON GETs url and decodes its JSON body into v; it returns the
// status code.
func getJSON(url string, v any) (int, error) {
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
	}
	return resp.StatusCode, json.Unmarshal(body, v)
}

// marathonTask is a task of an app, as Marathon's /v2/apps/<id>/tasks
// gives it.
type marathonTask struct {
	ID    string `json:"id"`
	Host  string `json:"host"`
	Ports []int  `json:"ports"`
	State string `json:"state"`
}

// appTasks lists the app's tasks.
func (c *cluster) appTasks(app string) ([]marathonTask, error) {
	var out struct {
		Tasks []marathonTask `json:"tasks"`
	}
	_, err := getJSON(c.marathon+"/v2/apps/"+app+"/tasks", &out)
	return out.Tasks, err
}

// appVersion is the app's version in Marathon.
func (c *cluster) appVersion(app string) string {
	c.t.Helper()
	var out struct {
		App struct {
			Version string `json:"version"`
		} `json:"app"`
	}
	if _, err := getJSON(c.marathon+"/v2/apps/"+app, &out); err != nil {
		c.t.Fatal(err)
	}
	return out.App.Version
}

// scheduler is the URL of the app's running scheduler task, or "".
func (c *cluster) scheduler(app string) (string, string) {
	tasks, err := c.appTasks(app)
	if err != nil {
		return "", err.Error()
	}
	for _, t := range tasks {
		if t.State == "TASK_RUNNING" && len(t.Ports) > 0 {
			return fmt.Sprintf("http://%s:%d", t.Host, t.Ports[0]), t.ID
		}
	}
	return "", fmt.Sprintf("no running task: %+v", tasks)
}

// schedulerGet reads a JSON document from the app's scheduler.
func (c *cluster) schedulerGet(app, path string, v any) error {
	url, why := c.scheduler(app)
	if url == "" {
		return fmt.Errorf("%s", why)
	}
	_, err := getJSON(url+path, v)
	return err
}

// deployPlan is the service's deploy plan, through `kennel update status`.
func (c *cluster) deployPlan(name string) (plans.PlanInfo, string) {
	var info plans.PlanInfo
	out, errOut, code := c.run("update", "status", "--name", name, "--json")
	if code != 0 {
		return info, errOut
	}
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		return info, err.Error()
	}
	return info, info.Tree(plans.DeployPlan)
}

// waitComplete waits for the deploy plan of the service's scheduler of
// configuration targetID ("" for any) to be COMPLETE. Asking for the
// target configuration first tells the scheduler that was updated from
// the one Marathon is still replacing.
func (c *cluster) waitComplete(name, targetID string, d time.Duration) {
	c.t.Helper()
	c.waitFor("deploy plan of "+name+" COMPLETE", d, func() (bool, string) {
		if targetID != "" {
			if got := c.targetID(name); got != targetID {
				return false, "target configuration " + got + ", want " + targetID
			}
		}
		info, seen := c.deployPlan(name)
		return info.Status == plans.Complete, seen
	})
}

// targetID is the scheduler's target configuration id, or "".
func (c *cluster) targetID(name string) string {
	var ids []string
	if err := c.schedulerGet(name, "/v1/configurations/targetId", &ids); err != nil || len(ids) != 1 {
		return ""
	}
	return ids[0]
}

// frameworkID is the scheduler's FrameworkID, or "".
func (c *cluster) frameworkID(name string) string {
	var ids []string
	if err := c.schedulerGet(name, "/v1/state/frameworkId", &ids); err != nil || len(ids) != 1 {
		return ""
	}
	return ids[0]
}

// state is the master's state, through `kennel local state`.
func (c *cluster) state() master.State {
	c.t.Helper()
	var s master.State
	if err := json.Unmarshal([]byte(c.mustRun("local", "state")), &s); err != nil {
		c.t.Fatal(err)
	}
	return s
}

// terminal says whether a Mesos task state is terminal.
func terminal(state string) bool {
	switch state {
	case "TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_ERROR", "TASK_DROPPED", "TASK_GONE", "TASK_GONE_BY_OPERATOR", "TASK_LOST":
		return true
	}
	return false
}

// podTasks maps the live tasks of the service's framework by task name
// (hello-0-server) to their ids.
func (c *cluster) podTasks(service string) map[string]string {
	c.t.Helper()
	out := map[string]string{}
	for _, f := range c.state().Frameworks {
		if f.Name != service {
			continue
		}
		for _, t := range f.Tasks {
			if !terminal(t.State) {
				out[t.Name] = t.ID
			}
		}
	}
	return out
}

// leftovers lists what the cluster still holds of the service: its
// framework's live tasks, its role's reservations and volumes on the
// agents, and its role's volume directories on their disks.
func (c *cluster) leftovers(service, role string) []string {
	c.t.Helper()
	var out []string
	s := c.state()
	for _, f := range s.Frameworks {
		for _, t := range f.Tasks {
			if (f.Name == service || f.Role == role) && !terminal(t.State) {
				out = append(out, fmt.Sprintf("task %s (%s)", t.ID, t.State))
			}
		}
	}
	for _, a := range s.Slaves {
		for _, r := range a.ReservedResourcesFull {
			js, err := json.Marshal(r)
			if err != nil {
				c.t.Fatal(err)
			}
			if strings.Contains(string(js), `"`+role+`"`) {
				out = append(out, fmt.Sprintf("agent %s: %s", a.Hostname, js))
			}
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(c.data, "agents", "*", "volumes", "roles", role, "*"))
	for _, d := range dirs {
		out = append(out, "volume "+d)
	}
	return out
}
