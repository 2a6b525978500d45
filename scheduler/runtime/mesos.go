package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpsched"
	sched "github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// ErrFrameworkRemoved: the master refused the framework for good (it was
// torn down or its failover timeout passed); its tasks are gone.
var ErrFrameworkRemoved = errors.New("the master removed this framework")

// event is what a session hands the core loop: an event of the current
// subscription (SUBSCRIBED carries the caller to send calls with), or
// the news that the session ended.
type event struct {
	session int // which session sent it; the loop ignores ended ones
	ev      *sched.Event
	caller  calls.Caller
	lost    error // the session ended
}

// connector opens sessions with the Mesos master: a session subscribes
// (masters tried in turn; mesos-go follows redirects to the leader),
// reads events and watches heartbeats, all in one goroutine so that events
// reach the core loop in order, SUBSCRIBED first.
type connector struct {
	masters []string
	log     *slog.Logger
	events  chan event
}

func newConnector(masters []string, log *slog.Logger) *connector {
	return &connector{masters: masters, log: log, events: make(chan event, 64)}
}

func (c *connector) newCaller(master string) calls.Caller {
	cli := httpcli.New(
		httpcli.Endpoint(strings.TrimRight(master, "/")+"/api/v1/scheduler"),
		httpcli.Codec(codecs.ByMediaType[codecs.MediaTypeProtobuf]),
		httpcli.Do(httpcli.With(httpcli.Timeout(10*time.Second))),
	)
	return httpsched.NewCaller(cli, httpsched.AllowReconnection(true))
}

// session runs one subscription until it ends; ctx ends it early.
func (c *connector) session(ctx context.Context, info mesos.FrameworkInfo, id, attempt int) {
	var lastErr error
	for i := range c.masters {
		master := c.masters[(attempt+i)%len(c.masters)]
		err := c.subscribe(ctx, master, info, id)
		if err == nil || errors.Is(err, ErrFrameworkRemoved) || ctx.Err() != nil {
			lastErr = err
			break
		}
		lastErr = fmt.Errorf("%s: %w", master, err)
	}
	if lastErr == nil {
		lastErr = errors.New("the subscription ended")
	}
	c.deliver(context.Background(), event{session: id, lost: lastErr})
}

// subscribe subscribes at one master and reads its stream. It returns nil
// when a stream that had begun ends.
func (c *connector) subscribe(ctx context.Context, master string, info mesos.FrameworkInfo, id int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	caller := c.newCaller(master)
	call := calls.Subscribe(&info)
	if id := info.GetID().GetValue(); id != "" {
		call = call.With(calls.SubscribeTo(id))
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
		return fmt.Errorf("%w: %s", ErrFrameworkRemoved, first.GetError().GetMessage())
	default:
		return fmt.Errorf("the first event is %s, not SUBSCRIBED", first.Type)
	}
	fid := first.GetSubscribed().GetFrameworkID().GetValue()
	framed := calls.CallerFunc(func(ctx context.Context, call *sched.Call) (mesos.Response, error) {
		return caller.Call(ctx, call.With(calls.Framework(fid)))
	})
	c.log.Info("subscribed", "master", master, "framework", fid)
	c.deliver(ctx, event{session: id, ev: &first, caller: framed})
	interval := time.Duration(first.GetSubscribed().GetHeartbeatIntervalSeconds() * float64(time.Second))
	if interval <= 0 {
		interval = 15 * time.Second
	}
	watchdog := time.AfterFunc(3*interval, func() {
		c.log.Warn("no heartbeat from the master for three intervals; reconnecting", "interval", interval)
		cancel()
	})
	defer watchdog.Stop()
	for {
		var ev sched.Event
		if err := resp.Decode(&ev); err != nil {
			if ctx.Err() != nil { // asked for: a shutdown, a new session, or the watchdog (which warned)
				c.log.Debug("the event stream closed", "err", err)
				return nil
			}
			c.log.Warn("the event stream ended", "err", err)
			return nil
		}
		watchdog.Reset(3 * interval)
		switch ev.Type {
		case sched.Event_ERROR:
			return fmt.Errorf("%w: %s", ErrFrameworkRemoved, ev.GetError().GetMessage())
		case sched.Event_HEARTBEAT:
			continue
		}
		c.deliver(ctx, event{session: id, ev: &ev})
	}
}

func (c *connector) deliver(ctx context.Context, e event) {
	select {
	case c.events <- e:
	case <-ctx.Done():
	}
}

// send sends calls in order with caller; sent, if not nil, is told of each
// call Mesos took. A failure is logged (a warning, unless ctx ended) and
// the rest still go (what is lost is re-derived: declined offers come
// back, reconciliation recovers launches).
func send(ctx context.Context, log *slog.Logger, caller calls.Caller, cs []*sched.Call, sent func(*sched.Call)) {
	for _, call := range cs {
		if caller == nil {
			log.Debug("not subscribed; call dropped", "call", call.Type)
			continue
		}
		log.Debug("call", "type", call.Type, "detail", describeCall(call))
		callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := calls.CallNoData(callCtx, caller, call)
		cancel()
		switch {
		case err != nil && ctx.Err() != nil: // the session or the scheduler is ending
			log.Debug("call not sent: stopping", "call", call.Type, "err", err)
		case err != nil:
			log.Warn("call failed", "call", call.Type, "err", err)
		case sent != nil:
			sent(call)
		}
	}
}

// backoff is the wait before subscription attempt n: 1s doubling to 30s,
// with jitter.
func backoff(n int) time.Duration {
	d := time.Second << min(n, 5)
	d = min(d, 30*time.Second)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// describeCall summarizes a call for the debug log.
func describeCall(call *sched.Call) string {
	switch call.Type {
	case sched.Call_ACCEPT:
		var ops []string
		for _, op := range call.GetAccept().Operations {
			ops = append(ops, op.Type.String())
		}
		return fmt.Sprintf("offers %v ops %v", call.GetAccept().OfferIDs, ops)
	case sched.Call_DECLINE:
		return fmt.Sprintf("%d offers for %gs", len(call.GetDecline().OfferIDs), call.GetDecline().GetFilters().GetRefuseSeconds())
	case sched.Call_KILL:
		return call.GetKill().TaskID.Value
	case sched.Call_RECONCILE:
		// The implicit reconciliation (no tasks) follows the explicit
		// one's last answer: the scheduler knows every task's state.
		if n := len(call.GetReconcile().Tasks); n > 0 {
			return fmt.Sprintf("%d tasks", n)
		}
		return "implicit"
	}
	return ""
}
