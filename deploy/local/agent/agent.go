// Package agent is the local cluster's Mesos agent: declared resources and
// MOUNT disks, executor processes in sandboxes, the v1 executor HTTP API
// (/api/v1/executor), a status update manager that forwards updates to the
// master until they are acknowledged, and a checkpoint from which a
// restarted agent recovers its reservations, volumes and running
// executors.
//
// Concurrency: one mutex guards the agent's state; it is never held while
// calling the master or waiting on a process. Every goroutine the agent
// starts is waited for by Stop, and the agent writes nothing to its data
// dir once Stop has begun.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/deploy/local/master"
)

// Timing is every interval the agent keeps, scaled together.
type Timing struct {
	StatusUpdateRetryMin   time.Duration // first resend of an unacknowledged update (Mesos: 10s)
	StatusUpdateRetryMax   time.Duration // longest wait between resends (10min)
	ExecutorRegistration   time.Duration // an executor must subscribe within (1min)
	ExecutorReregistration time.Duration // after an agent restart, executors re-subscribe within (2s; Mesos caps it at 15s)
	ExecutorShutdownGrace  time.Duration // from SHUTDOWN to killing the executor (5s)
	RecoveryTimeout        time.Duration // executors wait this long for a lost agent (15min)
	SubscriptionBackoffMax time.Duration // executors' longest wait between re-subscriptions (2s)
}

// DefaultTiming is Mesos's defaults.
var DefaultTiming = Timing{
	StatusUpdateRetryMin: 10 * time.Second, StatusUpdateRetryMax: 10 * time.Minute,
	ExecutorRegistration: time.Minute, ExecutorReregistration: 2 * time.Second, ExecutorShutdownGrace: 5 * time.Second,
	RecoveryTimeout: 15 * time.Minute, SubscriptionBackoffMax: 2 * time.Second,
}

// Scaled multiplies every duration by f.
func (t Timing) Scaled(f float64) Timing {
	s := func(d time.Duration) time.Duration { return time.Duration(float64(d) * f) }
	return Timing{
		StatusUpdateRetryMin: s(t.StatusUpdateRetryMin), StatusUpdateRetryMax: s(t.StatusUpdateRetryMax),
		ExecutorRegistration: s(t.ExecutorRegistration), ExecutorReregistration: s(t.ExecutorReregistration),
		ExecutorShutdownGrace: s(t.ExecutorShutdownGrace), RecoveryTimeout: s(t.RecoveryTimeout),
		SubscriptionBackoffMax: s(t.SubscriptionBackoffMax),
	}
}

// Config configures an agent.
type Config struct {
	Name     string // stable name (agent-1); the Mesos agent id is assigned by the master
	Hostname string // the agent's address, a loopback IP of its own
	Port     int    // the executor API port
	Dir      string // everything the agent keeps: sandboxes, disks, volumes, checkpoint
	// Resources are the declared resources; MOUNT disks point at
	// directories under Dir/disks.
	Resources  mesos.Resources
	Attributes []mesos.Attribute
	// Domain is the agent's fault domain (region and zone), if any.
	Domain *mesos.DomainInfo
	// ExecutorCommand runs the Kennel executor (default and command
	// executor), e.g. ["/usr/local/bin/kennel", "executor"].
	ExecutorCommand []string
	Timing          Timing
	Logger          *slog.Logger
	// Simulation, when set, makes the agent simulated: no executor
	// processes and no executor API (see Simulation).
	Simulation *Simulation
}

// Master is what the agent needs of the master. Calls fail while the agent
// is cut off from it.
type Master interface {
	Register(reg master.Registration) (string, error)
	// StatusUpdate forwards an update with the task's latest state.
	StatusUpdate(agentID, frameworkID string, status mesos.TaskStatus, latest mesos.TaskState) error
	ExecutorExited(agentID, frameworkID, executorID string, status int32) error
}

