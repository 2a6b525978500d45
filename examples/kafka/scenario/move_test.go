package scenario_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/plans"
)

// TestBrokerMove: `kennel broker move 1` on the local cluster with three
// test brokers starts the plan move-broker, which runs to COMPLETE:
// broker 1's replicas move away, kafka-1 is replaced (a new launch on a
// fresh volume), they move back, and no broker or topic is left with a
// throttle config. The test broker is not Kafka: each is a single-node
// cluster of its own, so broker 1 holds only the replicas of its own
// cluster (none here) and nothing moves; `broker move` of the broker
// whose own cluster holds a topic (nowhere else to go) fails with the
// reason.
func TestBrokerMove(t *testing.T) {
	if !hasCommand("kafka", "test-broker") || !hasCommand("broker", "move") {
		t.Skip("SKIPPED: this kennel has no `kafka test-broker` or `broker move` commands")
	}
	t.Parallel()
	e := newEnv(t, 3, nil)
	e.vars["BROKER_COUNT"] = "3"
	e.startScheduler()
	e.waitPlan("deploy", plans.Complete, deployTimeout)
	before := e.testBrokerOf(1).taskID
	// On broker 2's own cluster (the topics API would pick any broker).
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	admin := kafkaclient.NewAdmin(e.brokerAddr(2))
	defer admin.Close()
	if err := admin.CreateTopic(ctx, kafkaclient.TopicSpec{Name: "moving", Partitions: 2, ReplicationFactor: 1}); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	if out := e.cli("broker", "move", "1", "--throttle", "1048576"); !strings.Contains(out, "start move-broker with parameters: {BROKER_ID=1, THROTTLE=1048576}") {
		t.Errorf("broker move 1: %s", out)
	}
	e.waitPlan("move-broker", plans.Complete, 2*stepTimeout)
	t.Logf("broker move 1 COMPLETE after %s", time.Since(start).Round(time.Millisecond))
	var info plans.PlanInfo
	e.getJSON("/v1/plans/move-broker", &info)
	t.Logf("move-broker:%s", stepReasons(info))
	if after := e.testBrokerOf(1).taskID; after == before {
		t.Errorf("kafka-1 still runs launch %s: not replaced", before)
	}
	e.assertNoThrottle("moving")

	// The broker whose own cluster holds topic moving: its partitions
	// have nowhere to go.
	holder := e.holderOf("moving") // 2
	e.cli("broker", "move", strconv.Itoa(holder))
	e.waitPlan("move-broker", plans.Error, stepTimeout)
	_, body := e.do("GET", "/v1/plans/move-broker") // 202: an ERROR plan
	if err := json.Unmarshal([]byte(body), &info); err != nil {
		t.Fatal(err)
	}
	if msg := info.Phases[0].Steps[0].Message; !strings.Contains(msg, "no broker left to take the replica: moving-0, moving-1") {
		t.Errorf("move-away of broker %d: %q, want the partitions that cannot move", holder, msg)
	}
	e.assertNoThrottle("moving")
}

// holderOf is the broker whose own cluster (test brokers: each is one)
// has topic.
func (e *env) holderOf(topic string) int {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), time.Minute)
	defer cancel()
	for id := range 3 {
		r, err := kafkaclient.NewReassigner(ctx, kafkaclient.Security{}, e.brokerAddr(id))
		if err != nil {
			e.t.Fatal(err)
		}
		a, err := r.Assignment(ctx)
		r.Close()
		if err != nil {
			e.t.Fatal(err)
		}
		for _, p := range a.Partitions {
			if p.Topic == topic {
				return id
			}
		}
	}
	e.t.Fatalf("no broker has topic %s", topic)
	return -1
}

// brokerAddr is broker id's listener, as GET /v1/brokers/{id} gives it.
func (e *env) brokerAddr(id int) string {
	e.t.Helper()
	var b struct {
		Host string `json:"host"`
		Port int    `json:"port"`
	}
	e.getJSON("/v1/brokers/"+strconv.Itoa(id), &b)
	return net.JoinHostPort(b.Host, strconv.Itoa(b.Port))
}

// stepReasons lists a plan's steps with their status and reason.
func stepReasons(info plans.PlanInfo) string {
	var b strings.Builder
	for _, ph := range info.Phases {
		for _, st := range ph.Steps {
			fmt.Fprintf(&b, "\n  %s (%s): %s", st.Name, st.Status, st.Message)
		}
	}
	return b.String()
}

// assertNoThrottle checks, through each broker's own listener, that no
// broker has a replication throttle rate set and topic has no throttled
// replicas (on the broker whose cluster has it).
func (e *env) assertNoThrottle(topic string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), time.Minute)
	defer cancel()
	for id := range 3 {
		addr := e.brokerAddr(id)
		rates, err := kafkaclient.BrokerThrottles(ctx, kafkaclient.Security{}, addr, int32(id))
		if err != nil || len(rates) != 0 {
			e.t.Errorf("broker %d: throttle rates %v %v", id, rates, err)
		}
		r, err := kafkaclient.NewReassigner(ctx, kafkaclient.Security{}, addr)
		if err != nil {
			e.t.Fatal(err)
		}
		a, err := r.Assignment(ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, p := range a.Partitions {
			if p.Topic != topic || p.ID != 0 {
				continue
			}
			if th, err := r.TopicThrottles(ctx, []string{topic}); err != nil || len(th) != 0 {
				e.t.Errorf("broker %d: topic %s throttled replicas %v %v", id, topic, th, err)
			}
		}
		r.Close()
	}
}
