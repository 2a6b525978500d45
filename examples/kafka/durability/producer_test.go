package durability

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// cluster is an in-process Kafka cluster of three brokers with topic
// "durable": 3 partitions, replication factor 3, min.insync.replicas 2.
func cluster(t *testing.T) (*kfake.Cluster, Config) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(3))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cfg := Config{Seeds: c.ListenAddrs(), Topic: "durable", Rate: 200}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := EnsureTopic(ctx, cfg, 3, 3, 2); err != nil {
		t.Fatal(err)
	}
	if err := EnsureTopic(ctx, cfg, 3, 3, 2); err != nil {
		t.Fatalf("EnsureTopic of an existing topic: %v", err)
	}
	return c, cfg
}

// waitUntil polls cond until it holds; after d the test fails.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// windowAcked is how many sends of window name were acknowledged.
func windowAcked(p *Producer, name string) int {
	for _, w := range p.Result().Windows {
		if w.Name == name {
			return w.Acked
		}
	}
	return 0
}

// stopAndVerify stops p and reads its topic back; every acknowledged
// record must be there exactly once.
func stopAndVerify(t *testing.T, p *Producer, cfg Config) (Result, Check) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	r := p.Stop(ctx)
	if r.FlushErr != nil || r.Pending != 0 {
		t.Fatalf("stop: %v, %d sends unanswered", r.FlushErr, r.Pending)
	}
	for _, w := range r.Windows {
		t.Log(w)
	}
	c, err := Verify(ctx, cfg, r.Acked)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(c)
	if !c.OK() {
		t.Errorf("read back: %s", c)
	}
	if len(r.Acked)+r.Failed != r.Sent {
		t.Errorf("%d sent, but %d acked and %d failed", r.Sent, len(r.Acked), r.Failed)
	}
	return r, c
}

func TestSteady(t *testing.T) {
	t.Parallel()
	_, cfg := cluster(t)
	p, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.Window("steady")
	waitUntil(t, time.Minute, "100 acks", func() bool { return windowAcked(p, "steady") >= 100 })
	r, c := stopAndVerify(t, p, cfg)
	if r.Failed != 0 || len(c.Unacked) != 0 || c.Read != len(r.Acked) {
		t.Errorf("steady: %d failed, %d read of %d acked, %d unacked present", r.Failed, c.Read, len(r.Acked), len(c.Unacked))
	}
	if names := []string{r.Windows[0].Name, r.Windows[1].Name}; names[0] != "start" || names[1] != "steady" || r.Windows[1].P99 == 0 {
		t.Errorf("windows %v, steady p99 %s", names, r.Windows[1].P99)
	}
}

// TestBrokerLeaves: a broker leading partitions leaves the cluster
// mid-run (its listener closes; kfake elects new leaders); the client
// follows the leaders without a failed send.
func TestBrokerLeaves(t *testing.T) {
	t.Parallel()
	c, cfg := cluster(t)
	p, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, time.Minute, "50 acks", func() bool { return windowAcked(p, "start") >= 50 })
	p.Window("broker leaves")
	if err := c.RemoveNode(c.LeaderFor(cfg.Topic, 0)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, time.Minute, "100 acks after the broker left", func() bool { return windowAcked(p, "broker leaves") >= 100 })
	r, _ := stopAndVerify(t, p, cfg)
	if r.Failed != 0 {
		t.Errorf("%d sends failed: %v", r.Failed, r.Errors)
	}
}

// TestRollingBrokers: each broker in turn leaves the cluster and comes
// back (on a new port), as in a rolling restart, while the producer
// runs; not one send fails.
func TestRollingBrokers(t *testing.T) {
	t.Parallel()
	c, cfg := cluster(t)
	p, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, time.Minute, "50 acks", func() bool { return windowAcked(p, "start") >= 50 })
	for node := range int32(3) {
		name := fmt.Sprintf("broker %d restarted", node)
		p.Window(name)
		if err := c.RemoveNode(node); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, time.Minute, fmt.Sprintf("50 acks without broker %d", node), func() bool { return windowAcked(p, name) >= 50 })
		if _, _, err := c.AddNode(node, 0); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, time.Minute, fmt.Sprintf("100 acks with broker %d back", node), func() bool { return windowAcked(p, name) >= 100 })
	}
	cfg.Seeds = c.ListenAddrs() // every broker is on a new port
	r, _ := stopAndVerify(t, p, cfg)
	if r.Failed != 0 {
		t.Errorf("%d sends failed: %v", r.Failed, r.Errors)
	}
}

