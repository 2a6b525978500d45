package runtime

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/scheduler"
)

// fakeAction answers Run and Cleanup from functions.
type fakeAction struct {
	run     func(ctx context.Context, req ActionRequest) (ActionResult, error)
	cleanup func(ctx context.Context, req ActionRequest) error
}

func (a fakeAction) Run(ctx context.Context, req ActionRequest) (ActionResult, error) {
	return a.run(ctx, req)
}
func (a fakeAction) Cleanup(ctx context.Context, req ActionRequest) error { return a.cleanup(ctx, req) }

// TestRunAction: an action's result, error or silence, and its cleanup's,
// become the result the core gets; an action the scheduler lacks fails
// its step, and its cleanup has nothing to do.
func TestRunAction(t *testing.T) {
	ok := func(ctx context.Context, req ActionRequest) error { return nil }
	cases := []struct {
		name    string
		action  Action
		ask     scheduler.ActionAsk
		want    scheduler.ActionResult
		wantReq string
	}{
		{"progress", fakeAction{run: func(_ context.Context, req ActionRequest) (ActionResult, error) {
			return ActionResult{Progress: req.Progress + "+1", Reason: "moving " + req.Parameters["N"],
				Replace: []scheduler.Instance{{Pod: "kafka", Index: 1}}}, nil
		}}, scheduler.ActionAsk{Step: "s", Action: "a", Progress: "p", Parameters: map[string]string{"N": "1"}},
			scheduler.ActionResult{Step: "s", Progress: "p+1", Reason: "moving 1", Replace: []scheduler.Instance{{Pod: "kafka", Index: 1}}}, ""},
		{"done", fakeAction{run: func(context.Context, ActionRequest) (ActionResult, error) {
			return ActionResult{Done: true, Reason: "moved"}, nil
		}}, scheduler.ActionAsk{Step: "s", Action: "a"}, scheduler.ActionResult{Step: "s", Done: true, Reason: "moved"}, ""},
		{"error is transient", fakeAction{run: func(context.Context, ActionRequest) (ActionResult, error) {
			return ActionResult{}, errors.New("connection refused")
		}}, scheduler.ActionAsk{Step: "s", Action: "a"}, scheduler.ActionResult{Step: "s", Reason: "retrying: connection refused"}, ""},
		{"timeout", fakeAction{run: func(ctx context.Context, _ ActionRequest) (ActionResult, error) {
			<-ctx.Done()
			return ActionResult{}, ctx.Err()
		}}, scheduler.ActionAsk{Step: "s", Action: "a"}, scheduler.ActionResult{Step: "s", Reason: "retrying: no answer within 10ms"}, ""},
		{"unknown action", nil, scheduler.ActionAsk{Step: "s", Action: "nope"},
			scheduler.ActionResult{Step: "s", Failed: true, Reason: `this scheduler has no action "nope"`}, ""},
		{"unknown action's cleanup", nil, scheduler.ActionAsk{Step: "s", Action: "nope", Cleanup: true},
			scheduler.ActionResult{Step: "s", Cleanup: true, Done: true}, ""},
		{"cleanup done", fakeAction{cleanup: ok}, scheduler.ActionAsk{Step: "s", Action: "a", Cleanup: true},
			scheduler.ActionResult{Step: "s", Cleanup: true, Done: true}, ""},
		{"cleanup fails", fakeAction{cleanup: func(context.Context, ActionRequest) error { return errors.New("broker 2 did not answer") }},
			scheduler.ActionAsk{Step: "s", Action: "a", Cleanup: true},
			scheduler.ActionResult{Step: "s", Cleanup: true, Reason: "broker 2 did not answer"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			actions := map[string]Action{}
			if c.action != nil {
				actions["a"] = c.action
			}
			r := &runner{log: slog.New(slog.NewTextHandler(io.Discard, nil)),
				opts: Options{Extension: Extension{Actions: actions, ActionTimeout: 10 * time.Millisecond}}}
			got := r.runAction(context.Background(), c.ask)
			if got.Step != c.want.Step || got.Cleanup != c.want.Cleanup || got.Progress != c.want.Progress ||
				got.Reason != c.want.Reason || got.Done != c.want.Done || got.Failed != c.want.Failed ||
				len(got.Replace) != len(c.want.Replace) {
				t.Errorf("result %+v\nwant   %+v", got, c.want)
			}
		})
	}
}

// TestRunActionsOnceAtATime: a run still under way is not started again;
// once its result is handed over it may be.
func TestRunActionsOnceAtATime(t *testing.T) {
	release := make(chan struct{})
	calls := 0
	act := fakeAction{run: func(context.Context, ActionRequest) (ActionResult, error) {
		<-release
		calls++
		return ActionResult{Reason: "ran"}, nil
	}}
	r := &runner{log: slog.New(slog.NewTextHandler(io.Discard, nil)), opts: Options{Extension: Extension{Actions: map[string]Action{"a": act}}},
		actionAnswers: make(chan scheduler.ActionResult), actionsAsked: map[string]bool{}}
	ask := []scheduler.ActionAsk{{Step: "s", Action: "a"}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.runActions(ctx, ask)
	r.runActions(ctx, ask)
	close(release)
	a := <-r.actionAnswers
	if a.Reason != "ran" || calls != 1 {
		t.Fatalf("result %+v after %d calls, want one", a, calls)
	}
	delete(r.actionsAsked, "s false")
	r.runActions(ctx, ask)
	if a := <-r.actionAnswers; a.Reason != "ran" || calls != 2 {
		t.Fatalf("result %+v after %d calls, want a second", a, calls)
	}
}
