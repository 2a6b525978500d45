package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	sched "github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"

	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/record"
)

// loop is the one goroutine that owns the core: Mesos events, API
// requests and clock ticks are handled in turn, each one's decisions
// applied before the next is read.
func (r *runner) loop(ctx context.Context) error {
	r.conn = newConnector(r.opts.Masters, r.log)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		caller    calls.Caller
		session   int
		attempts  int
		retry                        = time.NewTimer(0)
		sessionCx context.CancelFunc = func() {}
	)
	defer func() { sessionCx() }()
	if r.core.Uninstalling() && r.core.FrameworkID() == "" && r.core.Empty() {
		r.done = true // an earlier run finished the uninstall
		r.log.Info("the service is uninstalled; serving its COMPLETE deploy plan")
	}
	tick := time.NewTicker(r.opts.Tick)
	defer tick.Stop()
	var held *event // an event read while gathering updates, handled next
	for {
		var d scheduler.Decisions
		var e event
		got := false
		if held != nil {
			e, got, held = *held, true, nil
		} else if r.more && caller != nil {
			// The write cap left launches for the offers the core keeps:
			// they go before the next event.
			r.more = false
			d = r.core.Continue(time.Now())
		} else {
			select {
			case <-ctx.Done():
				return nil
			case <-r.lease.Lost():
				return ErrLeaseLost
			case <-retry.C:
				if r.done {
					continue
				}
				session++
				r.startSession(ctx, session, attempts)
				continue
			case e = <-r.conn.events:
				got = true
			case req := <-r.requests:
				d = req.do(r.core)
				err := r.apply(ctx, d, caller)
				if err == nil && req.write {
					r.publish()
				}
				close(req.reply)
				if err != nil {
					return err
				}
				continue
			case a := <-r.gateAnswers:
				d = r.gateAnswered(a)
			case a := <-r.actionAnswers:
				d = r.actionAnswered(a)
			case now := <-tick.C:
				if r.done {
					continue
				}
				d = r.core.Tick(now)
			}
		}
		if got {
			if e.session != session {
				continue
			}
			if r.done {
				// Torn down: the subscription's end and any event still
				// in flight are expected, and nothing retries. The API
				// keeps serving the COMPLETE deploy plan until stopped,
				// as DC/OS Commons does for Cosmos to delete the app.
				if e.lost != nil && caller != nil {
					caller = nil
					r.endSession()
					r.log.Info("disconnected from Mesos after the uninstall; serving the COMPLETE deploy plan until stopped")
				}
				continue
			}
			if e.lost != nil {
				caller = nil
				if errors.Is(e.lost, ErrFrameworkRemoved) {
					return e.lost
				}
				if ctx.Err() != nil { // the subscription ended because the scheduler stops
					return nil
				}
				attempts++
				wait := backoff(attempts)
				r.log.Warn("not subscribed to Mesos; retrying", "err", e.lost, "in", wait.Round(time.Millisecond))
				retry.Reset(wait)
				continue
			}
			if e.caller != nil {
				caller, attempts = e.caller, 0
			}
			if e.ev.GetType() == sched.Event_UPDATE {
				var sts []mesos.TaskStatus
				sts, held = r.gatherUpdates(e, session)
				if err := r.handleUpdates(ctx, sts, caller); err != nil {
					return err
				}
				continue
			}
			d = r.handle(e.ev)
		}
		if err := r.apply(ctx, d, caller); err != nil {
			return err
		}
		r.publish()
	}
}

// maxGathered bounds the status updates handled as one event.
const maxGathered = 256

// gatherUpdates returns first's status and those of the UPDATE events of
// the same session already waiting behind it, at most maxGathered, in
// their order, without waiting for more. The first other event it reads
// is returned to be handled next.
func (r *runner) gatherUpdates(first event, session int) ([]mesos.TaskStatus, *event) {
	sts := []mesos.TaskStatus{first.ev.GetUpdate().Status}
	for len(sts) < maxGathered {
		select {
		case e := <-r.conn.events:
			if e.session != session || e.lost != nil || e.caller != nil || e.ev.GetType() != sched.Event_UPDATE {
				return sts, &e
			}
			sts = append(sts, e.ev.GetUpdate().Status)
		default:
			return sts, nil
		}
	}
	return sts, nil
}