// TestNotEnoughReplicas: while the cluster answers every produce with
// NOT_ENOUGH_REPLICAS (min.insync.replicas not met: two of three
// brokers away), sends are retried until their delivery timeout and
// then counted as failed; once it takes writes again sends are acked
// again (while the client works off what it buffered meanwhile, some
// partitions' sends may still time out); what was acked is read back
// exactly once, and what failed is not in the topic.
func TestNotEnoughReplicas(t *testing.T) {
	t.Parallel()
	c, cfg := cluster(t)
	cfg.DeliveryTimeout = time.Second
	p, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, time.Minute, "50 acks", func() bool { return windowAcked(p, "start") >= 50 })
	p.Window("below min.insync.replicas")
	fault := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Err: kerr.NotEnoughReplicas, Count: -1})
	waitUntil(t, time.Minute, "10 failed sends", func() bool { return p.Result().Failed >= 10 })
	fault.Remove()
	p.Window("recovered")
	waitUntil(t, time.Minute, "50 acks after recovery", func() bool { return windowAcked(p, "recovered") >= 50 })
	r, chk := stopAndVerify(t, p, cfg)
	if w := r.Windows[1]; w.Failed < 10 || !errors.Is(w.FirstErr, kgo.ErrRecordTimeout) {
		t.Errorf("below min.insync.replicas: %d failed (want ≥ 10), the first: %v", w.Failed, w.FirstErr)
	}
	if r.Failed == 0 || len(r.Errors) == 0 {
		t.Errorf("%d failed, errors %v", r.Failed, r.Errors)
	}
	if len(chk.Unacked) != 0 { // refused before the append: none landed
		t.Errorf("failed sends present in the topic: %v", head(chk.Unacked))
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		err  string
	}{
		{"no seeds", Config{Topic: "t"}, "no seed brokers"},
		{"no topic", Config{Seeds: []string{"h:1"}}, "no topic"},
		{"negative", Config{Seeds: []string{"h:1"}, Topic: "t", Rate: -1}, "negative rate -1"},
		{"too fast", Config{Seeds: []string{"h:1"}, Topic: "t", Rate: MaxRate + 1}, "above 10000"},
		{"defaults", Config{Seeds: []string{"h:1"}, Topic: "t"}, ""},
	} {
		got, err := tc.cfg.withDefaults()
		if tc.err == "" {
			if err != nil || got.Rate != DefaultRate || got.DeliveryTimeout != DefaultDeliveryTimeout || got.RequestTimeout != DefaultRequestTimeout {
				t.Errorf("%s: %+v, %v", tc.name, got, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.err)
		}
		if _, err := Start(tc.cfg); err == nil {
			t.Errorf("%s: Start accepted it", tc.name)
		}
	}
}

func TestQuantile(t *testing.T) {
	t.Parallel()
	ms := func(n ...int) []time.Duration {
		var out []time.Duration
		for _, v := range n {
			out = append(out, time.Duration(v)*time.Millisecond)
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, tc := range []struct {
		in   []time.Duration
		q    float64
		want time.Duration
	}{
		{nil, 0.99, 0},
		{ms(7), 0.99, 7 * time.Millisecond},
		{ms(hundred...), 0.99, 99 * time.Millisecond},
		{ms(hundred...), 0.50, 50 * time.Millisecond},
		{ms(hundred...), 1, 100 * time.Millisecond},
		{ms(1, 2, 3), 0, time.Millisecond},
	} {
		if got := quantile(tc.in, tc.q); got != tc.want {
			t.Errorf("quantile(%d values, %v) = %s, want %s", len(tc.in), tc.q, got, tc.want)
		}
	}
}
