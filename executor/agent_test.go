package executor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	mexec "github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/mesos/mesos-go/api/v1/lib/recordio"
)

const (
	testFrameworkID = "framework-1"
	testExecutorID  = "executor-1"
	testAgentID     = "agent-1"
)

// fakeAgent speaks the agent side of the v1 executor API with protobuf and
// RecordIO. It records every SUBSCRIBE and UPDATE, lets the test push events
// into the live subscription and acknowledges updates when autoAck is set.
type fakeAgent struct {
	t   *testing.T
	srv *httptest.Server

	mu             sync.Mutex
	autoAck        bool
	refuse         bool // answer SUBSCRIBE with 503
	killingState   bool // framework capability TASK_KILLING_STATE
	executorVolume []mesos.Resource
	// beforeUpdate, when set, runs before an UPDATE is handled (outside
	// mu): a slow agent, or one refusing the update when it returns false.
	beforeUpdate func(mesos.TaskStatus) bool
	subscribes   []*mexec.Call_Subscribe
	updates      []mesos.TaskStatus
	conn         *agentConn
}

// agentConn is one live subscription stream.
type agentConn struct {
	events chan *mexec.Event
	drop   chan struct{}
}

func newFakeAgent(t *testing.T) *fakeAgent {
	a := &fakeAgent{t: t, autoAck: true}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *fakeAgent) endpoint() string { return strings.TrimPrefix(a.srv.URL, "http://") }

func (a *fakeAgent) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/executor" || r.Method != http.MethodPost {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if r.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "unsupported content type", http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var call mexec.Call
	if err := call.Unmarshal(body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if call.FrameworkID.Value != testFrameworkID || call.ExecutorID.Value != testExecutorID {
		http.Error(w, "Expecting 'framework_id' and 'executor_id' to be present", http.StatusBadRequest)
		return
	}
	switch call.Type {
	case mexec.Call_SUBSCRIBE:
		a.subscribe(w, r, call.Subscribe)
	case mexec.Call_UPDATE:
		a.update(w, call.Update)
	case mexec.Call_MESSAGE, mexec.Call_HEARTBEAT:
		w.WriteHeader(http.StatusAccepted)
	default:
		http.Error(w, "unknown call", http.StatusBadRequest)
	}
}

func (a *fakeAgent) update(w http.ResponseWriter, u *mexec.Call_Update) {
	a.mu.Lock()
	before := a.beforeUpdate
	a.mu.Unlock()
	if before != nil && u != nil && !before(u.Status) {
		http.Error(w, "update refused", http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.conn == nil {
		http.Error(w, "executor is not subscribed", http.StatusForbidden)
		return
	}
	if u == nil || u.Status.State == nil || u.Status.GetSource() != mesos.SOURCE_EXECUTOR ||
		len(u.Status.UUID) != 16 || u.Status.GetState() == mesos.TASK_STAGING {
		http.Error(w, "invalid status update", http.StatusBadRequest)
		return
	}
	a.updates = append(a.updates, u.Status)
	if a.autoAck {
		a.conn.events <- ackEvent(u.Status)
	}
	w.WriteHeader(http.StatusAccepted)
}

func (a *fakeAgent) subscribe(w http.ResponseWriter, r *http.Request, sub *mexec.Call_Subscribe) {
	a.mu.Lock()
	if a.refuse {
		a.mu.Unlock()
		http.Error(w, "agent is recovering", http.StatusServiceUnavailable)
		return
	}
	if sub == nil {
		sub = &mexec.Call_Subscribe{}
	}
	a.subscribes = append(a.subscribes, sub)
	if a.conn != nil {
		close(a.conn.drop)
	}
	conn := &agentConn{events: make(chan *mexec.Event, 1024), drop: make(chan struct{})}
	a.conn = conn
	conn.events <- a.subscribedEvent()
	a.mu.Unlock()

	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
	flusher := w.(http.Flusher)
	flusher.Flush()
	out := recordio.NewWriter(w)
	write := func(ev *mexec.Event) bool {
		frame, err := ev.Marshal()
		if err != nil {
			a.t.Errorf("fake agent: encoding %s: %v", ev.Type, err)
			return false
		}
		if err := out.WriteFrame(frame); err != nil {
			return false
		}
		flusher.Flush()
		return true
	}
	for {
		select {
		case ev := <-conn.events:
			if !write(ev) {
				return
			}
		case <-conn.drop:
			for { // deliver what was pushed before the drop, then end the stream
				select {
				case ev := <-conn.events:
					if !write(ev) {
						return
					}
				default:
					return
				}
			}
		case <-r.Context().Done():
			return
		}
	}
}

func (a *fakeAgent) subscribedEvent() *mexec.Event {
	fw := mesos.FrameworkInfo{User: "nobody", Name: "test", ID: &mesos.FrameworkID{Value: testFrameworkID}}
	if a.killingState {
		fw.Capabilities = append(fw.Capabilities, mesos.FrameworkInfo_Capability{Type: mesos.FrameworkInfo_Capability_TASK_KILLING_STATE})
	}
	return &mexec.Event{
		Type: mexec.Event_SUBSCRIBED,
		Subscribed: &mexec.Event_Subscribed{
			ExecutorInfo:  mesos.ExecutorInfo{ExecutorID: mesos.ExecutorID{Value: testExecutorID}, Resources: a.executorVolume},
			FrameworkInfo: fw,
			AgentInfo:     mesos.AgentInfo{Hostname: "localhost", ID: &mesos.AgentID{Value: testAgentID}},
		},
	}
}

// push sends ev on the live subscription, waiting for one to exist.
func (a *fakeAgent) push(ev *mexec.Event) {
	a.t.Helper()
	eventually(a.t, 5*time.Second, "a live subscription", func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.conn == nil {
			return false
		}
		a.conn.events <- ev
		return true
	})
}

// dropStream ends the live subscription's stream after the events already
// pushed, as an agent that went away.
func (a *fakeAgent) dropStream() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.conn != nil {
		close(a.conn.drop)
		a.conn = nil
	}
}

