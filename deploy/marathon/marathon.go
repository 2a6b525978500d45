// Package marathon is Kennel's local Marathon: the Marathon REST API that
// Cosmos, packages and the SDK use (/v2/apps, /v2/deployments, /v2/info),
// backed by a Mesos framework that talks to its master only through the
// v1 scheduler HTTP API, as Marathon does. It launches each app instance
// as a command-executor task, restarts instances that end with Marathon's
// backoff, runs deployments by the app's upgrade strategy, and keeps its
// apps, tasks and framework id under its data dir so that a restarted
// Marathon re-subscribes, reconciles and adopts the tasks still running.
//
// What it honours and what it refuses is in deploy/local/README.md.
package marathon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/deploy/marathon/app"
)

// Version is what GET /v2/info reports: the Marathon API level this
// Marathon follows, marked as Kennel's.
const Version = "1.9.0-kennel"

// Config configures a Marathon.
type Config struct {
	// Master is the Mesos master's base URL, e.g. http://127.0.0.1:5050.
	Master string
	// DataDir holds Marathon's state (state.json); it is created if missing.
	DataDir string
	// Listen is the REST API's address, e.g. 127.0.0.1:8080 or 127.0.0.1:0.
	Listen string
	// Listener, when set, is where the REST API is served instead of a
	// new listener on Listen; Shutdown closes it.
	Listener net.Listener
	// Front, when set, wraps the REST API's handler: the server serves
	// what it returns (the local cluster's front door serves Marathon's
	// paths beside Admin Router's and Cosmos's on one port).
	Front func(marathon http.Handler) http.Handler
	// Schema is the official AppDefinition.json; without it the typed
	// rules alone validate definitions.
	Schema []byte
	Logger *slog.Logger
	Timing Timing
}

// Timing is Marathon's intervals; zero fields take the defaults.
type Timing struct {
	// MinimumTaskExecution is how long a task must have run for its
	// failure to reset the app's backoff (Marathon's
	// --minimum_task_execution_seconds, 60 s).
	MinimumTaskExecution time.Duration
	// Reconcile is how often running tasks are reconciled and unanswered
	// kills resent (30 s).
	Reconcile time.Duration
	// FailoverTimeout is the framework's failover timeout (one week).
	FailoverTimeout time.Duration
}

func (t Timing) withDefaults() Timing {
	if t.MinimumTaskExecution == 0 {
		t.MinimumTaskExecution = 60 * time.Second
	}
	if t.Reconcile == 0 {
		t.Reconcile = 30 * time.Second
	}
	if t.FailoverTimeout == 0 {
		t.FailoverTimeout = 7 * 24 * time.Hour
	}
	return t
}

// Marathon is a running Marathon.
type Marathon struct {
	cfg       Config
	log       *slog.Logger
	validator *app.Validator
	store     store
	server    *http.Server
	addr      string
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	kicks     chan struct{}

	mu       sync.Mutex
	rec      *record
	backoffs map[string]*backoff // by app id
	lastVer  time.Time
	wanted   bool // offers were last revived (not suppressed)
	timer    *time.Timer
}

// backoff is an app's launch delay after failed instances.
type backoff struct {
	failures int
	until    time.Time
}

// Start loads Marathon's state from cfg.DataDir, serves the REST API on
// cfg.Listener or cfg.Listen and subscribes to the master (retrying until it answers).
func Start(ctx context.Context, cfg Config) (*Marathon, error) {
	if cfg.Master == "" || cfg.DataDir == "" {
		return nil, errors.New("marathon: the master URL and the data dir are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Timing = cfg.Timing.withDefaults()
	v, err := app.NewValidator(cfg.Schema)
	if err != nil {
		return nil, fmt.Errorf("marathon: %w", err)
	}
	st := store{dir: cfg.DataDir}
	rec, err := st.load()
	if err != nil {
		return nil, fmt.Errorf("marathon: %w", err)
	}
	ln := cfg.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Listen); err != nil {
			return nil, fmt.Errorf("marathon: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	m := &Marathon{cfg: cfg, log: cfg.Logger.With("component", "marathon"), validator: v, store: st,
		addr: ln.Addr().String(), cancel: cancel, kicks: make(chan struct{}, 1), rec: rec,
		backoffs: map[string]*backoff{}, wanted: true}
	if cfg.Schema == nil {
		m.log.Warn("no AppDefinition.json schema: apps are validated by Marathon's typed rules only")
	}
	handler := m.routes()
	if cfg.Front != nil {
		handler = cfg.Front(handler)
	}
	m.server = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	m.wg.Add(2)
	go func() {
		defer m.wg.Done()
		if err := m.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.log.Error("REST server", "err", err)
		}
	}()
	go func() {
		defer m.wg.Done()
		m.run(ctx)
	}()
	return m, nil
}

// URL is the REST API's base URL, e.g. http://127.0.0.1:8080.
func (m *Marathon) URL() string { return "http://" + m.addr }

// Shutdown stops the REST server and the framework's connection and waits
// for every goroutine. The framework is not torn down: its tasks keep
// running and a Marathon started on the same data dir adopts them.
func (m *Marathon) Shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.server.Shutdown(ctx); err != nil {
		_ = m.server.Close()
	}
	m.cancel()
	m.wg.Wait()
	m.mu.Lock()
	if m.timer != nil {
		m.timer.Stop()
	}
	m.mu.Unlock()
}

// kick asks the framework loop to converge now.
func (m *Marathon) kick() {
	select {
	case m.kicks <- struct{}{}:
	default:
	}
}

// newVersion is a fresh version timestamp, later than every one before.
func (m *Marathon) newVersion() string {
	now := time.Now().UTC().Truncate(time.Millisecond)
	if !now.After(m.lastVer) {
		now = m.lastVer.Add(time.Millisecond)
	}
	m.lastVer = now
	return now.Format("2006-01-02T15:04:05.000Z")
}

// saveLocked persists the record; a failure is logged and returned.
func (m *Marathon) saveLocked() error {
	err := m.store.save(m.rec)
	if err != nil {
		m.log.Error("saving state", "err", err)
	}
	return err
}

// hostname is this machine's name, for FrameworkInfo.hostname.
func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "localhost"
	}
	return h
}

// terminal says whether a Mesos task state is terminal for Marathon:
// TASK_UNREACHABLE counts, as with Marathon's default unreachable
// strategy (inactive and expunged after 0 s).
func terminal(state string) bool {
	switch state {
	case mesos.TASK_FINISHED.String(), mesos.TASK_FAILED.String(), mesos.TASK_KILLED.String(),
		mesos.TASK_LOST.String(), mesos.TASK_ERROR.String(), mesos.TASK_DROPPED.String(),
		mesos.TASK_GONE.String(), mesos.TASK_GONE_BY_OPERATOR.String(), mesos.TASK_UNKNOWN.String(),
		mesos.TASK_UNREACHABLE.String():
		return true
	}
	return false
}
