package executor

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	mexec "github.com/mesos/mesos-go/api/v1/lib/executor"
)

// initialBackoff is the first delay before re-subscribing (capped by
// Config.SubscriptionBackoffMax); each further attempt doubles it.
const initialBackoff = 100 * time.Millisecond

// executor is the state of one Run. Fields below mu are guarded by it.
type executor struct {
	cfg     Config
	log     *slog.Logger
	client  *agentClient
	environ []string // the executor's own environment, read once

	sendWake chan struct{} // pokes sendLoop: new update or new subscription
	changed  chan struct{} // pokes the main loop: a task or an ack changed
	tasksWG  sync.WaitGroup

	mu             sync.Mutex
	connGen        uint64 // generation of the live subscription, 0 if none
	lastGen        uint64 // generation of the latest SUBSCRIBE attempt
	agentID        *mesos.AgentID
	killingCapable bool // the framework has TASK_KILLING_STATE
	tasks          map[string]*task
	order          []*task // launch order
	updates        updateLog
	shuttingDown   bool
	closing        bool // Run is returning: no process may start any more
}

// connSignal is what a subscription reports to the main loop, in order:
// connected, then events, then exactly one err when it ends.
type connSignal struct {
	connected bool
	event     *mexec.Event
	err       error
}

// Run subscribes to the agent and runs the tasks it launches until the
// executor is done. It returns nil when every task is terminal and every
// update acknowledged, when acknowledgements did not arrive within
// ShutdownGracePeriod after the last task ended and the agent took the last
// update, or when a SHUTDOWN has been
// carried out (all tasks killed, at most ShutdownGracePeriod after it). It
// returns an error when the configuration is invalid, when the agent is lost
// (immediately without Checkpoint, after RecoveryTimeout with it) and when
// ctx is cancelled; in those cases the tasks are killed first (SIGTERM, then
// SIGKILL within ShutdownGracePeriod). Whatever it returns, Run has killed
// and reaped every process it started.
func Run(ctx context.Context, cfg Config) error {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	e := &executor{
		cfg:      cfg,
		log:      cfg.Logger.With("framework_id", cfg.FrameworkID, "executor_id", cfg.ExecutorID),
		client:   newAgentClient(cfg),
		environ:  os.Environ(),
		sendWake: make(chan struct{}, 1),
		changed:  make(chan struct{}, 1),
		tasks:    make(map[string]*task),
	}
	return e.run(ctx)
}

func (e *executor) run(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	var bg sync.WaitGroup
	defer func() {
		cancel()
		e.killAllNow()
		e.tasksWG.Wait()
		bg.Wait()
	}()
	bg.Go(func() { e.sendLoop(ctx) })

	signals := make(chan connSignal)
	connect := func() {
		e.mu.Lock()
		e.lastGen++
		gen := e.lastGen
		e.mu.Unlock()
		bg.Go(func() { e.subscribeOnce(ctx, gen, signals) })
	}
	var (
		backoff      time.Duration
		disconnected bool
		retry        <-chan time.Time // next SUBSCRIBE attempt
		recovery     <-chan time.Time // RecoveryTimeout since the disconnection
		shutdown     <-chan time.Time // ShutdownGracePeriod since SHUTDOWN
		idle         <-chan time.Time // ShutdownGracePeriod since all tasks ended and the agent took every update
		handover     <-chan time.Time // RecoveryTimeout since all tasks ended with updates the agent has not taken
	)
	e.log.Info("executor starting", "agent", e.cfg.AgentEndpoint, "sandbox", e.cfg.Sandbox, "checkpoint", e.cfg.Checkpoint)
	connect()
	for {
		select {
		case s := <-signals:
			switch {
			case s.connected:
				if disconnected {
					e.log.Info("re-subscribed to the agent")
				}
				disconnected, recovery, backoff = false, nil, 0
			case s.event != nil:
				if e.handleEvent(ctx, s.event) {
					shutdown = time.After(e.cfg.ShutdownGracePeriod)
				}
			default:
				e.log.Warn("subscription to the agent ended", "error", s.err)
				if !e.cfg.Checkpoint {
					if e.isShuttingDown() {
						break // keep killing; the shutdown timer ends Run
					}
					return e.terminate(fmt.Errorf("executor: lost the agent and checkpointing is off: %w", s.err))
				}
				if !disconnected {
					disconnected = true
					recovery = time.After(e.cfg.RecoveryTimeout)
					backoff = min(initialBackoff, e.cfg.SubscriptionBackoffMax)
				}
				retry = time.After(backoff)
				backoff = min(2*backoff, e.cfg.SubscriptionBackoffMax)
			}
		case <-retry:
			retry = nil
			connect()
		case <-recovery:
			return e.terminate(fmt.Errorf("executor: the agent did not come back within the recovery timeout (%s)", e.cfg.RecoveryTimeout))
		case <-shutdown:
			e.log.Warn("shutdown grace period elapsed; exiting")
			return nil
		case <-handover:
			e.log.Warn("all tasks ended but the agent did not take every update within the recovery timeout; exiting")
			return nil
		case <-idle:
			e.log.Warn("all tasks ended but not every update was acknowledged within the shutdown grace period; exiting")
			return nil
		case <-e.changed:
		case <-ctx.Done():
			return e.terminate(fmt.Errorf("executor: %w", context.Cause(ctx)))
		}
		finished, allTerminal := e.progress()
		if finished {
			e.log.Info("every task ended and every update was acknowledged; exiting")
			return nil
		}
		// The grace period bounds the wait for acknowledgements (they
		// depend on the framework), not for the agent to take the
		// updates: leaving earlier loses them, and the agent fails the
		// tasks as REASON_EXECUTOR_TERMINATED whatever their outcome.
		// An agent that does not take them (gone, or refusing them) is
		// given the recovery timeout.
		accepted := e.allAccepted()
		switch {
		case !allTerminal || !accepted:
			idle = nil
		case idle == nil:
			idle = time.After(e.cfg.ShutdownGracePeriod)
		}
		switch {
		case !allTerminal || accepted:
			handover = nil
		case handover == nil:
			handover = time.After(e.cfg.RecoveryTimeout)
		}
	}
}

