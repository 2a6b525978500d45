package scenario_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/deploy/local"
	"github.com/kennel-sdk/kennel/deploy/local/master"
	"github.com/kennel-sdk/kennel/plans"
)

// kennel is the binary under test, built once.
var kennel string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kennel-kafka-scenario")
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
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Generous deadlines: the machine may be loaded (-race, 2 cores).
const (
	deployTimeout = 3 * time.Minute
	stepTimeout   = 2 * time.Minute
)

// env is one scenario's world: a local cluster, the Kafka service's
// directory (examples/kafka, possibly edited) and its scheduler.
type env struct {
	t       *testing.T
	dir     string
	svc     string
	state   string
	cluster string
	client  *local.Client
	sched   *exec.Cmd
	api     string
	logs    *os.File
	vars    map[string]string
}

// newEnv starts a local cluster of agents agents and copies examples/kafka
// into the scenario, its svc.yml passed through edit.
func newEnv(t *testing.T, agents int, edit func(string) string) *env {
	dir := t.TempDir()
	logs, err := os.Create(filepath.Join(dir, "logs"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, dir: dir, logs: logs, svc: filepath.Join(dir, "svc"), state: "file://" + filepath.Join(dir, "state"),
		vars: map[string]string{
			"BROKER_CPUS": "0.1", "BROKER_MEM": "64", "BROKER_DISK_MB": "16", "BROKER_NOFILE_LIMIT": "1024",
			"KAFKA_TEST_BROKER": "true", "READINESS_CHECK_INTERVAL": "1", "READINESS_CHECK_DELAY": "0", "READINESS_CHECK_TIMEOUT": "10",
		}}
	t.Cleanup(func() {
		logs.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logs.Name())
			lines := strings.Split(string(b), "\n")
			t.Logf("last log lines:\n%s", strings.Join(lines[max(0, len(lines)-80):], "\n"))
		}
	})
	if err := os.MkdirAll(e.svc, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"svc.yml", "svc.env", "server.properties.mustache", "scram-admin.mustache"} {
		b, err := os.ReadFile(filepath.Join("..", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "svc.yml" && edit != nil {
			b = []byte(edit(string(b)))
		}
		if err := os.WriteFile(filepath.Join(e.svc, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.1.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	config := filepath.Join(dir, "cluster.yml")
	if err := os.WriteFile(config, []byte(clusterConfig(t, agents)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, line := e.startProcess("local", "up", "--data-dir", filepath.Join(dir, "cluster"), "--port", "0",
		"--agent-port", strconv.Itoa(port), "--time-scale", "0.05", "--destroy", "--no-marathon", "--config", config)
	t.Cleanup(func() { stop(cmd) })
	// local cluster: master http://127.0.0.1:PORT, N agents, data in …
	f := strings.Fields(line)
	if len(f) < 4 {
		t.Fatalf("cluster said %q", line)
	}
	e.cluster = strings.TrimSuffix(f[3], ",")
	e.client = local.NewClient(e.cluster)
	return e
}

// agentPorts is how many ports each scenario agent offers: a broker pod
// takes two, and a replaced or scaled pod may land on an agent that had one.
const agentPorts = 8

// clusterConfig is a local cluster of n agents like the default one, but
// with ports found free on this host instead of 31000 upward: the brokers
// bind every interface, and other clusters on the host (other scenarios
// running in parallel, other tools) use the default ranges.
func clusterConfig(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("agents:\n")
	for i := 1; i <= n; i++ {
		first := freeRange(t, agentPorts)
		fmt.Fprintf(&b, "  - name: agent-%d\n    cpus: 4\n    mem: 8192\n    disk: 20480\n    ports: %d-%d\n"+
			"    mount-disks: [10240, 10240]\n    region: local\n    zone: zone-%d\n    attributes: {rack: rack-%d}\n",
			i, first, first+agentPorts-1, (i-1)%3+1, i)
	}
	return b.String()
}

var (
	rangesMu    sync.Mutex
	rangesTaken = map[int]bool{}
)

// freeRange finds width consecutive ports that can be bound on every
// interface, between 25000 and 30000: below the kernel's ephemeral ports,
// and apart from the ranges of deploy/scenario's clusters (20000-24999),
// whose tests may run at the same time. Each block is given to one cluster
// of this process only. The ports are released at once for the agent to
// offer: another process taking one in between is unlikely, not impossible.
func freeRange(t *testing.T, width int) int {
	t.Helper()
	rangesMu.Lock()
	defer rangesMu.Unlock()
	for range 200 {
		first := 25000 + width*rand.IntN(5000/width-1)
		if rangesTaken[first] {
			continue
		}
		var held []net.Listener
		ok := true
		for p := first; p < first+width; p++ {
			ln, err := net.Listen("tcp", ":"+strconv.Itoa(p))
			if err != nil {
				ok = false
				break
			}
			held = append(held, ln)
		}
		for _, ln := range held {
			ln.Close()
		}
		if ok {
			rangesTaken[first] = true
			return first
		}
	}
	t.Fatal("no free port range found")
	return 0
}

// startProcess starts kennel with args and returns it with the first line
// it prints; its logs go to the scenario's log file.
func (e *env) startProcess(args ...string) (*exec.Cmd, string) {
	e.t.Helper()
	cmd := exec.Command(kennel, args...)
	cmd.Stderr = e.logs
	out, err := cmd.StdoutPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(out)
		line, _ := r.ReadString('\n')
		lines <- strings.TrimSpace(line)
		_, _ = io.Copy(e.logs, r)
	}()
	select {
	case line := <-lines:
		if line == "" {
			e.t.Fatalf("kennel %s exited before it was ready", strings.Join(args[:2], " "))
		}
		return cmd, line
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		e.t.Fatalf("kennel %s did not start", args[0])
	}
	return nil, ""
}

// stop ends a process with SIGTERM and waits for it.
func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// startScheduler runs `kennel kafka scheduler` with the env's variables.
func (e *env) startScheduler() {
	e.t.Helper()
	args := []string{"kafka", "scheduler", "--spec", filepath.Join(e.svc, "svc.yml"), "--master", e.cluster, "--state", e.state,
		"--api-host", "127.0.0.1", "--api-port", "0", "--backoff-initial", "100ms", "--backoff-max", "500ms",
		"--sweep-window", "6s", "--lock-wait", "1m", "-v", "--bootstrap-uri", "file://" + kennel}
	for _, k := range slices.Sorted(maps.Keys(e.vars)) {
		args = append(args, "-e", k+"="+e.vars[k])
	}
	cmd, url := e.startProcess(args...)
	e.sched, e.api = cmd, url
	e.t.Cleanup(func() {
		if e.sched == cmd {
			stop(cmd)
		}
	})
}

func (e *env) stopScheduler() {
	if e.sched != nil {
		stop(e.sched)
		e.sched = nil
	}
}

// waitPlan waits until the plan's status is want.
func (e *env) waitPlan(name string, want plans.Status, d time.Duration) {
	e.t.Helper()
	var last plans.PlanInfo
	e.waitFor(d, "plan "+name+" "+string(want), func() bool {
		resp, err := http.Get(e.api + "/v1/plans/" + name)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		last = plans.PlanInfo{}
		return json.NewDecoder(resp.Body).Decode(&last) == nil && last.Status == want
	}, func() string { return last.Tree(name) + stepMessages(last) })
}

func stepMessages(info plans.PlanInfo) string {
	var b strings.Builder
	for _, ph := range info.Phases {
		for _, st := range ph.Steps {
			if st.Status != string(plans.Complete) {
				fmt.Fprintf(&b, "\n  %s (%s): %s", st.Name, st.Status, st.Message)
			}
		}
	}
	return b.String()
}

// waitFor polls cond every 200ms until d has passed; then the test fails,
// with what explain says.
func (e *env) waitFor(d time.Duration, what string, cond func() bool, explain ...func() string) {
	e.t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			msg := ""
			for _, f := range explain {
				msg += "\n" + f()
			}
			e.t.Fatalf("timed out after %s waiting for %s%s", d, what, msg)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// cli runs `kennel args... --url <api>` and returns its stdout; it fails
// the test unless the command exits 0.
func (e *env) cli(args ...string) string {
	e.t.Helper()
	cmd := exec.Command(kennel, append(args, "--url", e.api)...)
	cmd.Env = append(os.Environ(), "KENNEL_URL=", "KENNEL_TOKEN=")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		e.t.Fatalf("kennel %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String()
}

// get is the body of GET <api><path>, which must answer 200.
func (e *env) get(path string) string {
	e.t.Helper()
	resp, err := http.Get(e.api + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET %s: %s: %s", path, resp.Status, b)
	}
	return string(b)
}

// getJSON decodes GET <api><path>.
func (e *env) getJSON(path string, v any) {
	e.t.Helper()
	resp, err := http.Get(e.api + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		e.t.Fatalf("GET %s: %s: %s", path, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
}

// running is the live broker tasks by task name.
func (e *env) running() map[string]master.TaskState {
	e.t.Helper()
	s, err := e.client.State(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]master.TaskState{}
	for _, f := range s.Frameworks {
		if f.Name != "kafka" {
			continue
		}
		for _, t := range f.Tasks {
			if t.State != "TASK_RUNNING" && t.State != "TASK_STARTING" && t.State != "TASK_STAGING" {
				continue
			}
			if parts := strings.Split(t.ID, "__"); len(parts) == 3 {
				out[parts[1]] = t
			}
		}
	}
	return out
}

// agentHost is the hostname (its own loopback address) of an agent.
func (e *env) agentHost(agentID string) string {
	e.t.Helper()
	s, err := e.client.State(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, a := range s.Slaves {
		if a.ID == agentID {
			return a.Hostname
		}
	}
	e.t.Fatalf("no agent %s", agentID)
	return ""
}

// agentMetaDir is where an agent checkpoints (its task.info and
// task.updates under directories named after task ids, as a Mesos agent's
// meta directory): the sandbox walks skip it.
const agentMetaDir = "meta"

// sandboxFile reads a file of a task's sandbox: the directory named after
// its task id under the cluster's data dir, outside the agents' meta dirs.
func (e *env) sandboxFile(taskID, name string) (string, bool) {
	var found string
	_ = filepath.WalkDir(filepath.Join(e.dir, "cluster"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || found != "" {
			return nil
		}
		if d.IsDir() && d.Name() == agentMetaDir {
			return fs.SkipDir
		}
		if d.IsDir() && d.Name() == taskID {
			found = path
			return fs.SkipAll
		}
		return nil
	})
	if found == "" {
		return "", false
	}
	b, err := os.ReadFile(filepath.Join(found, name))
	return string(b), err == nil
}

// properties parses key=value lines.
func properties(text string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && !strings.HasPrefix(k, "#") {
			out[k] = v
		}
	}
	return out
}

// hasCommand reports whether the kennel under test has the command args
// (`kennel <args> --help` exits 0 and describes that command).
func hasCommand(args ...string) bool {
	out, err := exec.Command(kennel, append(args, "--help")...).CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) || err != nil {
		return false
	}
	return strings.Contains(string(out), "kennel "+strings.Join(args, " "))
}
