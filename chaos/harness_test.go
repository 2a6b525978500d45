package chaos_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
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

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/deploy/local"
	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler/state"
	"github.com/kennel-sdk/kennel/scheduler/state/zktest"
)

// kennel is the binary under test, built once: the cluster, the schedulers
// and the executors all run it as real processes.
var kennel string

func TestMain(m *testing.M) {
	mesos.CapabilityReservationRefinement = "1"
	dir, err := os.MkdirTemp("", "kennel-chaos")
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

// The campaign's ports come from its own block, 32000-33999: the agents'
// task port ranges from its first 600 ports, single ports (master, agent
// API, scheduler APIs) from the rest, each part split in three, one third
// per service, so that the services' campaigns can run at once. The block
// overlaps the kernel's ephemeral range (32768 up), so every port is
// bind-tested before use.
const (
	blockFirst    = 32000
	rangesEnd     = 32600
	blockEnd      = 34000
	portsPerAgent = 20
	agentCount    = 3
)

// rangeBlock and singleBlock are service index's parts of the block.
func rangeBlock(index int) (from, to int) {
	w := (rangesEnd - blockFirst) / 3
	return blockFirst + index*w, blockFirst + (index+1)*w
}

func singleBlock(index int) (from, to int) {
	w := (blockEnd - rangesEnd) / 3
	return rangesEnd + index*w, rangesEnd + (index+1)*w
}

var (
	portsMu    sync.Mutex
	portsTaken = map[int]bool{}
)

// portsFree says whether every port of [from, to) can be listened on now,
// on every address.
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

// takePorts reserves n consecutive free ports in [from, to) for this
// process, aligned to n.
func takePorts(t testing.TB, n, from, to int) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 200 {
		b := from + n*rand.IntN((to-from)/n)
		if !portsTaken[b] && portsFree(b, b+n) {
			portsTaken[b] = true
			return b
		}
	}
	t.Fatalf("no %d free ports in %d-%d", n, from, to-1)
	return 0
}

// port is one free port of the service's part of the block.
func (e *env) port() int {
	from, to := singleBlock(e.s.index)
	return takePorts(e.t, 1, from, to)
}

// proc is a kennel process the campaign started. ready receives the first
// line it prints (a scheduler prints its API's URL once it holds the
// service's lock); done closes when it has exited.
type proc struct {
	cmd   *exec.Cmd
	ready chan string
	done  chan struct{}
	url   string // the first line, once read
}

// alive says whether the process still runs.
func (p *proc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill ends the process with SIGKILL and waits for it.
func (p *proc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// term ends the process with SIGTERM, then SIGKILL after 30 s.
func (p *proc) term() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.kill()
	}
}

// env is one campaign's world: a local cluster, a ZooKeeper server behind a
// proxy that can cut the schedulers off, the service directory, and the
// schedulers.
type env struct {
	t   testing.TB
	s   *service
	dir string
	svc string
	// stateDir is the file store's directory (a service on the file
	// store), on a tmpfs of stateFS bytes if one could be mounted.
	stateDir string
	tmpfs    bool
	logs     *os.File
	cluster  *exec.Cmd
	client   *local.Client
	zk       *zktest.Server
	// proxies are two ways to ZooKeeper that can be cut: the active
	// scheduler uses proxies[side], a standby the other, so that the
	// active one can be cut off while the standby takes the lock.
	proxies [2]*zktest.Proxy
	side    int
	// direct is ZooKeeper without a proxy, for the checkers.
	direct string
	vars   map[string]string
	// active is the scheduler that holds (or is taking) the lock; standby
	// a second one started while active runs.
	active, standby *proc
	api             string
}

