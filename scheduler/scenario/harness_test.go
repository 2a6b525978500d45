package scenario_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/deploy/local"
	"github.com/kennel-sdk/kennel/deploy/local/master"
	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler/offer"
	"github.com/kennel-sdk/kennel/scheduler/state"
	"github.com/kennel-sdk/kennel/scheduler/state/zktest"
)

// kennel is the binary under test, built once: the cluster, the scheduler
// and the executors all run it as real processes.
var kennel string

func TestMain(m *testing.M) {
	// As the kennel binary does in main: resources in the post-refinement format.
	mesos.CapabilityReservationRefinement = "1"
	dir, err := os.MkdirTemp("", "kennel-scenario")
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

// stores runs a scenario once on each kind of state store.
func stores(t *testing.T, scenario func(t *testing.T, e *env)) {
	for _, kind := range []string{"file", "zk"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			scenario(t, newEnv(t, kind))
		})
	}
}

// env is one scenario's world: a local cluster, a state store, the service
// directory, and the scheduler when it runs.
type env struct {
	t       *testing.T
	dir     string
	state   string
	svc     string // service dir: svc.yml and svc.env
	cluster string // master URL
	client  *local.Client
	sched   *exec.Cmd
	api     string
	logs    *os.File
	vars    map[string]string // -e values for the scheduler
	args    []string          // extra scheduler flags
	// clusterConfig, when set, is the local cluster's config file (local
	// up --config); otherwise the cluster has its default agents.
	clusterConfig string
}

// newEnv is a scenario's world on the default local cluster, with the
// state store of storeKind (file or zk).
func newEnv(t *testing.T, storeKind string) *env { return newEnvOn(t, storeKind, "") }

