package scenario_test

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/plans"
)

// testBroker is what a running test broker's sandbox shows: its rendered
// server.properties and the meta.properties it formatted on its volume.
type testBroker struct {
	taskID, agent string
	props, meta   map[string]string
}

func (e *env) testBrokerOf(i int) testBroker {
	e.t.Helper()
	name := fmt.Sprintf("kafka-%d-broker", i)
	var b testBroker
	e.waitFor(stepTimeout, name+" formatted", func() bool {
		task, ok := e.running()[name]
		if !ok || task.State != "TASK_RUNNING" {
			return false
		}
		text, ok1 := e.sandboxFile(task.ID, "kafka-config/server.properties")
		meta, ok2 := e.sandboxFile(task.ID, "kafka-data/logs/meta.properties")
		b = testBroker{taskID: task.ID, agent: task.SlaveID, props: properties(text), meta: properties(meta)}
		return ok1 && ok2
	})
	return b
}

// TestTestBroker runs examples/kafka as it is with KAFKA_TEST_BROKER=true:
// the kfake-based test broker and the Go readiness probe. 3 brokers
// deploy; the broker endpoint lists addresses a client on this host
// reaches (kcat -L, when installed, finds each broker's node id there, and
// records written through kafka-go are read back through kcat -C); a
// crashed broker comes back on its agent and volume as the same node with
// its records; pod replace kafka-1 gives node 1 a fresh volume (its
// records gone: the test broker does not replicate); scaling to 5 adds
// nodes 3 and 4.
func TestTestBroker(t *testing.T) {
	if !hasCommand("kafka", "test-broker") || !hasCommand("kafka", "probe") {
		t.Skip("SKIPPED: this kennel has no `kafka test-broker` and `kafka probe` commands " +
			"(they come with the kbroker branch); the Kafka scheduler's part runs in TestSeam")
	}
	t.Parallel()
	e := newEnv(t, 5, nil)
	e.vars["BROKER_COUNT"] = "3"
	start := time.Now()
	e.startScheduler()
	e.waitPlan("deploy", plans.Complete, deployTimeout)
	t.Logf("3 test brokers COMPLETE %s after the scheduler started", time.Since(start).Round(time.Millisecond))

	brokers := map[int]testBroker{}
	for i := range 3 {
		brokers[i] = e.testBrokerOf(i)
		if brokers[i].meta["node.id"] != fmt.Sprint(i) || brokers[i].meta["cluster.id"] == "" {
			t.Errorf("kafka-%d meta.properties: %v", i, brokers[i].meta)
		}
	}
	var ep wire.Endpoint
	if err := json.Unmarshal([]byte(e.cli("endpoints", "broker")), &ep); err != nil {
		t.Fatal(err)
	}
	if len(ep.Address) != 3 {
		t.Fatalf("endpoint broker: %v", ep.Address)
	}
	if kcat, err := exec.LookPath("kcat"); err == nil {
		for i, b := range brokers {
			addr := strings.TrimPrefix(b.props["advertised.listeners"], "PLAINTEXT://")
			out, err := exec.Command(kcat, "-L", "-b", addr, "-m", "10").CombinedOutput()
			if want := fmt.Sprintf("broker %d at %s", i, addr); err != nil || !strings.Contains(string(out), want) {
				t.Errorf("kcat -L -b %s: %v, want %q in:\n%s", addr, err, want, out)
			}
			if !slices.Contains(ep.Address, addr) {
				t.Errorf("endpoint broker %v lacks %s", ep.Address, addr)
			}
		}
	} else {
		t.Log("kcat is not installed: the brokers' node ids and records are not checked from outside")
	}
	kcat, kcatErr := exec.LookPath("kcat")
	addrOf := func(b testBroker) string { return strings.TrimPrefix(b.props["advertised.listeners"], "PLAINTEXT://") }
	// Records written through kafka-go and read back through kcat, at the
	// broker endpoint's addresses. Each test broker is a cluster of its
	// own (nothing replicates), so a topic lives on the broker it was
	// created on: "before-crash" on kafka-2, "before-replace" on kafka-1.
	if kcatErr == nil {
		e.produce(addrOf(brokers[2]), "before-crash", 1, 1, "a", "b", "c")
		e.waitRecords(kcat, addrOf(brokers[2]), "before-crash", "a", "b", "c")
		e.produce(addrOf(brokers[1]), "before-replace", 1, 1, "x", "y")
		e.waitRecords(kcat, addrOf(brokers[1]), "before-replace", "x", "y")
	}

	// A crashed broker: same agent, same volume, same node id.
	if err := e.client.CrashTask(t.Context(), brokers[2].taskID); err != nil {
		t.Fatal(err)
	}
	e.waitFor(stepTimeout, "kafka-2 relaunched", func() bool {
		task, ok := e.running()["kafka-2-broker"]
		return ok && task.ID != brokers[2].taskID && task.State == "TASK_RUNNING"
	})
	e.waitPlan("recovery", plans.Complete, stepTimeout)
	again := e.testBrokerOf(2)
	if again.agent != brokers[2].agent || again.meta["node.id"] != "2" || again.meta["directory.id"] != brokers[2].meta["directory.id"] {
		t.Errorf("kafka-2 after a crash: agent %s (was %s), meta %v (was %v)", again.agent, brokers[2].agent, again.meta, brokers[2].meta)
	}
	if kcatErr == nil {
		// Its data came back with it: the records written before the crash.
		e.waitRecords(kcat, addrOf(again), "before-crash", "a", "b", "c")
	}

	// pod replace kafka-1: node 1 on a freshly formatted volume.
	e.cli("pod", "replace", "kafka-1")
	e.waitFor(stepTimeout, "kafka-1 replaced", func() bool {
		task, ok := e.running()["kafka-1-broker"]
		return ok && task.ID != brokers[1].taskID && task.State == "TASK_RUNNING"
	})
	e.waitPlan("recovery", plans.Complete, stepTimeout)
	replaced := e.testBrokerOf(1)
	if replaced.meta["node.id"] != "1" || replaced.meta["cluster.id"] != brokers[0].meta["cluster.id"] ||
		(replaced.meta["directory.id"] != "" && replaced.meta["directory.id"] == brokers[1].meta["directory.id"]) {
		t.Errorf("kafka-1 replaced: meta %v (was %v)", replaced.meta, brokers[1].meta)
	}
	if kcatErr == nil {
		// A fresh volume: the test broker does not replicate, so the
		// records kafka-1 held are gone (real Kafka with RF 3 would copy
		// them back from the other replicas), and it takes new ones.
		if e.hasTopic(addrOf(replaced), "before-replace") {
			t.Errorf("kafka-1 on a fresh volume still has topic before-replace")
		}
		e.produce(addrOf(replaced), "after-replace", 1, 1, "z")
		e.waitRecords(kcat, addrOf(replaced), "after-replace", "z")
	}

	// Scale 3 → 5.
	e.stopScheduler()
	e.vars["BROKER_COUNT"] = "5"
	e.startScheduler()
	e.waitFor(deployTimeout, "kafka-4 running", func() bool { _, ok := e.running()["kafka-4-broker"]; return ok })
	e.waitPlan("deploy", plans.Complete, deployTimeout)
	for i := 3; i < 5; i++ {
		b := e.testBrokerOf(i)
		if b.meta["node.id"] != fmt.Sprint(i) || b.props["process.roles"] != "broker" {
			t.Errorf("kafka-%d: meta %v, roles %s", i, b.meta, b.props["process.roles"])
		}
	}
}
