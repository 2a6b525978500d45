package runtime

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/scheduler"
)

// fakeGates answers from a function; calls counts the asks.
type fakeGates struct {
	answer func(ctx context.Context, kind scheduler.GateKind) (Verdict, error)
	calls  atomic.Int32
}

func (g *fakeGates) BeforeRestart(ctx context.Context, _ scheduler.EnvView, _ scheduler.Instance) (Verdict, error) {
	g.calls.Add(1)
	return g.answer(ctx, scheduler.GateBeforeRestart)
}

func (g *fakeGates) AfterReady(ctx context.Context, _ scheduler.EnvView, _ scheduler.Instance) (Verdict, error) {
	g.calls.Add(1)
	return g.answer(ctx, scheduler.GateAfterReady)
}

// TestRunGate: a gate's verdict, error or silence becomes the verdict
// the core gets, its reason saying what happened.
func TestRunGate(t *testing.T) {
	inst := scheduler.Instance{Pod: "kafka", Index: 1}
	cases := []struct {
		name   string
		answer func(ctx context.Context, kind scheduler.GateKind) (Verdict, error)
		kind   scheduler.GateKind
		pass   bool
		reason string
	}{
		{"pass", func(context.Context, scheduler.GateKind) (Verdict, error) { return Pass(), nil }, scheduler.GateBeforeRestart, true, ""},
		{"wait", func(context.Context, scheduler.GateKind) (Verdict, error) {
			return Wait("topic t is short of %d replicas", 1), nil
		},
			scheduler.GateBeforeRestart, false, "topic t is short of 1 replicas"},
		{"after-ready", func(_ context.Context, k scheduler.GateKind) (Verdict, error) { return Wait("%s", k), nil },
			scheduler.GateAfterReady, false, "after-ready"},
		{"error", func(context.Context, scheduler.GateKind) (Verdict, error) {
			return Verdict{}, errors.New("connection refused")
		},
			scheduler.GateBeforeRestart, false, "the before-restart gate of kafka-1 failed: connection refused"},
		{"timeout", func(ctx context.Context, _ scheduler.GateKind) (Verdict, error) {
			<-ctx.Done()
			return Verdict{}, ctx.Err()
		},
			scheduler.GateBeforeRestart, false, "the before-restart gate of kafka-1 gave no answer within 10ms"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &runner{log: slog.New(slog.NewTextHandler(io.Discard, nil)),
				opts: Options{Extension: Extension{GateTimeout: 10 * time.Millisecond}}}
			v := r.runGate(context.Background(), &fakeGates{answer: c.answer}, scheduler.GateAsk{Kind: c.kind, Instance: inst})
			if v.Pass != c.pass || v.Reason != c.reason || v.Kind != c.kind || v.Instance != inst {
				t.Errorf("verdict %+v, want pass=%v reason %q", v, c.pass, c.reason)
			}
		})
	}
}

// TestAskGatesOnceAtATime: a gate still being asked is not asked again;
// once its answer is handed over it may be.
func TestAskGatesOnceAtATime(t *testing.T) {
	release := make(chan struct{})
	g := &fakeGates{answer: func(context.Context, scheduler.GateKind) (Verdict, error) { <-release; return Pass(), nil }}
	r := &runner{log: slog.New(slog.NewTextHandler(io.Discard, nil)), opts: Options{Extension: Extension{Gates: g}},
		gateAnswers: make(chan gateAnswer), gatesAsked: map[string]bool{}}
	ask := []scheduler.GateAsk{{Kind: scheduler.GateBeforeRestart, Instance: scheduler.Instance{Pod: "kafka", Index: 0}}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.askGates(ctx, ask)
	r.askGates(ctx, ask)
	close(release)
	a := <-r.gateAnswers
	if !a.v.Pass || g.calls.Load() != 1 {
		t.Fatalf("answer %+v after %d calls, want one passing call", a.v, g.calls.Load())
	}
	delete(r.gatesAsked, strings.Join([]string{string(a.v.Kind), a.v.Instance.String()}, " "))
	r.askGates(ctx, ask)
	if a := <-r.gateAnswers; !a.v.Pass || g.calls.Load() != 2 {
		t.Fatalf("answer %+v after %d calls, want a second call", a.v, g.calls.Load())
	}
}