// handleUpdates feeds status updates to the core together: each decision
// (as many updates as one write holds) is written, then its calls, the
// acknowledgements among them, are sent.
func (r *runner) handleUpdates(ctx context.Context, sts []mesos.TaskStatus, caller calls.Caller) error {
	for _, st := range sts {
		r.metrics.update(st.GetState())
	}
	for len(sts) > 0 {
		var d scheduler.Decisions
		d, sts = r.core.Updates(sts, time.Now())
		if err := r.apply(ctx, d, caller); err != nil {
			return err
		}
		r.publish()
	}
	return nil
}

// startSession starts a subscription session; the previous one ends.
func (r *runner) startSession(ctx context.Context, id, attempt int) {
	r.endSession()
	sctx, cancel := context.WithCancel(ctx)
	r.cancelSession = cancel
	go r.conn.session(sctx, r.core.FrameworkInfo(r.opts.FailoverTimeout), id, attempt)
}

func (r *runner) endSession() {
	if r.cancelSession != nil {
		r.cancelSession()
		r.cancelSession = nil
	}
}

// handle feeds one Mesos event to the core; UPDATE events go through
// handleUpdates.
func (r *runner) handle(ev *sched.Event) scheduler.Decisions {
	now := time.Now()
	switch ev.Type {
	case sched.Event_SUBSCRIBED:
		return r.core.Subscribed(ev.GetSubscribed().GetFrameworkID().GetValue(), now)
	case sched.Event_OFFERS:
		offers := ev.GetOffers().Offers
		d := r.core.Offers(offers, now)
		r.metrics.offers(len(offers), time.Since(now))
		return d
	case sched.Event_RESCIND:
		r.core.Rescinded(ev.GetRescind().OfferID.Value)
	case sched.Event_FAILURE:
		r.core.Failure(ev.GetFailure())
	}
	return scheduler.Decisions{}
}

// apply writes the decisions' batch, then sends their calls. A failed
// write stops the scheduler: what the store holds is the truth, and a
// restart reloads it.
func (r *runner) apply(ctx context.Context, d scheduler.Decisions, caller calls.Caller) error {
	if d.Batch != nil && d.Batch.Len() > 0 {
		start := time.Now()
		if err := r.store.Apply(ctx, d.Batch); err != nil {
			return fmt.Errorf("scheduler: writing state: %w", err)
		}
		r.metrics.stateWrite(time.Since(start))
		if r.log.Enabled(ctx, slog.LevelDebug) {
			r.log.Debug("state written", "entries", d.Batch.Len(), "bytes", batchBytes(d.Batch))
		}
		if len(d.Calls) > 0 {
			crashPoint()
		}
	}
	send(ctx, r.log, caller, d.Calls, r.metrics.call)
	r.more = r.more || d.More
	if len(d.GateAsks) > 0 {
		r.askGates(ctx, d.GateAsks)
	}
	if len(d.ActionAsks) > 0 {
		r.runActions(ctx, d.ActionAsks)
	}
	if d.Done && !r.done {
		r.done = true
		send(ctx, r.log, caller, []*sched.Call{{Type: sched.Call_TEARDOWN}}, nil)
		if err := r.wipe(ctx); err != nil {
			return err
		}
		r.log.Info("uninstall complete: the framework is torn down and its state erased")
	}
	return nil
}

// wipe erases the service's state after an uninstall.
func (r *runner) wipe(ctx context.Context) error {
	var b record.Batch
	for _, id := range r.store.ConfigIDs() {
		b.DeleteConfig(id)
	}
	for _, k := range r.store.PropertyKeys() {
		b.DeleteProperty(k)
	}
	for k := range r.store.Intent() {
		b.DeleteIntent(k)
	}
	for _, name := range r.store.TaskNames() {
		b.DeleteTask(name)
	}
	if r.store.FrameworkID() != "" {
		b.ClearFrameworkID()
	}
	if r.store.Target() != "" {
		b.ClearTarget()
	}
	return r.store.Apply(ctx, &b)
}

// run executes fn on the core goroutine and waits for it. Once the loop
// has taken the request, run waits for it to finish even if ctx ends, so
// that what fn wrote is never read while it is being written. write says
// fn may change what the core shows: the snapshot is published after it.
func (r *runner) run(ctx context.Context, write bool, fn func(*scheduler.Core) scheduler.Decisions) error {
	req := request{do: fn, write: write, reply: make(chan struct{})}
	select {
	case r.requests <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	<-req.reply
	return nil
}

// batchBytes is the size of the values a batch writes.
func batchBytes(b *record.Batch) int {
	n := 0
	for _, o := range b.Ops() {
		n += len(o.Value)
	}
	return n
}
