// Package master is the local cluster's Mesos master: the v1 scheduler
// HTTP API (/api/v1/scheduler), frameworks and their failover, the
// allocator that makes offers, offer operations, task tracking, status
// update forwarding and reconciliation. Agents run in the same process and
// reach it through AgentConn and the methods in agents.go.
//
// Concurrency: one mutex guards all state; no lock is held while writing to
// an event stream's socket or calling an agent.
//
// The master keeps resources in the post-refinement format (the
// reservations stack): the program must set mesos-go's
// mesos.CapabilityReservationRefinement to "1" before it starts one, so
// that mesos-go's resource algebra compares them so. The kennel binary
// does in main; tests do in TestMain.
package master

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// Timing is every interval the master keeps, scaled together.
type Timing struct {
	Heartbeat          time.Duration // scheduler heartbeat interval (Mesos: 15s)
	AgentPing          time.Duration // agent ping interval and timeout (--agent_ping_timeout, 15s)
	MaxPingTimeouts    int           // missed pings before an agent is unreachable (--max_agent_ping_timeouts, 5)
	AllocationInterval time.Duration // batch allocation (1s)
	RecoveryWindow     time.Duration // 503s after a master restart, at most (Mesos waits up to 10 min for agents)
	DefaultRefuse      time.Duration // refuse_seconds when a call gives none (5s)
}

// DefaultTiming is Mesos's defaults.
var DefaultTiming = Timing{
	Heartbeat: 15 * time.Second, AgentPing: 15 * time.Second, MaxPingTimeouts: 5,
	AllocationInterval: time.Second, RecoveryWindow: 10 * time.Second, DefaultRefuse: 5 * time.Second,
}

// Scaled multiplies every duration by f (f < 1 speeds the cluster up).
func (t Timing) Scaled(f float64) Timing {
	s := func(d time.Duration) time.Duration { return time.Duration(float64(d) * f) }
	return Timing{
		Heartbeat: s(t.Heartbeat), AgentPing: s(t.AgentPing), MaxPingTimeouts: t.MaxPingTimeouts,
		AllocationInterval: s(t.AllocationInterval), RecoveryWindow: s(t.RecoveryWindow), DefaultRefuse: s(t.DefaultRefuse),
	}
}

// Config configures a master.
type Config struct {
	// ID prefixes framework, agent and offer ids; a cluster keeps it across
	// restarts so ids stay unique.
	ID       string
	Hostname string
	Port     int
	Timing   Timing
	Logger   *slog.Logger
}

// Master is the master's state.
type Master struct {
	cfg Config
	log *slog.Logger

	mu         sync.Mutex
	frameworks map[string]*framework
	agents     map[string]*agent
	offers     map[string]*offer
	removedIDs []string // frameworks removed after teardown or failover timeout
	seq        int
	recovering time.Time // 503 until then
	stopped    bool

	wake chan struct{} // asks the allocator to run now
	stop chan struct{}
	wg   sync.WaitGroup
}

// New returns a master; Start runs its loops.
func New(cfg Config) *Master {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Timing == (Timing{}) {
		cfg.Timing = DefaultTiming
	}
	return &Master{
		cfg: cfg, log: cfg.Logger.With("component", "master"),
		frameworks: map[string]*framework{}, agents: map[string]*agent{}, offers: map[string]*offer{},
		wake: make(chan struct{}, 1), stop: make(chan struct{}),
	}
}

// Start runs the allocator, heartbeat and agent ping loops until ctx ends
// or Stop is called.
func (m *Master) Start(ctx context.Context) {
	m.loop(ctx, m.cfg.Timing.AllocationInterval, m.allocate, m.wake)
	m.loop(ctx, m.cfg.Timing.Heartbeat, m.heartbeat, nil)
	m.loop(ctx, m.cfg.Timing.AgentPing, m.pingAgents, nil)
}

func (m *Master) loop(ctx context.Context, every time.Duration, f func(), wake <-chan struct{}) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-m.stop:
				return
			case <-t.C:
			case <-wake:
			}
			f()
		}
	}()
}

// Stop ends the loops and closes every event stream.
func (m *Master) Stop() {
	m.mu.Lock()
	if m.stopped {
		m.mu.Unlock()
		return
	}
	m.stopped = true
	close(m.stop)
	for _, f := range m.frameworks {
		if f.failoverTimer != nil {
			f.failoverTimer.Stop()
		}
		f.closeStream()
	}
	m.mu.Unlock()
	m.wg.Wait()
}

// allocateSoon asks the allocator to run without waiting for its tick.
func (m *Master) allocateSoon() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Handler serves /api/v1/scheduler and GET /master/state.
func (m *Master) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/scheduler", m.serveScheduler)
	mux.HandleFunc("/master/state", m.serveState)
	mux.HandleFunc("/master/state.json", m.serveState)
	return mux
}

// nextID returns a new id with a kind letter: F (framework), S (agent),
// O (offer).
func (m *Master) nextID(kind string) string {
	m.seq++
	if kind == "F" {
		return fmt.Sprintf("%s-%04d", m.cfg.ID, m.seq)
	}
	return fmt.Sprintf("%s-%s%d", m.cfg.ID, kind, m.seq)
}

// Restart simulates a master failover. Like a Mesos master, the new
// leader keeps only its registry (the agents) and forgets frameworks, tasks
// and offers: every stream closes, agents are asked to re-register and
// report what they run, and calls are answered 503 until they have or the
// recovery window has passed. Frameworks re-subscribe with their ids.
func (m *Master) Restart() {
	m.mu.Lock()
	for _, f := range m.frameworks {
		if f.failoverTimer != nil {
			f.failoverTimer.Stop()
		}
		f.closeStream()
	}
	m.frameworks, m.offers = map[string]*framework{}, map[string]*offer{}
	m.recovering = time.Now().Add(m.cfg.Timing.RecoveryWindow)
	var conns []AgentConn
	for _, a := range m.agents {
		a.reregistered, a.used, a.offered = false, nil, nil
		a.forgetFree()
		if a.state == agentRegistered {
			conns = append(conns, a.conn)
		}
	}
	m.mu.Unlock()
	m.log.Info("master restarted; waiting for agents to re-register")
	for _, c := range conns {
		_ = c.Reregister()
	}
}

// recoveringLocked reports whether calls get 503.
func (m *Master) recoveringLocked() bool {
	if m.recovering.IsZero() {
		return false
	}
	done := time.Now().After(m.recovering)
	if !done {
		done = true
		for _, a := range m.agents {
			if a.state == agentRegistered && !a.reregistered {
				done = false
			}
		}
	}
	if done {
		m.recovering = time.Time{}
	}
	return !done
}

func (m *Master) masterInfo() *mesos.MasterInfo {
	port, version := uint32(m.cfg.Port), "1.11.0"
	return &mesos.MasterInfo{ID: m.cfg.ID, IP: 0x0100007f, Port: &port, Hostname: &m.cfg.Hostname, Version: &version}
}
