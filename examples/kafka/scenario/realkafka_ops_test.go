package scenario_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/examples/kafka/durability"
	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/plans"
)

// TestRealKafkaOperations runs an acks=all producer (durability: idempotent,
// Kafka's default delivery and request timeouts, 50 records/s) against real
// Kafka brokers on the local cluster through the operations that must
// never cost availability, and asserts that not one send failed and that
// every acknowledged record is read back exactly once:
//
//  1. a rolling configuration update of log.retention.hours (read-only in
//     Kafka: every broker restarts, through the roll gates);
//  2. `kennel broker move 1` to COMPLETE, leaving no throttle behind;
//  3. an upgrade to the release KAFKA_UPGRADE_TGZ holds, as `update start
//     --package-version` does it (the scheduler restarted with the new
//     KAFKA_URI and KAFKA_VERSION), to COMPLETE with metadata.version
//     finalized.
//
// Four brokers: the topic has replication factor 3 and
// min.insync.replicas 2, and moving broker 1's replicas away needs a
// broker outside each replica set. Sends, failures and the p99 ack
// latency are logged per operation.
//
// It is skipped without KAFKA_TGZ (a Kafka 4.x tarball) or java; the
// upgrade is skipped (logged, the rest runs) without KAFKA_UPGRADE_TGZ, a
// later release's tarball. Nothing runs before those checks. It has never
// run on the machine it was written on: that has no Kafka distribution
// and no way to download one (Maven Central and apache.org unreachable);
// the producer and read-back it uses are tested against kfake in
// examples/kafka/durability.
func TestRealKafkaOperations(t *testing.T) {
	abs, version := realKafkaTarball(t, "KAFKA_TGZ")
	upgradeTo, upgradeVersion, upgradeSkip := upgradeTarball(t, version)
	if upgradeSkip != "" {
		t.Logf("the upgrade part will be SKIPPED: %s", upgradeSkip)
	}
	t.Parallel()
	const brokers = 4
	e := newEnv(t, brokers, nil)
	for k, v := range map[string]string{
		"BROKER_COUNT": fmt.Sprint(brokers), "KAFKA_TEST_BROKER": "false", "KAFKA_URI": "file://" + abs, "KAFKA_VERSION": version,
		"BROKER_CPUS": "0.5", "BROKER_MEM": "1024", "BROKER_JAVA_HEAP_MB": "256", "BROKER_DISK_MB": "1024",
		"READINESS_CHECK_INTERVAL": "2", "KAFKA_DEFAULT_REPLICATION_FACTOR": "3", "KAFKA_MIN_INSYNC_REPLICAS": "2",
	} {
		e.vars[k] = v
	}
	e.startScheduler()
	e.waitPlan("deploy", plans.Complete, realKafkaTimeout)

	var ep wire.Endpoint
	if err := json.Unmarshal([]byte(e.cli("endpoints", "broker")), &ep); err != nil {
		t.Fatal(err)
	}
	if len(ep.Address) != brokers {
		t.Fatalf("endpoint broker: %v", ep.Address)
	}
	cfg := durability.Config{Seeds: ep.Address, Topic: "durable", Rate: 50}
	var err error
	e.waitFor(stepTimeout, "topic durable (6 partitions, RF 3, min.insync.replicas 2) created", func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		err = durability.EnsureTopic(ctx, cfg, 6, 3, 2)
		return err == nil
	}, func() string { return fmt.Sprint(err) })
	p, err := durability.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			p.Stop(context.Background())
		}
	})
	e.waitFor(stepTimeout, "the producer's first acks", func() bool { return len(p.Result().Acked) >= 100 })

	// 1. A rolling update: every broker restarts.
	p.Window("rolling update")
	before := map[string]string{}
	for name, task := range e.running() {
		before[name] = task.ID
	}
	e.stopScheduler()
	e.vars["KAFKA_LOG_RETENTION_HOURS"] = "24" // svc.env has 168; read-only in Kafka
	e.startScheduler()
	e.waitRolled("the rolling update", before, realKafkaTimeout)

	// 2. Broker 1 moved away, replaced, moved back.
	p.Window("broker move 1")
	e.cli("broker", "move", "1")
	e.waitPlan("move-broker", plans.Complete, realKafkaTimeout)
	e.assertNoThrottleOn(brokers, cfg.Topic)

	// 3. The upgrade, its metadata.version finalized.
	if upgradeSkip == "" {
		p.Window("upgrade to " + upgradeVersion)
		before = map[string]string{}
		for name, task := range e.running() {
			before[name] = task.ID
		}
		e.stopScheduler()
		e.vars["KAFKA_URI"], e.vars["KAFKA_VERSION"] = "file://"+upgradeTo, upgradeVersion
		e.startScheduler()
		e.waitRolled("the upgrade with metadata.version finalized", before, realKafkaTimeout)
		var info plans.PlanInfo
		e.getJSON("/v1/plans/deploy", &info)
		if len(info.Phases) != 2 || info.Phases[1].Name != "finalize" || info.Phases[1].Status != plans.Complete {
			t.Errorf("the upgrade's plan:\n%s", info.Tree("deploy")+stepMessages(info))
		} else {
			t.Logf("finalize: %s", info.Phases[1].Steps[0].Message)
		}
	}

	p.Window("after")
	e.waitFor(stepTimeout, "acks after the operations", func() bool {
		for _, w := range p.Result().Windows {
			if w.Name == "after" {
				return w.Acked >= 50
			}
		}
		return false
	})
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute) // the delivery timeout and then some
	defer cancel()
	r := p.Stop(ctx)
	stopped = true
	for _, w := range r.Windows {
		t.Logf("producer: %s", w)
	}
	if r.Failed != 0 || r.Pending != 0 || r.FlushErr != nil {
		t.Errorf("%d of %d sends failed, %d unanswered (flush: %v): %v", r.Failed, r.Sent, r.Pending, r.FlushErr, r.Errors)
	}
	// Read back through the brokers' listeners as they are now (a
	// replaced broker may have moved).
	if err := json.Unmarshal([]byte(e.cli("endpoints", "broker")), &ep); err != nil {
		t.Fatal(err)
	}
	cfg.Seeds = ep.Address
	chk, err := durability.Verify(ctx, cfg, r.Acked)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("read back: %s", chk)
	if !chk.OK() {
		t.Errorf("read back: %s", chk)
	}
	if upgradeSkip != "" {
		t.Logf("the upgrade part was SKIPPED: %s", upgradeSkip)
	}
}

