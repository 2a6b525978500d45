package local_test

import (
	"context"
	"log/slog"
	"net"
	"slices"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"

	"github.com/kennel-sdk/kennel/deploy/local"
	"github.com/kennel-sdk/kennel/deploy/local/master"
)

// TestClusterProcessRestartRecoversTasks stops the whole cluster (as
// stopping "kennel local up" does) and starts a new one on the same data
// dir: executors outlive it, agents come back with their ids, and the
// framework finds its task running.
func TestClusterProcessRestartRecoversTasks(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.1.1:0")
	if err != nil {
		t.Fatal(err)
	}
	agentPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfg := local.DefaultConfig(t.TempDir(), 1)
	zero := 0
	cfg.Port, cfg.AgentPort, cfg.TimeScale, cfg.ExecutorCommand = &zero, &agentPort, timeScale, executorCommand()
	logger := slog.New(slog.NewTextHandler(testWriter{t}, nil))
	start := func() *local.Cluster {
		c, err := local.Start(context.Background(), cfg, logger)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 30*time.Second, "the agent to register", func() bool { return c.Agents()[0].ID != "" })
		return c
	}
	c := start()
	f := subscribed(t, c, protobufCodec)
	p := reservePod(t, f, "", "vol-up")
	st := p.run(t, f, "durable", "sleep 300")
	agentID := st.GetAgentID().GetValue()
	c.Stop()
	f.cancel()

	c = start()
	t.Cleanup(c.Shutdown)
	if got := c.Agents()[0].ID; got != agentID {
		t.Fatalf("the agent came back as %s, was %s", got, agentID)
	}
	// The agent's id comes from its checkpoint at once; the master knows
	// its tasks only once it has re-registered, and until then answers a
	// reconciliation as Mesos does for an agent it does not know.
	waitFor(t, 30*time.Second, "the agent to re-register with the new master", func() bool {
		s, err := local.NewClient(c.URL()).State(context.Background())
		return err == nil && slices.ContainsFunc(s.Slaves, func(a master.AgentState) bool { return a.ID == agentID })
	})
	f.url = c.URL()
	f.subscribe()
	f.mustCall(calls.Reconcile(calls.ReconcileTasks(map[string]string{"durable": agentID})))
	if rec := f.reconciled("durable"); rec.GetState() != mesos.TASK_RUNNING {
		t.Fatalf("after the cluster restarted: %s %s", rec.GetState(), rec.GetMessage())
	}
	f.mustCall(calls.Kill("durable", agentID))
	f.update("durable", mesos.TASK_KILLED)
}