func newEnv(t testing.TB, s *service) *env {
	dir := t.TempDir()
	logs, err := os.Create(filepath.Join(dir, "logs"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, s: s, dir: dir, logs: logs, svc: filepath.Join(dir, "svc"), vars: maps.Clone(s.vars)}
	if s.count > 0 && s.countVar != "" {
		e.vars[s.countVar] = strconv.Itoa(s.count)
	}
	t.Cleanup(func() {
		for _, p := range []*proc{e.active, e.standby} {
			if p != nil {
				p.kill()
			}
		}
		logs.Close()
		if keep := os.Getenv("KENNEL_CHAOS_LOGS"); keep != "" {
			b, _ := os.ReadFile(logs.Name())
			_ = os.WriteFile(filepath.Join(keep, strings.ReplaceAll(t.Name(), "/", "_")+"-"+s.name+"-cluster.log"), b, 0o644)
		}
		if t.Failed() {
			b, _ := os.ReadFile(logs.Name())
			lines := strings.Split(string(b), "\n")
			t.Logf("last log lines:\n%s", strings.Join(lines[max(0, len(lines)-80):], "\n"))
		}
	})
	if s.store == "zk" {
		e.zk = zktest.Start(t)
		e.proxies = [2]*zktest.Proxy{zktest.NewProxy(t, e.zk.Addr), zktest.NewProxy(t, e.zk.Addr)}
		e.direct = "zk://" + e.zk.Addr + "/kennel"
	}
	if err := os.MkdirAll(e.svc, 0o755); err != nil {
		t.Fatal(err)
	}
	if s.store == "file" {
		e.mountState()
	}
	for _, f := range s.files {
		b, err := os.ReadFile(filepath.Join(s.src, f))
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

// releasePort gives a port of takePorts back once its process has ended.
func releasePort(p int) {
	portsMu.Lock()
	defer portsMu.Unlock()
	delete(portsTaken, p)
}

// spawnScheduler starts a scheduler with extra environment on the state
// store at stateURL; its API port goes back to the block when it exits.
func (e *env) spawnScheduler(environ []string, stateURL string) *proc {
	e.t.Helper()
	apiPort := e.port()
	if e.s.store == "file" {
		environ = append(slices.Clone(environ), state.SlowDiskEnv+"="+e.slowFile())
	}
	p := e.spawn(environ, e.schedulerArgs(stateURL, apiPort)...)
	go func() {
		<-p.done
		releasePort(apiPort)
	}()
	return p
}

// spawn starts kennel with args and extra environment.
func (e *env) spawn(environ []string, args ...string) *proc {
	e.t.Helper()
	cmd := exec.Command(kennel, args...)
	cmd.Env = append(os.Environ(), environ...)
	cmd.Stderr = e.logs
	out, err := cmd.StdoutPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	p := &proc{cmd: cmd, ready: make(chan string, 1), done: make(chan struct{})}
	go func() {
		r := bufio.NewReader(out)
		if line, err := r.ReadString('\n'); err == nil {
			p.ready <- strings.TrimSpace(line)
		}
		_, _ = io.Copy(e.logs, r)
		_ = cmd.Wait()
		close(p.done)
	}()
	return p
}

func (e *env) startCluster() {
	from, to := rangeBlock(e.s.index)
	base := takePorts(e.t, portsPerAgent*agentCount, from, to)
	var b strings.Builder
	b.WriteString("agents:\n")
	for i := range agentCount {
		begin := base + i*portsPerAgent
		fmt.Fprintf(&b, "  - {name: agent-%d, cpus: 4, mem: 8192, disk: 20480, ports: %d-%d, mount-disks: [10240, 10240], region: local, zone: zone-%d}\n",
			i+1, begin, begin+portsPerAgent-1, i+1)
	}
	config := filepath.Join(e.dir, "cluster.yaml")
	if err := os.WriteFile(config, []byte(b.String()), 0o644); err != nil {
		e.t.Fatal(err)
	}
	cmd := exec.Command(kennel, "local", "up", "--config", config, "--data-dir", filepath.Join(e.dir, "cluster"),
		"--port", strconv.Itoa(e.port()), "--agent-port", strconv.Itoa(e.port()), "--time-scale", "0.05",
		"--destroy", "--no-marathon")
	cmd.Stderr = e.logs
	out, err := cmd.StdoutPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.cluster = cmd
	e.t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(out)
		line, _ := r.ReadString('\n')
		lines <- strings.TrimSpace(line)
		_, _ = io.Copy(e.logs, r)
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(90 * time.Second):
		e.t.Fatal("the local cluster did not start")
	}
	// local cluster: master http://127.0.0.1:PORT, N agents, data in …
	f := strings.Fields(line)
	if len(f) < 4 {
		e.t.Fatalf("cluster said %q", line)
	}
	e.client = local.NewClient(strings.TrimSuffix(f[3], ","))
}

// schedulerArgs are a scheduler's flags on the given state store.
func (e *env) schedulerArgs(stateURL string, apiPort int) []string {
	args := append(slices.Clone(e.s.command), "--spec", filepath.Join(e.svc, "svc.yml"), "--master", e.client.URL, "--state", stateURL,
		"--api-host", "127.0.0.1", "--api-port", strconv.Itoa(apiPort), "--backoff-initial", "100ms", "--backoff-max", "500ms",
		"--sweep-window", "6s", "--lock-wait", "10m", "--zk-session-timeout", "2s", "-v", "--bootstrap-uri", "file://"+kennel)
	for _, k := range slices.Sorted(maps.Keys(e.vars)) {
		args = append(args, "-e", k+"="+e.vars[k])
	}
	return args
}

// startScheduler starts the active scheduler (the previous one must be
// gone) with extra environment; it does not wait for it to take the lock.
func (e *env) startScheduler(environ ...string) {
	e.t.Helper()
	e.active = e.spawnScheduler(environ, e.zkURL(e.side))
	e.api = ""
}

// zkURL is the state store's URL through proxies[side] (or the file
// store's, the same for both sides).
func (e *env) zkURL(side int) string {
	if e.s.store == "file" {
		return "file://" + e.stateDir
	}
	return "zk://" + e.proxies[side].Addr + "/kennel"
}

// startStandby starts a second scheduler while the active one runs. It
// reaches ZooKeeper through the other proxy, so that it can take the lock
// while the active one is cut off.
func (e *env) startStandby() {
	e.t.Helper()
	e.standby = e.spawnScheduler(nil, e.zkURL(1-e.side))
}

// promote makes the standby the active scheduler; url is the line it
// printed on taking the lock.
func (e *env) promote(url string) {
	e.active, e.standby, e.side = e.standby, nil, 1-e.side
	e.active.url, e.api = url, url
}

// dropStandby ends a standby that is not to take over.
func (e *env) dropStandby() {
	if e.standby != nil {
		e.standby.kill()
		e.standby = nil
	}
}

// killScheduler SIGKILLs the active scheduler.
func (e *env) killScheduler() {
	if e.active != nil {
		e.active.kill()
	}
}

// apiURL is the active scheduler's API once it holds the lock, or "".
func (e *env) apiURL() string {
	if e.api != "" {
		return e.api
	}
	if e.active == nil {
		return ""
	}
	select {
	case line := <-e.active.ready:
		e.active.url, e.api = line, line
	default:
	}
	return e.api
}

// supervise restarts the active scheduler if it exited, as Marathon would.
// It reports whether it did.
func (e *env) supervise() bool {
	if e.active != nil && e.active.alive() {
		return false
	}
	e.startScheduler()
	return true
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

// plan reads a plan from the active scheduler.
func (e *env) plan(name string) (plans.PlanInfo, error) {
	var info plans.PlanInfo
	url := e.apiURL()
	if url == "" {
		return info, fmt.Errorf("no active scheduler")
	}
	resp, err := httpClient.Get(url + "/v1/plans/" + name)
	if err != nil {
		return info, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&info)
	return info, err
}

// post sends an operator's POST to the active scheduler.
func (e *env) post(path string, body string) error {
	url := e.apiURL()
	if url == "" {
		return fmt.Errorf("no active scheduler")
	}
	resp, err := httpClient.Post(url+path, "application/json", strings.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("POST %s: %s: %s", path, resp.Status, b)
	}
	return nil
}

// poll polls cond every 200 ms until it holds or d passes.
func poll(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(200 * time.Millisecond)
	}
	return true
}

// ctx is a context for one read of the cluster's state.
func ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}