// Agent is a running agent.
type Agent struct {
	cfg    Config
	log    *slog.Logger
	master Master

	mu         sync.Mutex
	id         string
	total      mesos.Resources
	frameworks map[string]*mesos.FrameworkInfo
	executors  map[string]*executorState // by framework id + "/" + executor id
	running    bool
	server     *http.Server
	wg         sync.WaitGroup // goroutines of the current run, Stop waits for them
	done       chan struct{}
	// children are the executor processes this process started, by pid,
	// across the agent's runs: an executor outlives an agent restart, and
	// the restarted agent learns its exit status here, as Mesos's
	// containerizer checkpoints it. reaping counts their waiters.
	children map[int]*child
	reaping  sync.WaitGroup
	// shutDown is set by Shutdown and cleared by Start: a second Shutdown
	// has nothing to do and writes nothing.
	shutDown bool
	// refusals counts the shutdowns the agent started itself when the
	// master refused it (it was marked gone).
	refusals sync.WaitGroup
	// rand decides a simulated agent's task failures (guarded by mu).
	rand *rand.Rand
	// journal is what changed since the last checkpoint (guarded by mu).
	journal journal
}

// child is an executor process started by this process. code is its exit
// status, readable once done is closed.
type child struct {
	done chan struct{}
	code int32
}

// New returns an agent; Start runs it.
func New(cfg Config, m Master) *Agent {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Timing == (Timing{}) {
		cfg.Timing = DefaultTiming
	}
	return &Agent{cfg: cfg, log: cfg.Logger.With("component", "agent", "agent", cfg.Name), master: m, children: map[int]*child{},
		rand: newSimRand(cfg.Simulation), journal: newJournal()}
}

// Name is the agent's configured name.
func (a *Agent) Name() string { return a.cfg.Name }

// ID is the Mesos agent id, once registered.
func (a *Agent) ID() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.id
}

// Hostname is the agent's address.
func (a *Agent) Hostname() string { return a.cfg.Hostname }

// Endpoint is host:port of the executor API.
func (a *Agent) Endpoint() string { return net.JoinHostPort(a.cfg.Hostname, strconv.Itoa(a.cfg.Port)) }

// Start recovers the checkpoint, serves the executor API and registers
// with the master. Executors that survived a previous run re-subscribe;
// those that do not within the reregistration timeout are reported gone.
func (a *Agent) Start() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.running {
		return nil
	}
	a.shutDown = false
	a.frameworks, a.executors, a.total, a.done = map[string]*mesos.FrameworkInfo{}, map[string]*executorState{}, a.cfg.Resources.Clone(), make(chan struct{})
	if err := os.MkdirAll(a.cfg.Dir, 0o755); err != nil {
		return err
	}
	if err := a.recover(); err != nil {
		return fmt.Errorf("agent %s: recovering its checkpoint: %w", a.cfg.Name, err)
	}
	if err := a.prepareDisks(); err != nil {
		return err
	}
	a.running = true
	if !a.simulated() {
		if err := a.serve(); err != nil {
			a.running = false
			return err
		}
	}
	for _, e := range a.executors {
		a.watchRecovered(e)
	}
	a.spawnLocked(a.register)
	return nil
}

// serve serves the executor API. Call with a.mu held.
func (a *Agent) serve() error {
	ln, err := net.Listen("tcp", a.Endpoint())
	if err != nil {
		return fmt.Errorf("agent %s: %w", a.cfg.Name, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/executor", a.serveExecutor)
	a.fileRoutes(mux)
	a.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	srv := a.server
	a.spawnLocked(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("executor API server", "err", err)
		}
	})
	return nil
}

// spawnLocked runs fn in a goroutine Stop waits for, unless the agent is
// stopped. a.mu must be held: Stop clears running under it before it
// waits, so no goroutine is added once Stop waits.
func (a *Agent) spawnLocked(fn func()) bool {
	if !a.running {
		return false
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		fn()
	}()
	return true
}

// Stop stops the agent process: its API closes, its timers stop and every
// goroutine it started has ended when Stop returns; from the moment Stop
// begins the agent writes nothing more to its data dir. Executors keep
// running and reconnect when it starts again, as with a Mesos agent
// restart (Shutdown ends them too).
func (a *Agent) Stop() {
	a.mu.Lock()
	if !a.running {
		a.mu.Unlock()
		a.wg.Wait() // a concurrent Stop may still be waiting
		return
	}
	a.running = false
	close(a.done)
	srv := a.server
	for _, e := range a.executors {
		e.stopTimers()
		for _, t := range e.tasks {
			if t.retry != nil {
				t.retry.Stop()
			}
		}
		if e.sub != nil {
			e.sub.Close()
			e.sub = nil
		}
	}
	a.mu.Unlock()
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close() // streams still open after the grace: cut them
		}
	}
	a.wg.Wait()
}

