package local_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpsched"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"

	"github.com/kennel-sdk/kennel/deploy/local"
	"github.com/kennel-sdk/kennel/executor"
)

// The test binary doubles as the executor: agents run it with
// KENNEL_TEST_EXECUTOR=1 in its environment (executorCommand), and as the
// executor's rlimit helper.
func TestMain(m *testing.M) {
	executor.ExecLimitHelper()
	// As the kennel binary does in main: resources in the post-refinement format.
	mesos.CapabilityReservationRefinement = "1"
	if os.Getenv("KENNEL_TEST_EXECUTOR") == "1" {
		cfg, err := executor.ConfigFromEnv(os.Getenv)
		if err == nil {
			err = executor.Run(context.Background(), cfg)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "executor:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func executorCommand() []string {
	return []string{"/usr/bin/env", "KENNEL_TEST_EXECUTOR=1", os.Args[0]}
}

// timeScale runs the cluster's clocks 20 times faster: agents are
// unreachable after 5 missed pings of 0.75s.
const timeScale = 0.05

// agentKind is real agents (executors and tasks are processes) or
// simulated ones: the conformance tests that apply to both run over
// agentKinds.
type agentKind string

const (
	realAgents      agentKind = "real"
	simulatedAgents agentKind = "simulated"
)

var agentKinds = []agentKind{realAgents, simulatedAgents}

// startClusterOf starts a cluster of n agents of that kind; agentName
// names them.
func startClusterOf(t testing.TB, kind agentKind, n int) *local.Cluster {
	t.Helper()
	return startClusterWith(t, n, func(cfg *local.Config) {
		if kind == simulatedAgents {
			cfg.Agents, cfg.SimulatedAgents = nil, n
		}
	})
}

// agentName is the name of agent i (from 1) of a cluster of that kind.
func agentName(kind agentKind, i int) string {
	if kind == simulatedAgents {
		return fmt.Sprintf("sim-%d", i)
	}
	return fmt.Sprintf("agent-%d", i)
}

func startCluster(t testing.TB, agents int) *local.Cluster {
	t.Helper()
	return startClusterWith(t, agents, func(*local.Config) {})
}

// startClusterWith starts a cluster of the test's defaults changed by
// configure.
func startClusterWith(t testing.TB, agents int, configure func(*local.Config)) *local.Cluster {
	t.Helper()
	dir := t.TempDir()
	cfg := local.DefaultConfig(dir, agents)
	zero := 0
	cfg.Port, cfg.AgentPort, cfg.TimeScale = &zero, &zero, timeScale
	cfg.ExecutorCommand = executorCommand()
	configure(&cfg)
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := local.Start(context.Background(), cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last first: the sandboxes are dumped once the cluster
	// is shut down, before the temporary directory goes.
	t.Cleanup(func() { dumpSandboxes(t, dir) })
	t.Cleanup(c.Shutdown)
	waitFor(t, 30*time.Second, "agents registered", func() bool {
		for _, a := range c.Agents() {
			if a.ID == "" {
				return false
			}
		}
		return true
	})
	return c
}

// dumpSandboxes logs, when the test failed, the stderr of every executor
// and task run under dir (a cluster's data dir): why an executor exited or
// a task failed is written there and nowhere else.
func dumpSandboxes(t testing.TB, dir string) {
	if !t.Failed() {
		return
	}
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "stderr" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Logf("%s: %v", path, err)
			return nil
		}
		const max = 8 << 10
		if len(b) > max {
			b = append([]byte("…"), b[len(b)-max:]...)
		}
		rel, _ := filepath.Rel(dir, path)
		t.Logf("%s (%d bytes):\n%s", rel, len(b), b)
		return nil
	})
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	if testing.Verbose() {
		w.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// framework is a scheduler written with mesos-go's HTTP client, as a
// third-party framework would be.
type framework struct {
	t      testing.TB
	url    string
	info   mesos.FrameworkInfo
	codec  encoding
	caller calls.Caller
	id     string
	cancel context.CancelFunc
	// subscribedEv is the SUBSCRIBED event of the latest subscription.
	subscribedEv *scheduler.Event_Subscribed

	mu      sync.Mutex
	events  []*scheduler.Event
	closed  error // why the subscription ended
	gen     int   // counts subscriptions
	autoAck bool
	wake    chan struct{}
}

type encoding string

const (
	protobufCodec encoding = "protobuf"
	jsonCodec     encoding = "json"
)

func newFramework(t testing.TB, url string, codec encoding) *framework {
	info := mesos.FrameworkInfo{
		User: "root", Name: "conformance", Roles: []string{"svc-role"},
		FailoverTimeout: floatPtr(60), Checkpoint: boolPtr(true),
		Capabilities: []mesos.FrameworkInfo_Capability{
			{Type: mesos.FrameworkInfo_Capability_MULTI_ROLE},
			{Type: mesos.FrameworkInfo_Capability_RESERVATION_REFINEMENT},
			{Type: mesos.FrameworkInfo_Capability_PARTITION_AWARE},
		},
	}
	return &framework{t: t, url: url, info: info, codec: codec, autoAck: true, wake: make(chan struct{}, 1)}
}

func floatPtr(f float64) *float64 { return &f }
func boolPtr(b bool) *bool        { return &b }

// subscribed is a framework of the default capabilities subscribed to c.
func subscribed(t testing.TB, c *local.Cluster, codec encoding) *framework {
	t.Helper()
	f := newFramework(t, c.URL(), codec)
	f.subscribe()
	return f
}

// subscribe opens the event stream and reads it in the background.
func (f *framework) subscribe() {
	f.t.Helper()
	media := codecs.ByMediaType[codecs.MediaTypeProtobuf]
	if f.codec == jsonCodec {
		media = codecs.ByMediaType[codecs.MediaTypeJSON]
	}
	cli := httpcli.New(httpcli.Endpoint(f.url+"/api/v1/scheduler"), httpcli.Codec(media),
		httpcli.Do(httpcli.With(httpcli.Timeout(30*time.Second))))
	raw := httpsched.NewCaller(cli)
	info := f.info
	if f.id != "" {
		info.ID = &mesos.FrameworkID{Value: f.id}
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	f.t.Cleanup(cancel)
	var resp mesos.Response
	var err error
	for deadline := time.Now().Add(30 * time.Second); ; {
		call := calls.Subscribe(&info)
		if f.id != "" {
			call = call.With(calls.SubscribeTo(f.id))
		}
		resp, err = raw.Call(ctx, call)
		if err == nil || time.Now().After(deadline) || !strings.Contains(err.Error(), "503") && !strings.Contains(err.Error(), "navailable") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		f.t.Fatalf("SUBSCRIBE: %v", err)
	}
	f.mu.Lock()
	f.closed = nil
	f.gen++
	gen := f.gen
	f.mu.Unlock()
	go f.read(resp, gen)
	ev := f.next(func(e *scheduler.Event) bool { return e.Type == scheduler.Event_SUBSCRIBED }, 30*time.Second)
	id := ev.Subscribed.FrameworkID.Value
	f.mu.Lock()
	f.id, f.subscribedEv = id, ev.Subscribed
	f.caller = calls.CallerFunc(func(ctx context.Context, c *scheduler.Call) (mesos.Response, error) {
		return raw.Call(ctx, c.With(calls.Framework(id)))
	})
	f.mu.Unlock()
}

// callerNow is the caller of the current subscription (nil before the
// first).
func (f *framework) callerNow() calls.Caller {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.caller
}

// subscribeExpectingError subscribes and returns the message of the ERROR
// event the master answers with.
func (f *framework) subscribeExpectingError() (string, error) {
	cli := httpcli.New(httpcli.Endpoint(f.url+"/api/v1/scheduler"), httpcli.Codec(codecs.ByMediaType[codecs.MediaTypeProtobuf]))
	info := f.info
	info.ID = &mesos.FrameworkID{Value: f.id}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := httpsched.NewCaller(cli).Call(ctx, calls.Subscribe(&info).With(calls.SubscribeTo(f.id)))
	if err != nil {
		return "", err
	}
	defer resp.Close()
	var ev scheduler.Event
	if err := resp.Decode(&ev); err != nil {
		return "", err
	}
	if ev.Type != scheduler.Event_ERROR {
		return "", fmt.Errorf("got %s, not ERROR", ev.Type)
	}
	return ev.Error.Message, nil
}

// read reads subscription gen's events until it ends; a later
// subscription's state is not touched by an earlier one ending.
func (f *framework) read(resp mesos.Response, gen int) {
	defer resp.Close()
	for {
		var ev scheduler.Event
		if err := resp.Decode(&ev); err != nil {
			f.mu.Lock()
			if f.gen == gen {
				f.closed = err
			}
			f.mu.Unlock()
			f.notify()
			return
		}
		if ev.Type == scheduler.Event_UPDATE && f.autoAck && len(ev.Update.Status.UUID) > 0 {
			st := ev.Update.Status
			if caller := f.callerNow(); caller != nil {
				go func() {
					_ = calls.CallNoData(context.Background(), caller,
						calls.Acknowledge(st.GetAgentID().GetValue(), st.TaskID.Value, st.UUID))
				}()
			}
		}
		f.mu.Lock()
		f.events = append(f.events, &ev)
		f.mu.Unlock()
		f.notify()
	}
}

func (f *framework) notify() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// next removes and returns the first event matching pred, waiting up to d.
func (f *framework) next(pred func(*scheduler.Event) bool, d time.Duration) *scheduler.Event {
	f.t.Helper()
	ev, err := f.tryNext(pred, d)
	if err != nil {
		f.t.Fatal(err)
	}
	return ev
}

func (f *framework) tryNext(pred func(*scheduler.Event) bool, d time.Duration) (*scheduler.Event, error) {
	timeout := time.After(d)
	for {
		f.mu.Lock()
		for i, ev := range f.events {
			if pred(ev) {
				f.events = append(f.events[:i:i], f.events[i+1:]...)
				f.mu.Unlock()
				return ev, nil
			}
		}
		closed := f.closed
		f.mu.Unlock()
		if closed != nil {
			return nil, fmt.Errorf("event stream ended: %w", closed)
		}
		select {
		case <-f.wake:
		case <-timeout:
			return nil, errors.New("timed out waiting for an event")
		}
	}
}

// streamEnded waits for the subscription to end.
func (f *framework) streamEnded(d time.Duration) error {
	f.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		f.mu.Lock()
		closed := f.closed
		f.mu.Unlock()
		if closed != nil {
			return closed
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.t.Fatal("the event stream did not end")
	return nil
}

// offer waits for an offer from the agent with the given hostname ("" for
// any) and returns it.
func (f *framework) offer(hostname string) mesos.Offer {
	f.t.Helper()
	var found mesos.Offer
	f.next(func(e *scheduler.Event) bool {
		if e.Type != scheduler.Event_OFFERS {
			return false
		}
		for _, o := range e.Offers.Offers {
			if hostname == "" || o.Hostname == hostname {
				found = o
				return true
			}
		}
		return false
	}, 30*time.Second)
	return found
}

// update waits for a status update of the task in one of the states;
// updates of the task in other states are skipped, and named if none comes.
func (f *framework) update(taskID string, states ...mesos.TaskState) mesos.TaskStatus {
	f.t.Helper()
	var skipped []string
	deadline := time.Now().Add(60 * time.Second)
	for {
		ev, err := f.tryNext(func(e *scheduler.Event) bool {
			return e.Type == scheduler.Event_UPDATE && e.Update.Status.TaskID.Value == taskID
		}, time.Until(deadline))
		if err != nil {
			f.t.Fatalf("task %s: waiting for %v: %v; skipped %v", taskID, states, err, skipped)
		}
		st := ev.Update.Status
		for _, s := range states {
			if st.GetState() == s {
				return st
			}
		}
		// GetReason of a status without one is 0, REASON_COMMAND_EXECUTOR_FAILED.
		reason := "no reason"
		if st.Reason != nil {
			reason = st.Reason.String()
		}
		skipped = append(skipped, fmt.Sprintf("%s(%s: %s)", st.GetState(), reason, st.GetMessage()))
	}
}

// stopOffers suppresses offers and declines those the framework holds, so
// that another framework gets them.
func (f *framework) stopOffers() {
	f.t.Helper()
	f.mustCall(&scheduler.Call{Type: scheduler.Call_SUPPRESS})
	f.declineHeld(time.Hour)
}

// declineHeld declines every offer waiting in the event queue.
func (f *framework) declineHeld(refuse time.Duration) {
	f.t.Helper()
	f.mu.Lock()
	var held []mesos.OfferID
	kept := f.events[:0]
	for _, e := range f.events {
		if e.Type == scheduler.Event_OFFERS {
			for _, o := range e.Offers.Offers {
				held = append(held, o.ID)
			}
			continue
		}
		kept = append(kept, e)
	}
	f.events = kept
	f.mu.Unlock()
	if len(held) > 0 {
		f.mustCall(calls.Decline(held...).With(calls.RefuseSeconds(refuse)))
	}
}

// reconciled waits for the answer to a reconciliation of the task.
func (f *framework) reconciled(taskID string) mesos.TaskStatus {
	f.t.Helper()
	ev := f.next(func(e *scheduler.Event) bool {
		return e.Type == scheduler.Event_UPDATE && e.Update.Status.TaskID.Value == taskID &&
			e.Update.Status.GetReason() == mesos.REASON_RECONCILIATION
	}, 30*time.Second)
	return ev.Update.Status
}

func (f *framework) call(c *scheduler.Call) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return calls.CallNoData(ctx, f.callerNow(), c)
}

func (f *framework) mustCall(c *scheduler.Call) {
	f.t.Helper()
	if err := f.call(c); err != nil {
		f.t.Fatalf("%s: %v", c.GetType(), err)
	}
}

// accept accepts one offer with the operations and declines nothing else.
func (f *framework) accept(o mesos.Offer, ops ...mesos.Offer_Operation) {
	f.t.Helper()
	f.mustCall(calls.Accept(calls.OfferOperations(ops).WithOffers(o.ID)).With(calls.RefuseSeconds(50 * time.Millisecond)))
}

// Resources helpers.

func scalar(name string, v float64) mesos.Resource {
	return mesos.Resource{Name: name, Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: v}}
}

func reserved(r mesos.Resource, role string) mesos.Resource {
	r = clone(r)
	t := mesos.Resource_ReservationInfo_DYNAMIC
	r.Reservations = append(r.Reservations, mesos.Resource_ReservationInfo{Type: &t, Role: &role, Principal: strPtr("kennel"),
		Labels: &mesos.Labels{Labels: []mesos.Label{{Key: "resource_id", Value: strPtr("rid-" + r.Name)}}}})
	return r
}

func strPtr(s string) *string { return &s }

// clone deep-copies a resource: its pointers must not be shared with the
// copy an operation mutates.
func clone(r mesos.Resource) mesos.Resource { return *proto.Clone(&r).(*mesos.Resource) }

// mountDisk returns the offer's first MOUNT disk.
func mountDisk(t *testing.T, o mesos.Offer) mesos.Resource {
	t.Helper()
	for _, r := range o.Resources {
		if r.GetDisk().GetSource().GetType() == mesos.Resource_DiskInfo_Source_MOUNT && r.GetDisk().GetPersistence() == nil {
			r.AllocationInfo = nil
			return r
		}
	}
	t.Fatalf("offer %s has no free MOUNT disk", o.ID.Value)
	return mesos.Resource{}
}

// commandTask is a task of the default executor running shell.
func commandTask(id string, o mesos.Offer, shell string, res ...mesos.Resource) mesos.TaskInfo {
	return mesos.TaskInfo{
		Name: id, TaskID: mesos.TaskID{Value: id}, AgentID: o.AgentID, Resources: res,
		Command: &mesos.CommandInfo{Value: strPtr(shell)},
	}
}

func defaultExecutor(id string, f *framework, res ...mesos.Resource) mesos.ExecutorInfo {
	return mesos.ExecutorInfo{Type: mesos.ExecutorInfo_DEFAULT, ExecutorID: mesos.ExecutorID{Value: id},
		FrameworkID: &mesos.FrameworkID{Value: f.id}, Resources: res}
}

func allocated(rs []mesos.Resource, role string) []mesos.Resource {
	out := make([]mesos.Resource, len(rs))
	for i, r := range rs {
		r = clone(r)
		r.AllocationInfo = &mesos.Resource_AllocationInfo{Role: &role}
		out[i] = r
	}
	return out
}

func localClient(c *local.Cluster) *local.Client { return local.NewClient(c.URL()) }
