package marathon

import (
	"context"
	"errors"
	"fmt"
	"os/user"
	"strings"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpsched"
	sched "github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// errRemoved: the master removed the framework (torn down, or its failover
// timeout passed); its tasks are gone.
var errRemoved = errors.New("the master removed the framework")

// frameworkName is the Mesos framework name, as Marathon's default.
const frameworkName = "marathon"

// run subscribes to the master until ctx ends, re-subscribing with backoff
// after a stream ends.
func (m *Marathon) run(ctx context.Context) {
	for attempt := 0; ctx.Err() == nil; attempt++ {
		err := m.session(ctx)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, errRemoved) {
			m.forgetFramework(err)
		}
		m.log.Warn("Mesos subscription ended; re-subscribing", "err", err)
		wait := min(time.Second<<min(attempt, 4), 15*time.Second) / 4
		if err == nil {
			attempt = -1 // a stream that had begun: retry soon
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// forgetFramework drops the framework id and every task after the master
// removed the framework: the next subscription starts a new framework and
// relaunches the apps.
func (m *Marathon) forgetFramework(cause error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.log.Error("the framework was removed; starting a new one", "err", cause)
	m.rec.FrameworkID = ""
	for id := range m.rec.Tasks {
		delete(m.rec.Tasks, id)
	}
	_ = m.saveLocked()
}

func (m *Marathon) frameworkInfo() mesos.FrameworkInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	failover := m.cfg.Timing.FailoverTimeout.Seconds()
	checkpoint := true
	role := "*"
	hostname := hostname()
	webui := m.URL()
	info := mesos.FrameworkInfo{
		User: mesosUser(), Name: frameworkName, FailoverTimeout: &failover, Checkpoint: &checkpoint,
		Role: &role, Hostname: &hostname, WebUiURL: &webui,
		Capabilities: []mesos.FrameworkInfo_Capability{
			{Type: mesos.FrameworkInfo_Capability_PARTITION_AWARE},
			{Type: mesos.FrameworkInfo_Capability_TASK_KILLING_STATE},
		},
	}
	if m.rec.FrameworkID != "" {
		info.ID = &mesos.FrameworkID{Value: m.rec.FrameworkID}
	}
	return info
}

// mesosUser is Marathon's default --mesos_user: the user running it.
func mesosUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "root"
}

// session subscribes once and handles the stream's events, and the
// REST server's kicks, until the stream ends.
func (m *Marathon) session(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cli := httpcli.New(
		httpcli.Endpoint(strings.TrimRight(m.cfg.Master, "/")+"/api/v1/scheduler"),
		httpcli.Codec(codecs.ByMediaType[codecs.MediaTypeProtobuf]),
		httpcli.Do(httpcli.With(httpcli.Timeout(10*time.Second))),
	)
	caller := httpsched.NewCaller(cli, httpsched.AllowReconnection(true))
	info := m.frameworkInfo()
	call := calls.Subscribe(&info)
	if info.ID != nil {
		call = call.With(calls.SubscribeTo(info.ID.Value))
	}
	resp, err := caller.Call(ctx, call)
	if err != nil {
		return err
	}
	defer resp.Close()
	var first sched.Event
	if err := resp.Decode(&first); err != nil {
		return err
	}
	switch first.Type {
	case sched.Event_SUBSCRIBED:
	case sched.Event_ERROR:
		return fmt.Errorf("%w: %s", errRemoved, first.GetError().GetMessage())
	default:
		return fmt.Errorf("the first event is %s, not SUBSCRIBED", first.Type)
	}
	fid := first.GetSubscribed().GetFrameworkID().GetValue()
	c := &conn{caller: calls.CallerFunc(func(ctx context.Context, call *sched.Call) (mesos.Response, error) {
		return caller.Call(ctx, call.With(calls.Framework(fid)))
	})}
	m.log.Info("subscribed", "master", m.cfg.Master, "framework", fid)
	m.subscribed(ctx, c, fid)

	interval := time.Duration(first.GetSubscribed().GetHeartbeatIntervalSeconds() * float64(time.Second))
	if interval <= 0 {
		interval = 15 * time.Second
	}
	events := make(chan *sched.Event)
	readErr := make(chan error, 1)
	go func() {
		for {
			var ev sched.Event
			if err := resp.Decode(&ev); err != nil {
				readErr <- err
				return
			}
			select {
			case events <- &ev:
			case <-ctx.Done():
				readErr <- ctx.Err()
				return
			}
		}
	}()
	defer func() { cancel(); resp.Close(); <-readErr }()
	watchdog := time.NewTimer(3 * interval)
	defer watchdog.Stop()
	tick := time.NewTicker(m.cfg.Timing.Reconcile)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-readErr:
			readErr <- err // for the deferred wait
			return nil
		case <-watchdog.C:
			return errors.New("no heartbeat from the master for three intervals")
		case ev := <-events:
			watchdog.Reset(3 * interval)
			if ev.Type == sched.Event_ERROR {
				return fmt.Errorf("%w: %s", errRemoved, ev.GetError().GetMessage())
			}
			m.handle(ctx, c, ev)
		case <-m.kicks:
			c.send(ctx, m, m.converge())
		case <-tick.C:
			c.send(ctx, m, m.reconcileCalls(false))
			c.send(ctx, m, m.converge())
		}
	}
}

// subscribed persists the framework id, reconciles every known task and
// asks for the others (implicit reconciliation), then converges.
func (m *Marathon) subscribed(ctx context.Context, c *conn, fid string) {
	m.mu.Lock()
	if m.rec.FrameworkID != fid {
		m.rec.FrameworkID = fid
		_ = m.saveLocked()
	}
	m.wanted = true
	m.mu.Unlock()
	c.send(ctx, m, m.reconcileCalls(true))
	c.send(ctx, m, m.converge())
}

// conn sends calls on one subscription.
type conn struct {
	caller calls.Caller
}

// send sends calls in order. A failed ACCEPT ends the tasks it launched
// (the master never saw them); other failures are logged, and what they
// lost is recovered by reconciliation, new offers or the next kill round.
func (c *conn) send(ctx context.Context, m *Marathon, cs []*sched.Call) {
	for _, call := range cs {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := calls.CallNoData(cctx, c.caller, call)
		cancel()
		if err == nil {
			continue
		}
		m.log.Warn("call failed", "call", call.Type, "err", err)
		if call.Type == sched.Call_ACCEPT {
			m.acceptFailed(call)
		}
	}
}

// handle applies one event and sends the calls it leads to.
func (m *Marathon) handle(ctx context.Context, c *conn, ev *sched.Event) {
	switch ev.Type {
	case sched.Event_OFFERS:
		c.send(ctx, m, m.offers(ev.GetOffers().Offers))
	case sched.Event_UPDATE:
		c.send(ctx, m, m.update(ev.GetUpdate().Status))
		c.send(ctx, m, m.converge())
	case sched.Event_FAILURE, sched.Event_RESCIND, sched.Event_HEARTBEAT, sched.Event_MESSAGE:
	default:
		m.log.Debug("event ignored", "type", ev.Type)
	}
}