// newEnvOn is newEnv on a local cluster of the given config (local up
// --config; "" for the default agents).
func newEnvOn(t *testing.T, storeKind, clusterConfig string) *env {
	dir := t.TempDir()
	logs, err := os.Create(filepath.Join(dir, "logs"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, dir: dir, logs: logs, vars: map[string]string{}, svc: filepath.Join(dir, "svc"), clusterConfig: clusterConfig}
	t.Cleanup(func() {
		logs.Close()
		if keep := os.Getenv("KENNEL_SCENARIO_LOGS"); keep != "" {
			b, _ := os.ReadFile(logs.Name())
			_ = os.WriteFile(filepath.Join(keep, strings.ReplaceAll(t.Name(), "/", "_")+".log"), b, 0o644)
		}
		if t.Failed() {
			b, _ := os.ReadFile(logs.Name())
			lines := strings.Split(string(b), "\n")
			t.Logf("last log lines:\n%s", strings.Join(lines[max(0, len(lines)-60):], "\n"))
		}
	})
	switch storeKind {
	case "file":
		e.state = "file://" + filepath.Join(dir, "state")
	case "zk":
		srv := zktest.Start(t)
		e.state = "zk://" + srv.Addr + "/kennel"
		e.args = append(e.args, "--zk-session-timeout", "2s")
	}
	if err := os.MkdirAll(e.svc, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"svc.yml", "svc.env", "world.conf.mustache"} {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(e.svc, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e.startCluster()
	return e
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
			e.t.Fatalf("kennel %s exited before it was ready", args[0])
		}
		return cmd, line
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		e.t.Fatalf("kennel %s did not start", args[0])
	}
	return nil, ""
}

func (e *env) startCluster() {
	port := freePort(e.t, "127.0.1.1")
	args := []string{"local", "up", "--data-dir", filepath.Join(e.dir, "cluster"), "--port", "0",
		"--agent-port", strconv.Itoa(port), "--time-scale", "0.05", "--destroy", "--no-marathon"}
	if e.clusterConfig != "" {
		config := filepath.Join(e.dir, "cluster.yaml")
		if err := os.WriteFile(config, []byte(e.clusterConfig), 0o644); err != nil {
			e.t.Fatal(err)
		}
		args = append(args, "--config", config)
	}
	cmd, line := e.startProcess(args...)
	e.t.Cleanup(func() { stop(cmd) })
	// local cluster: master http://127.0.0.1:PORT, N agents, data in …
	f := strings.Fields(line)
	if len(f) < 4 {
		e.t.Fatalf("cluster said %q", line)
	}
	e.cluster = strings.TrimSuffix(f[3], ",")
	e.client = local.NewClient(e.cluster)
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

// startScheduler runs the scheduler with the env's variables.
func (e *env) startScheduler(extra ...string) {
	e.t.Helper()
	args := []string{"scheduler", "--spec", filepath.Join(e.svc, "svc.yml"), "--master", e.cluster, "--state", e.state,
		"--api-host", "127.0.0.1", "--api-port", "0", "--backoff-initial", "100ms", "--backoff-max", "500ms",
		"--sweep-window", "6s", "--lock-wait", "1m", "-v", "--bootstrap-uri", "file://" + kennel}
	args = append(append(args, e.args...), extra...)
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

// stopScheduler ends the scheduler gracefully, or with SIGKILL.
func (e *env) stopScheduler(kill bool) {
	if e.sched == nil {
		return
	}
	if kill {
		_ = e.sched.Process.Kill()
		_ = e.sched.Wait()
	} else {
		stop(e.sched)
	}
	e.sched = nil
}

// plan reads a plan from the scheduler's API.
func (e *env) plan(name string) (plans.PlanInfo, int, error) {
	var info plans.PlanInfo
	resp, err := http.Get(e.api + "/v1/plans/" + name)
	if err != nil {
		return info, 0, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&info)
	return info, resp.StatusCode, err
}

// waitPlan waits until the plan's status is want.
func (e *env) waitPlan(name string, want plans.Status, d time.Duration) plans.PlanInfo {
	e.t.Helper()
	deadline := time.Now().Add(d)
	var last plans.PlanInfo
	for time.Now().Before(deadline) {
		if info, _, err := e.plan(name); err == nil {
			last = info
			if info.Status == want {
				return info
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	e.t.Fatalf("plan %s is not %s after %s:\n%s%s", name, want, d, last.Tree(name), e.planReport(last))
	return last
}

// planReport explains a plan that did not get where it should: each
// unfinished step's message, then the scheduler's latest offer outcomes
// (GET /v1/debug/offers), if it still answers.
func (e *env) planReport(info plans.PlanInfo) string {
	var b strings.Builder
	b.WriteString("\nunfinished steps:")
	for _, ph := range info.Phases {
		for _, st := range ph.Steps {
			if st.Status != string(plans.Complete) {
				fmt.Fprintf(&b, "\n  %s (%s): %s", st.Name, st.Status, st.Message)
			}
		}
	}
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(e.api + "/v1/debug/offers")
	if err != nil {
		fmt.Fprintf(&b, "\noffer outcomes: %v", err)
		return b.String()
	}
	defer resp.Body.Close()
	var out wire.OfferOutcomes
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		fmt.Fprintf(&b, "\noffer outcomes: %s: %v", resp.Status, err)
		return b.String()
	}
	b.WriteString("\nlatest offer outcomes, newest first:")
	for i, o := range out.Outcomes {
		if i == 6 {
			fmt.Fprintf(&b, "\n  and %d more", len(out.Outcomes)-i)
			break
		}
		fmt.Fprintf(&b, "\n  %s %s:", o.Time.UTC().Format(time.RFC3339), o.Step)
		if o.Accepted != "" {
			fmt.Fprintf(&b, " accepted offer %s", o.Accepted)
		}
		for _, r := range o.Refusals {
			fmt.Fprintf(&b, "\n    %s (%s): %s", r.OfferID, r.Hostname, strings.Join(r.Reasons, "; "))
		}
	}
	return b.String()
}

func (e *env) post(path string) int {
	e.t.Helper()
	resp, err := http.Post(e.api+path, "application/json", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// masterState is the cluster's /master/state.
func (e *env) masterState() master.State {
	e.t.Helper()
	s, err := e.client.State(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// running returns the live tasks of the service's framework by task name
// (the part of the TaskID between the "__").
func (e *env) running() map[string][]master.TaskState {
	out := map[string][]master.TaskState{}
	for _, f := range e.masterState().Frameworks {
		if f.Name != "scenario" {
			continue
		}
		for _, t := range f.Tasks {
			switch t.State {
			case "TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_ERROR", "TASK_DROPPED", "TASK_GONE", "TASK_GONE_BY_OPERATOR", "TASK_LOST":
				continue
			}
			parts := strings.Split(t.ID, "__")
			if len(parts) == 3 {
				out[parts[1]] = append(out[parts[1]], t)
			}
		}
	}
	return out
}

// volumeFile reads a file from the MOUNT volume of a hello instance: the
// disk whose server.log (or, before the server ran, init.log) names it.
// It fails the test if two disks name the instance.
func (e *env) volumeFile(index int, name string) (string, bool) {
	e.t.Helper()
	mounts, _ := filepath.Glob(filepath.Join(e.dir, "cluster", "agents", "*", "disks", "mount-*"))
	var found []string
	for _, m := range mounts {
		server, _ := os.ReadFile(filepath.Join(m, "greetings", "server.log"))
		initLog, _ := os.ReadFile(filepath.Join(m, "greetings", "init.log"))
		if strings.Contains(string(server), fmt.Sprintf("from hello-%d-server", index)) ||
			strings.Contains(string(initLog), fmt.Sprintf("hello-%d initialised", index)) {
			found = append(found, m)
		}
	}
	switch len(found) {
	case 0:
		return "", false
	case 1:
		data, err := os.ReadFile(filepath.Join(found[0], "greetings", name))
		return string(data), err == nil
	}
	e.t.Fatalf("hello-%d has data on %d disks: %v", index, len(found), found)
	return "", false
}

// stored reads the scheduler's task records; the scheduler must be stopped.
func (e *env) stored() map[string]mesos.TaskInfo {
	e.t.Helper()
	return e.readStored(true)
}

// storedNow reads the task records without the lock, while a scheduler
// may be writing them: a view to poll until it settles, not to assert on.
func (e *env) storedNow() map[string]mesos.TaskInfo {
	e.t.Helper()
	return e.readStored(false)
}

func (e *env) readStored(lock bool) map[string]mesos.TaskInfo {
	e.t.Helper()
	ctx := context.Background()
	s, err := state.Open(ctx, e.state, "scenario", state.Options{SessionTimeout: 2 * time.Second})
	if err != nil {
		e.t.Fatal(err)
	}
	defer s.Close()
	if lock {
		if _, err := s.Lock(ctx, state.LockOptions{Wait: 30 * time.Second}); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := s.Load(ctx); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]mesos.TaskInfo{}
	for _, name := range s.TaskNames() {
		rec, _, err := s.Task(name)
		if err != nil {
			e.t.Fatal(err)
		}
		var info mesos.TaskInfo
		if err := proto.Unmarshal(rec.Info, &info); err != nil {
			e.t.Fatal(err)
		}
		out[name] = info
	}
	return out
}

// reserved lists the resource ids reserved on the agents for the
// service's role, and the persistence ids of its volumes.
func (e *env) reserved() (ids map[string]bool, volumes map[string]bool) {
	ids, volumes = map[string]bool{}, map[string]bool{}
	for _, a := range e.masterState().Slaves {
		for _, r := range a.ReservedResourcesFull {
			for _, id := range offer.ResourceIDs(&mesos.TaskInfo{Resources: []mesos.Resource{r}}) {
				ids[id] = true
			}
			if p := r.GetDisk().GetPersistence(); p != nil {
				volumes[p.ID] = true
			}
		}
	}
	return ids, volumes
}

// waitFor polls cond.
func (e *env) waitFor(d time.Duration, what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