// waitRolled waits until every task of before runs again as a new launch
// and the deploy plan is COMPLETE.
func (e *env) waitRolled(what string, before map[string]string, d time.Duration) {
	e.t.Helper()
	start := time.Now()
	var last plans.PlanInfo
	e.waitFor(d, what, func() bool {
		running := e.running()
		for name, id := range before {
			if task, ok := running[name]; !ok || task.State != "TASK_RUNNING" || task.ID == id {
				return false
			}
		}
		last = plans.PlanInfo{}
		resp, err := http.Get(e.api + "/v1/plans/deploy")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(&last) == nil && last.Status == plans.Complete
	}, func() string { return last.Tree("deploy") + stepMessages(last) })
	e.t.Logf("%s: COMPLETE after %s", what, time.Since(start).Round(time.Millisecond))
}

// assertNoThrottleOn checks that none of brokers brokers has a
// replication throttle rate and topic has no throttled replicas (real
// Kafka: one cluster, any broker answers for the topic).
func (e *env) assertNoThrottleOn(brokers int, topic string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), time.Minute)
	defer cancel()
	var addrs []string
	for id := range brokers {
		addr := e.brokerAddr(id)
		addrs = append(addrs, addr)
		if rates, err := kafkaclient.BrokerThrottles(ctx, kafkaclient.Security{}, addr, int32(id)); err != nil || len(rates) != 0 {
			e.t.Errorf("broker %d: throttle rates %v %v", id, rates, err)
		}
	}
	r, err := kafkaclient.NewReassigner(ctx, kafkaclient.Security{}, addrs...)
	if err != nil {
		e.t.Fatal(err)
	}
	defer r.Close()
	if th, err := r.TopicThrottles(ctx, []string{topic}); err != nil || len(th) != 0 {
		e.t.Errorf("topic %s: throttled replicas %v %v (%s)", topic, th, err, strings.Join(addrs, ","))
	}
}

// upgradeTarball is the path and version of the release KAFKA_UPGRADE_TGZ
// holds, or why the upgrade cannot run: it is unset, or the same release
// as from. A KAFKA_UPGRADE_TGZ set but unusable skips the test as
// realKafkaTarball says.
func upgradeTarball(t *testing.T, from string) (abs, version, skip string) {
	t.Helper()
	if os.Getenv("KAFKA_UPGRADE_TGZ") == "" {
		return "", "", "KAFKA_UPGRADE_TGZ is not set (a later Kafka 4.x release's kafka_<scala>-<version>.tgz than KAFKA_TGZ's)"
	}
	abs, version = realKafkaTarball(t, "KAFKA_UPGRADE_TGZ")
	if version == from {
		return "", "", fmt.Sprintf("KAFKA_UPGRADE_TGZ is the same release as KAFKA_TGZ (%s)", from)
	}
	return abs, version, ""
}

func TestUpgradeTarball(t *testing.T) {
	dir := t.TempDir()
	later := filepath.Join(dir, "kafka_2.13-4.1.1.tgz")
	if err := os.WriteFile(later, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("java"); err != nil {
		t.Skipf("SKIPPED: no java on PATH, which realKafkaTarball asks for: %v", err)
	}
	for _, tc := range []struct{ value, from, version, skip string }{
		{"", "2.13-4.0.0", "", "KAFKA_UPGRADE_TGZ is not set"},
		{later, "2.13-4.1.1", "", "the same release as KAFKA_TGZ (2.13-4.1.1)"},
		{later, "2.13-4.0.0", "2.13-4.1.1", ""},
	} {
		t.Setenv("KAFKA_UPGRADE_TGZ", tc.value)
		abs, version, skip := upgradeTarball(t, tc.from)
		if version != tc.version || !strings.Contains(skip, tc.skip) || (tc.skip == "") != (skip == "") || (version != "" && abs != later) {
			t.Errorf("KAFKA_UPGRADE_TGZ=%q from %s: %q %q %q; want version %q, skip %q", tc.value, tc.from, abs, version, skip, tc.version, tc.skip)
		}
	}
}
