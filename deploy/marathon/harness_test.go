package marathon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/deploy/local"
	"github.com/kennel-sdk/kennel/deploy/marathon"
	"github.com/kennel-sdk/kennel/executor"
)

// The test binary doubles as the executor (KENNEL_TEST_EXECUTOR=1, as the
// agents run it) and as the app Marathon launches (KMTEST_APP=1, set in
// the app's env).
func TestMain(m *testing.M) {
	executor.ExecLimitHelper()
	mesos.CapabilityReservationRefinement = "1"
	switch {
	case os.Getenv("KENNEL_TEST_EXECUTOR") == "1":
		cfg, err := executor.ConfigFromEnv(os.Getenv)
		if err == nil {
			err = executor.Run(context.Background(), cfg)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "executor:", err)
			os.Exit(1)
		}
		os.Exit(0)
	case os.Getenv("KMTEST_APP") == "1":
		runTestApp()
	}
	os.Exit(m.Run())
}

// runTestApp is the app under test: it records its environment and what
// it fetched in $KMTEST_DIR/<task id>.env, appends "start <task id>" to
// $KMTEST_DIR/events (and "overlap <task id>" first if another instance
// holds $KMTEST_LOCK), serves /health on $PORT0 (500 while
// $KMTEST_DIR/unhealthy exists) and on SIGTERM appends "term <task id>"
// and exits 0.
func runTestApp() {
	dir, id := os.Getenv("KMTEST_DIR"), os.Getenv("MESOS_TASK_ID")
	event := func(what string) {
		f, err := os.OpenFile(filepath.Join(dir, "events"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			os.Exit(3)
		}
		fmt.Fprintf(f, "%s %s\n", what, id)
		f.Close()
	}
	if lock := os.Getenv("KMTEST_LOCK"); lock != "" {
		f, err := os.OpenFile(lock, os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil || syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			event("overlap")
		}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	fetched, _ := os.ReadFile(filepath.Join(os.Getenv("MESOS_SANDBOX"), "sub", "fetched.txt"))
	env["KMTEST_FETCHED"] = string(fetched)
	b, _ := json.Marshal(env)
	tmp := filepath.Join(dir, id+".env.tmp")
	if os.WriteFile(tmp, b, 0o644) != nil || os.Rename(tmp, filepath.Join(dir, id+".env")) != nil {
		os.Exit(3)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("", os.Getenv("PORT0")))
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(4)
	}
	event("start")
	go func() {
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if _, err := os.Stat(filepath.Join(dir, "unhealthy")); err == nil {
				w.WriteHeader(http.StatusInternalServerError)
			}
		}))
	}()
	<-sig
	event("term")
	os.Exit(0)
}

// env is one test's cluster, Marathon and app directory.
type env struct {
	t        *testing.T
	cluster  *local.Cluster
	marathon *marathon.Marathon
	dataDir  string // Marathon's
	appDir   string // KMTEST_DIR
	logger   *slog.Logger
}

const timeScale = 0.05

func newEnv(t *testing.T, agents int) *env {
	t.Helper()
	dir := t.TempDir()
	cfg := local.DefaultConfig(filepath.Join(dir, "cluster"), agents)
	zero := 0
	cfg.Port, cfg.AgentPort, cfg.TimeScale = &zero, &zero, timeScale
	cfg.ExecutorCommand = []string{"/usr/bin/env", "KENNEL_TEST_EXECUTOR=1", os.Args[0]}
	// Tasks listen on their ports on every address: ten ports per agent
	// at a random place below the ephemeral range, so that clusters of
	// tests running at the same time (other packages) do not collide.
	base := 10000 + rand.IntN(500)*40
	for i := range cfg.Agents {
		cfg.Agents[i].Ports = fmt.Sprintf("%d-%d", base+10*i, base+10*i+9)
	}
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := local.Start(context.Background(), cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dumpSandboxes(t, dir) })
	t.Cleanup(c.Shutdown)
	e := &env{t: t, cluster: c, dataDir: filepath.Join(dir, "marathon"), appDir: filepath.Join(dir, "app"), logger: logger}
	if err := os.MkdirAll(e.appDir, 0o755); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "agents registered", func() bool {
		for _, a := range c.Agents() {
			if a.ID == "" {
				return false
			}
		}
		return true
	})
	e.startMarathon()
	return e
}

