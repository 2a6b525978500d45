package scenario_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/plans"
)

// TestInPlaceUpdate: an update that changes only log.segment.bytes (a
// config Kafka changes at runtime) restarts no broker: the scheduler
// applies it with IncrementalAlterConfigs, every broker then describes
// the new value, the deploy plan is COMPLETE with the same task ids, and
// a broker restarted afterwards renders the new value in its
// server.properties (its task runs the new target).
func TestInPlaceUpdate(t *testing.T) {
	if !hasCommand("kafka", "test-broker") || !hasCommand("kafka", "probe") {
		t.Skip("SKIPPED: this kennel has no `kafka test-broker` and `kafka probe` commands")
	}
	t.Parallel()
	e := newEnv(t, 3, nil)
	e.vars["BROKER_COUNT"] = "3"
	e.startScheduler()
	e.waitPlan("deploy", plans.Complete, deployTimeout)
	before := map[string]string{}
	addrs := map[int]string{}
	for i := range 3 {
		b := e.testBrokerOf(i)
		before["kafka-"+strconv.Itoa(i)+"-broker"] = b.taskID
		addrs[i] = strings.TrimPrefix(b.props["advertised.listeners"], "PLAINTEXT://")
		if got := b.props["log.segment.bytes"]; got != "1073741824" {
			t.Fatalf("kafka-%d server.properties log.segment.bytes=%s, want svc.env's 1073741824", i, got)
		}
	}

	e.stopScheduler()
	e.vars["KAFKA_LOG_SEGMENT_BYTES"] = "536870912"
	start := time.Now()
	e.startScheduler()
	segment := func(i int) string {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		c, err := kafkaclient.Dial(ctx, addrs[i])
		if err != nil {
			return "unreachable: " + err.Error()
		}
		defer c.Close()
		got, err := c.BrokerConfigs(ctx, strconv.Itoa(i), []string{"log.segment.bytes"})
		if err != nil {
			return err.Error()
		}
		return got["log.segment.bytes"]
	}
	var seen []string
	e.waitFor(stepTimeout, "every broker describing log.segment.bytes=536870912", func() bool {
		seen = nil
		for i := range 3 {
			seen = append(seen, segment(i))
		}
		return seen[0] == "536870912" && seen[1] == "536870912" && seen[2] == "536870912"
	}, func() string { return "brokers describe " + strings.Join(seen, ", ") })
	e.waitPlan("deploy", plans.Complete, stepTimeout)
	t.Logf("log.segment.bytes applied in place to 3 brokers %s after the scheduler restarted", time.Since(start).Round(time.Millisecond))
	for name, id := range before {
		if task, ok := e.running()[name]; !ok || task.ID != id || task.State != "TASK_RUNNING" {
			t.Errorf("%s: %+v, want still running as %s", name, task, id)
		}
	}
	logs, err := os.ReadFile(e.logs.Name())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"configuration changed in place", "in-place configuration applied"} {
		if !strings.Contains(string(logs), want) {
			t.Errorf("the scheduler's log lacks %q", want)
		}
	}

	// A later restart launches the new target: the value is now static.
	e.cli("pod", "restart", "kafka-1")
	e.waitFor(stepTimeout, "kafka-1 restarted", func() bool {
		task, ok := e.running()["kafka-1-broker"]
		return ok && task.ID != before["kafka-1-broker"] && task.State == "TASK_RUNNING"
	})
	if got := e.testBrokerOf(1).props["log.segment.bytes"]; got != "536870912" {
		t.Errorf("kafka-1 restarted with log.segment.bytes=%s in server.properties, want 536870912", got)
	}
	for name, id := range before {
		if name == "kafka-1-broker" {
			continue
		}
		if task, ok := e.running()[name]; !ok || task.ID != id {
			t.Errorf("%s restarted (%+v), want still %s", name, task, id)
		}
	}
}
