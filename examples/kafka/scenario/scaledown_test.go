package scenario_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/plans"
)

// TestScaleDown: lowering brokers.count from 4 to 3 is refused while
// broker 3 holds replicas: the scheduler's decommission check (what
// `update start --dry-run` asks) says so, and at the update the previous
// configuration stays and the deploy plan says why and names `kennel
// broker drain 3`. The test broker
// is not Kafka: broker 3 is a single-node cluster of its own, so
// `broker drain 3` cannot move its topic anywhere and fails saying so;
// once the topic is gone, the drain completes and the lower count
// decommissions kafka-3. (The drain moving replicas is shown on kfake:
// examples/kafka/brokers' TestDrainGuardOnKfake.)
func TestScaleDown(t *testing.T) {
	if !hasCommand("kafka", "test-broker") || !hasCommand("broker", "drain") {
		t.Skip("SKIPPED: this kennel has no `kafka test-broker` or `broker drain` commands")
	}
	t.Parallel()
	e := newEnv(t, 4, nil)
	e.vars["BROKER_COUNT"] = "4"
	e.startScheduler()
	e.waitPlan("deploy", plans.Complete, deployTimeout)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	admin := kafkaclient.NewAdmin(e.brokerAddr(3))
	defer admin.Close()
	if err := admin.CreateTopic(ctx, kafkaclient.TopicSpec{Name: "kept", Partitions: 2, ReplicationFactor: 1}); err != nil {
		t.Fatal(err)
	}

	// What `update start --dry-run` asks the scheduler before the update.
	if code, body := e.do("GET", "/v1/decommission-check?instance=kafka-3"); code != 200 ||
		!strings.Contains(body, "cannot remove brokers 3 while they hold replicas (broker 3 holds 2 replicas)") {
		t.Errorf("decommission check: %d %s", code, body)
	}
	if code, body := e.do("GET", "/v1/decommission-check?instance=kafka-0"); code != 200 ||
		!strings.Contains(body, "broker 0 cannot be removed: it is a KRaft controller") {
		t.Errorf("decommission check of a controller: %d %s", code, body)
	}

	e.stopScheduler()
	e.vars["BROKER_COUNT"] = "3"
	e.startScheduler()
	e.waitPlan("deploy", plans.Error, stepTimeout)
	var info plans.PlanInfo
	_, body := e.do("GET", "/v1/plans/deploy")
	if err := json.Unmarshal([]byte(body), &info); err != nil {
		t.Fatal(err)
	}
	want := "pods.kafka.count: cannot remove brokers 3 while they hold replicas (broker 3 holds 2 replicas): `kennel broker drain 3` moves them"
	if errs := strings.Join(info.Errors, "\n"); !strings.Contains(errs, want) {
		t.Errorf("deploy plan errors:\n%s\nwant %q", errs, want)
	}
	t.Logf("refused: %s", strings.Join(info.Errors, "; "))
	if _, ok := e.running()["kafka-3-broker"]; !ok {
		t.Error("kafka-3 is gone although the scale-down was refused")
	}

	e.cli("broker", "drain", "3")
	e.waitPlan("drain-brokers", plans.Error, stepTimeout)
	_, body = e.do("GET", "/v1/plans/drain-brokers")
	if err := json.Unmarshal([]byte(body), &info); err != nil {
		t.Fatal(err)
	}
	t.Logf("drain on the test broker:%s", stepReasons(info))

	if err := admin.DeleteTopic(ctx, "kept"); err != nil {
		t.Fatal(err)
	}
	e.cli("broker", "drain", "3")
	e.waitPlan("drain-brokers", plans.Complete, stepTimeout)
	e.getJSON("/v1/plans/drain-brokers", &info)
	t.Logf("drain:%s", stepReasons(info))

	e.stopScheduler() // the update again, now that broker 3 holds nothing
	e.startScheduler()
	e.waitPlan("deploy", plans.Complete, deployTimeout)
	e.waitFor(stepTimeout, "kafka-3 decommissioned", func() bool {
		_, ok := e.running()["kafka-3-broker"]
		return !ok
	})
}