// startMarathon starts a Marathon on the env's data dir; it is shut down
// at the test's end unless stopMarathon did it first.
func (e *env) startMarathon() {
	e.t.Helper()
	m, err := marathon.Start(context.Background(), marathon.Config{
		Master: e.cluster.URL(), DataDir: e.dataDir, Listen: "127.0.0.1:0", Schema: schema(e.t), Logger: e.logger,
		Timing: marathon.Timing{Reconcile: 2 * time.Second},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.marathon = m
	e.t.Cleanup(m.Shutdown)
}

// schema is the official AppDefinition.json, or nil where it is absent
// (outside CI).
func schema(t *testing.T) []byte {
	t.Helper()
	dir := os.Getenv("KENNEL_SCHEMAS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "schemas")
	}
	b, err := os.ReadFile(filepath.Join(dir, "AppDefinition.json"))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the official schemas are missing: %v", err)
		}
		t.Logf("AppDefinition.json not found (%v): typed rules only", err)
		return nil
	}
	return b
}

// call sends a request to Marathon and decodes the JSON answer into out
// (when not nil); it returns the status code and the headers.
func (e *env) call(method, path string, body any, out any) (int, http.Header) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.marathon.URL()+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode, resp.Header
}

// appView is the part of GET /v2/apps/{id} the tests read.
type appView struct {
	App struct {
		ID           string            `json:"id"`
		Version      string            `json:"version"`
		TasksRunning int               `json:"tasksRunning"`
		TasksHealthy int               `json:"tasksHealthy"`
		Env          map[string]string `json:"env"`
		Deployments  []struct {
			ID string `json:"id"`
		} `json:"deployments"`
		Tasks []struct {
			ID      string `json:"id"`
			State   string `json:"state"`
			Version string `json:"version"`
			Ports   []int  `json:"ports"`
			Host    string `json:"host"`
		} `json:"tasks"`
	} `json:"app"`
}

func (e *env) app(id string) appView {
	e.t.Helper()
	var v appView
	if code, _ := e.call("GET", "/v2/apps"+id, nil, &v); code != http.StatusOK {
		e.t.Fatalf("GET /v2/apps%s: %d", id, code)
	}
	return v
}

// running waits until the app has exactly n tasks, all TASK_RUNNING (and
// healthy when healthChecked), and no deployment; it returns their ids.
func (e *env) running(id string, n int, healthChecked bool) []string {
	e.t.Helper()
	var ids []string
	waitFor(e.t, fmt.Sprintf("%s: %d tasks running", id, n), func() bool {
		v := e.app(id)
		ids = ids[:0]
		for _, t := range v.App.Tasks {
			if t.State != "TASK_RUNNING" {
				return false
			}
			ids = append(ids, t.ID)
		}
		return len(ids) == n && len(v.App.Deployments) == 0 && (!healthChecked || v.App.TasksHealthy == n)
	})
	return ids
}

// events is the test app's event log, one "what task" per line.
func (e *env) events() []string {
	b, err := os.ReadFile(filepath.Join(e.appDir, "events"))
	if err != nil {
		return nil
	}
	return strings.Fields(strings.ReplaceAll(string(b), " ", "_"))
}

// started waits until the test app of each task has started (and
// handles SIGTERM): TASK_RUNNING comes as its process starts, before.
func (e *env) started(ids ...string) {
	e.t.Helper()
	waitFor(e.t, fmt.Sprintf("tasks %v started", ids), func() bool {
		evs := e.events()
		for _, id := range ids {
			if !slices.Contains(evs, "start_"+id) {
				return false
			}
		}
		return true
	})
}

// taskEnv is the environment a task of the test app saw.
func (e *env) taskEnv(taskID string) map[string]string {
	e.t.Helper()
	var env map[string]string
	waitFor(e.t, "the env file of "+taskID, func() bool {
		b, err := os.ReadFile(filepath.Join(e.appDir, taskID+".env"))
		return err == nil && json.Unmarshal(b, &env) == nil
	})
	return env
}

// testApp is a definition running the test app.
func (e *env) testApp(id string) map[string]any {
	return map[string]any{
		"id": id, "args": []string{os.Args[0]}, "cpus": 0.1, "mem": 32,
		"env":             map[string]any{"KMTEST_APP": "1", "KMTEST_DIR": e.appDir},
		"portDefinitions": []map[string]any{{"port": 0, "name": "api"}},
		"backoffSeconds":  1, "taskKillGracePeriodSeconds": 5,
	}
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	if testing.Verbose() {
		w.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

// dumpSandboxes logs the tasks' and executors' stderr when the test failed.
func dumpSandboxes(t testing.TB, dir string) {
	if !t.Failed() {
		return
	}
	_ = filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || info.Name() != "stderr" {
			return nil
		}
		b, _ := os.ReadFile(path)
		if len(b) > 4<<10 {
			b = b[len(b)-4<<10:]
		}
		t.Logf("%s:\n%s", path, b)
		return nil
	})
}