// Shutdown stops the agent and kills every executor and task, as a Mesos
// agent does when the master tells it to shut down (it was marked gone).
// It returns once every executor and task process is gone and every
// executor this process started has been reaped, so nothing writes to
// the agent's data dir any more. The agent keeps its id: started again,
// it is refused again.
func (a *Agent) Shutdown() {
	a.shutdown()
	a.refusals.Wait()
}

// shutdown is Shutdown without waiting for the shutdown the agent started
// itself when the master refused it.
func (a *Agent) shutdown() {
	a.Stop()
	a.mu.Lock()
	if a.shutDown {
		a.mu.Unlock()
		a.reaping.Wait() // a concurrent Shutdown may still be waiting
		return
	}
	pids := map[int]bool{}
	for _, e := range a.executors {
		if e.pid > 0 && !e.exited {
			pids[e.pid] = true
		}
	}
	for pid, c := range a.children {
		select {
		case <-c.done:
		default:
			pids[pid] = true
		}
	}
	a.mu.Unlock()
	for pid := range pids {
		killTree(pid)
	}
	a.reaping.Wait()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.shutDown {
		return // a concurrent Shutdown recorded it; writing again could come after it returned
	}
	for _, e := range a.executors {
		e.exited = true
		a.markExecutor(e)
	}
	a.shutDown = true
	_ = a.writeCheckpoint()
}

// Destroy models the loss of the host: every executor and task dies, and
// the agent that comes back after a reboot is a new agent (a new id)
// whose executors are gone. Its reservations and persistent volumes
// survive, as the resources a Mesos agent checkpoints do.
func (a *Agent) Destroy() {
	a.Shutdown()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.id, a.executors, a.frameworks = "", map[string]*executorState{}, map[string]*mesos.FrameworkInfo{}
	a.children = map[int]*child{} // all reaped by Shutdown
	a.journal = newJournal()
	a.journal.removals = []string{filepath.Join(a.metaPath(), "frameworks")}
	a.markAgent()
	_ = a.writeCheckpoint()
}

// register (re-)registers with the master, retrying while it is
// unreachable, then resends pending status updates.
func (a *Agent) register() {
	for delay := 50 * time.Millisecond; ; delay = min(delay*2, 2*time.Second) {
		a.mu.Lock()
		if !a.running {
			a.mu.Unlock()
			return
		}
		reg := a.registration()
		a.mu.Unlock()
		id, err := a.master.Register(reg)
		if err == nil {
			a.mu.Lock()
			if !a.running {
				a.mu.Unlock()
				return
			}
			a.id = id
			a.markAgent()
			_ = a.checkpoint()
			a.resendAll()
			a.mu.Unlock()
			return
		}
		if errors.Is(err, master.ErrAgentGone) {
			a.log.Error("the master refuses this agent: it was marked gone; shutting it down")
			// Stop waits for this goroutine, so the shutdown runs apart;
			// Shutdown waits for it. Added before this goroutine ends, so
			// before any Stop's wait returns.
			a.refusals.Add(1)
			go func() {
				defer a.refusals.Done()
				a.shutdown()
			}()
			return
		}
		select {
		case <-time.After(delay):
		case <-a.doneChan():
			return
		}
	}
}

func (a *Agent) doneChan() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.done
}

// registration describes the agent and everything it runs.
func (a *Agent) registration() master.Registration {
	reg := master.Registration{AgentID: a.id, Hostname: a.cfg.Hostname, Port: int32(a.cfg.Port),
		Resources: a.total.Clone(), Attributes: a.cfg.Attributes, Domain: a.cfg.Domain, Conn: a}
	for _, fw := range a.frameworks {
		reg.Frameworks = append(reg.Frameworks, *fw)
	}
	for _, e := range a.executors {
		if e.exited {
			continue
		}
		if !e.command {
			reg.Executors = append(reg.Executors, e.info)
		}
		for _, t := range e.tasks {
			reg.Tasks = append(reg.Tasks, t.task(a.id, e))
		}
	}
	return reg
}