func (a *fakeAgent) setRefuse(refuse bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refuse = refuse
}

// allUpdates returns a copy of every update received.
func (a *fakeAgent) allUpdates() []mesos.TaskStatus {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]mesos.TaskStatus(nil), a.updates...)
}

func (a *fakeAgent) subscriptions() []*mexec.Call_Subscribe {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]*mexec.Call_Subscribe(nil), a.subscribes...)
}

// taskUpdates returns the updates of one task, in the order received.
func (a *fakeAgent) taskUpdates(taskID string) []mesos.TaskStatus {
	var out []mesos.TaskStatus
	for _, st := range a.allUpdates() {
		if st.TaskID.Value == taskID {
			out = append(out, st)
		}
	}
	return out
}

func (a *fakeAgent) states(taskID string) []mesos.TaskState {
	var out []mesos.TaskState
	for _, st := range a.taskUpdates(taskID) {
		out = append(out, st.GetState())
	}
	return out
}

// waitState waits for an update of taskID with state and returns it.
func (a *fakeAgent) waitState(taskID string, state mesos.TaskState, timeout time.Duration) mesos.TaskStatus {
	a.t.Helper()
	var found mesos.TaskStatus
	eventually(a.t, timeout, fmt.Sprintf("task %s reaching %s (updates: %v)", taskID, state, statesLater{a, taskID}), func() bool {
		for _, st := range a.taskUpdates(taskID) {
			if st.GetState() == state {
				found = st
				return true
			}
		}
		return false
	})
	return found
}

// statesLater prints a task's states when the failure message is formatted.
type statesLater struct {
	a  *fakeAgent
	id string
}

func (s statesLater) String() string { return fmt.Sprint(s.a.states(s.id)) }

// eventually polls cond every 10ms until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// harness runs Run against a fake agent.
type harness struct {
	t       *testing.T
	agent   *fakeAgent
	cfg     Config
	cancel  context.CancelFunc
	done    chan struct{}
	err     error
	started time.Time
}

// startExecutor starts Run with a test configuration; setup may adjust the
// configuration and the agent (and prepare the sandbox) before it starts.
func startExecutor(t *testing.T, setup func(*Config, *fakeAgent)) *harness {
	t.Helper()
	agent := newFakeAgent(t)
	cfg := Config{
		FrameworkID:            testFrameworkID,
		ExecutorID:             testExecutorID,
		AgentEndpoint:          agent.endpoint(),
		Sandbox:                t.TempDir(),
		ShutdownGracePeriod:    3 * time.Second,
		RecoveryTimeout:        10 * time.Second,
		SubscriptionBackoffMax: 50 * time.Millisecond,
		Logger:                 slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if setup != nil {
		setup(&cfg, agent)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, agent: agent, cfg: cfg, cancel: cancel, done: make(chan struct{}), started: time.Now()}
	go func() {
		defer close(h.done)
		h.err = Run(ctx, cfg)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(20 * time.Second):
			t.Error("Run did not return after its context was cancelled")
		}
		agent.dropStream()
	})
	return h
}

// wait waits for Run to return and returns its error.
func (h *harness) wait(timeout time.Duration) error {
	h.t.Helper()
	select {
	case <-h.done:
		return h.err
	case <-time.After(timeout):
		h.t.Fatalf("Run did not return within %s", timeout)
		return nil
	}
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}
