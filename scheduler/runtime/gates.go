package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kennel-sdk/kennel/scheduler"
)

// Gates are a service's checks around the restart of a running pod
// instance (see scheduler.GateAsk): BeforeRestart is asked before the
// instance is killed to be restarted, AfterReady once an instance
// restarted through its gate is ready again, before any other instance
// restarts. Each answers Pass, or Wait with what it waits for in words
// (shown as the step's reason). An error counts as a wait whose reason
// is the error. ctx ends at Extension.GateTimeout.
//
// view is where the service's pod instances are placed, as an EnvSource
// sees them (their agents and launch environments: a Kafka gate finds
// the brokers' listeners there). Gates run on their own goroutines, one
// ask at a time per gate and instance, never on the core's.
type Gates interface {
	BeforeRestart(ctx context.Context, view scheduler.EnvView, inst scheduler.Instance) (Verdict, error)
	AfterReady(ctx context.Context, view scheduler.EnvView, inst scheduler.Instance) (Verdict, error)
}

// Verdict is a gate's answer.
type Verdict struct {
	// Pass lets the restart go on; otherwise Reason says what the gate
	// waits for.
	Pass   bool
	Reason string
}

// Pass is the verdict that lets a restart go on.
func Pass() Verdict { return Verdict{Pass: true} }

// Wait is the verdict that holds a restart back, saying why.
func Wait(format string, args ...any) Verdict {
	return Verdict{Reason: fmt.Sprintf(format, args...)}
}

// Defaults of Extension's gate settings.
const (
	DefaultGateTimeout = 10 * time.Second
)

// gateAnswer is a verdict on its way back to the core goroutine.
type gateAnswer struct{ v scheduler.GateVerdict }

// askGates starts the gates d asks for, each on its own goroutine, unless
// the same gate of the same instance is still being asked; answers come
// back on r.gateAnswers.
func (r *runner) askGates(ctx context.Context, asks []scheduler.GateAsk) {
	g := r.opts.Extension.Gates
	for _, a := range asks {
		key := string(a.Kind) + " " + a.Instance.String()
		if g == nil {
			// No gates: every gate passes.
			go r.answerGate(ctx, scheduler.GateVerdict{Kind: a.Kind, Instance: a.Instance, Pass: true})
			continue
		}
		if r.gatesAsked[key] {
			continue
		}
		r.gatesAsked[key] = true
		go func(a scheduler.GateAsk) {
			r.answerGate(ctx, r.runGate(ctx, g, a))
		}(a)
	}
}

// runGate runs one gate within the gate timeout.
func (r *runner) runGate(ctx context.Context, g Gates, a scheduler.GateAsk) scheduler.GateVerdict {
	timeout := r.opts.Extension.GateTimeout
	if timeout <= 0 {
		timeout = DefaultGateTimeout
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	var v Verdict
	var err error
	switch a.Kind {
	case scheduler.GateAfterReady:
		v, err = g.AfterReady(cctx, a.View, a.Instance)
	default:
		v, err = g.BeforeRestart(cctx, a.View, a.Instance)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		v = Wait("the %s gate of %s gave no answer within %s", a.Kind, a.Instance, timeout)
	case err != nil:
		v = Wait("the %s gate of %s failed: %v", a.Kind, a.Instance, err)
	}
	r.log.Info("gate answered", "gate", a.Kind, "instance", a.Instance.String(), "pass", v.Pass,
		"reason", v.Reason, "took", time.Since(start).Round(time.Millisecond))
	return scheduler.GateVerdict{Kind: a.Kind, Instance: a.Instance, Pass: v.Pass, Reason: v.Reason}
}

func (r *runner) answerGate(ctx context.Context, v scheduler.GateVerdict) {
	select {
	case r.gateAnswers <- gateAnswer{v}:
	case <-ctx.Done():
	}
}

// gateAnswered hands a verdict to the core (core goroutine only).
func (r *runner) gateAnswered(a gateAnswer) scheduler.Decisions {
	delete(r.gatesAsked, string(a.v.Kind)+" "+a.v.Instance.String())
	return r.core.GateVerdict(a.v, time.Now())
}