// subscribeOnce subscribes as generation gen and relays the subscription's
// life to out until it ends or ctx is cancelled. An ERROR event ends it.
func (e *executor) subscribeOnce(ctx context.Context, gen uint64, out chan<- connSignal) {
	emit := func(s connSignal) bool {
		select {
		case out <- s:
			return true
		case <-ctx.Done():
			return false
		}
	}
	e.mu.Lock()
	sub, included := e.subscribeCallLocked()
	e.mu.Unlock()
	stream, err := e.client.subscribe(ctx, sub)
	if err != nil {
		emit(connSignal{err: err})
		return
	}
	defer stream.close()
	e.mu.Lock()
	for _, u := range included {
		u.sentGen, u.accepted = gen, true
	}
	e.connGen = gen
	e.mu.Unlock()
	poke(e.sendWake)
	if !emit(connSignal{connected: true}) {
		return
	}
	for {
		ev, err := stream.next()
		if err == nil && ev.Type == mexec.Event_ERROR {
			err = fmt.Errorf("agent sent ERROR: %s", ev.GetError().GetMessage())
		}
		if err != nil {
			e.mu.Lock()
			if e.connGen == gen {
				e.connGen = 0
			}
			e.mu.Unlock()
			emit(connSignal{err: err})
			return
		}
		if !emit(connSignal{event: ev}) {
			return
		}
	}
}

// progress reports whether the executor is done (every task terminal and
// every update acknowledged) and whether every task is terminal. Before the
// first task arrives neither holds, unless a SHUTDOWN came.
func (e *executor) progress() (finished, allTerminal bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.order) == 0 && !e.shuttingDown {
		return false, false
	}
	for _, t := range e.order {
		if !t.terminal {
			return false, false
		}
	}
	return len(e.updates.list) == 0, true
}

// allAccepted reports whether the agent has taken every pending update.
func (e *executor) allAccepted() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.updates.allAccepted()
}

func (e *executor) isShuttingDown() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.shuttingDown
}

// terminate kills every task, waits up to ShutdownGracePeriod for them to
// end and returns cause.
func (e *executor) terminate(cause error) error {
	e.log.Error("killing all tasks", "cause", cause)
	deadline := time.NewTimer(e.cfg.ShutdownGracePeriod)
	defer deadline.Stop()
	e.mu.Lock()
	e.killAllLocked()
	e.mu.Unlock()
	for {
		if _, allTerminal := e.progress(); allTerminal || e.noTasks() {
			return cause
		}
		select {
		case <-e.changed:
		case <-deadline.C:
			return cause
		}
	}
}

func (e *executor) noTasks() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.order) == 0
}
