package scenario_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/plans"
)

// metadataVersion is what test broker i says of metadata.version: the
// highest level its release supports and the finalized one.
func (e *env) metadataVersion(b testBroker) (supported kafkaclient.Range, finalized int16) {
	e.t.Helper()
	addr := strings.TrimPrefix(b.props["advertised.listeners"], "PLAINTEXT://")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := kafkaclient.Dial(ctx, addr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer c.Close()
	f, err := c.DescribeFeatures(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return f.Supported[kafkaclient.MetadataVersion], f.Finalized[kafkaclient.MetadataVersion]
}

// TestUpgrade is the one-command upgrade as the scheduler lives it: three
// test brokers installed playing Kafka 4.0 (metadata.version 4.0-IV3),
// then the scheduler restarted with the next release's KAFKA_VERSION (what
// `update start --package-version` changes in its Marathon app). The
// update plan rolls every broker once, on its agent and volume, as the
// same node of the same cluster; the brokers then support 4.1-IV1 but
// keep 4.0-IV3 until the plan's finalize phase, which starts only once
// the broker phase is COMPLETE, raises it; the plan ends COMPLETE.
func TestUpgrade(t *testing.T) {
	if !hasCommand("kafka", "test-broker") {
		t.Skip("SKIPPED: this kennel has no `kafka test-broker` command")
	}
	t.Parallel()
	e := newEnv(t, 3, nil)
	e.vars["BROKER_COUNT"] = "3"
	e.vars["KAFKA_VERSION"] = "2.13-4.0.0"
	e.startScheduler()
	e.waitPlan("deploy", plans.Complete, deployTimeout)
	before := map[int]testBroker{}
	for i := range 3 {
		before[i] = e.testBrokerOf(i)
		sup, fin := e.metadataVersion(before[i])
		if sup.Max != 25 || fin != 25 {
			t.Fatalf("kafka-%d on 4.0: supports up to %d, finalized %d; want 25 (4.0-IV3)", i, sup.Max, fin)
		}
	}

	e.stopScheduler()
	e.vars["KAFKA_VERSION"] = "2.13-4.1.1"
	start := time.Now()
	e.startScheduler()
	launches := map[string]map[string]bool{}
	finalizeEarly, reasons := "", []string{}
	var last plans.PlanInfo
	e.waitFor(deployTimeout, "the upgrade's plan COMPLETE", func() bool {
		for name, task := range e.running() {
			if launches[name] == nil {
				launches[name] = map[string]bool{}
			}
			launches[name][task.ID] = true
		}
		last = plans.PlanInfo{}
		resp, err := http.Get(e.api + "/v1/plans/deploy")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		if json.NewDecoder(resp.Body).Decode(&last) != nil || len(last.Phases) != 2 {
			return false
		}
		if m := last.Phases[1].Steps[0].Message; len(reasons) == 0 || reasons[len(reasons)-1] != m {
			reasons = append(reasons, m)
		}
		if fin := last.Phases[1]; fin.Status != plans.Pending && last.Phases[0].Status != plans.Complete && finalizeEarly == "" {
			finalizeEarly = last.Tree("deploy") + stepMessages(last)
		}
		return last.Status == plans.Complete && last.Phases[1].Steps[0].Status == string(plans.Complete)
	}, func() string { return last.Tree("deploy") + stepMessages(last) })
	t.Logf("3 brokers upgraded and metadata.version finalized in %s", time.Since(start).Round(time.Millisecond))
	t.Logf("plan:\n%s", last.Tree("deploy"))
	t.Logf("the finalize step's reasons, as polled: %q", reasons)
	if logs, err := os.ReadFile(e.logs.Name()); err == nil {
		for _, line := range strings.Split(string(logs), "\n") {
			if strings.Contains(line, `msg="action ran"`) {
				t.Logf("scheduler: %s", line[strings.Index(line, "msg="):])
			}
		}
	}
	if finalizeEarly != "" {
		t.Errorf("the finalize phase started before the broker phase was COMPLETE:\n%s", finalizeEarly)
	}
	if names := []string{last.Phases[0].Name, last.Phases[1].Name}; names[0] != "broker" || names[1] != "finalize" {
		t.Errorf("phases %v, want broker, finalize", names)
	}
	fin := last.Phases[1].Steps[0]
	if fin.Name != "finalize-metadata-version" || !strings.Contains(fin.Message, "metadata.version is 27 (4.1-IV1) on every broker") {
		t.Errorf("finalize step %s: %q", fin.Name, fin.Message)
	}
	for i := range 3 {
		name := fmt.Sprintf("kafka-%d-broker", i)
		after := e.testBrokerOf(i)
		if n := len(launches[name]); after.taskID == before[i].taskID || n > 2 {
			t.Errorf("%s: launches seen %v (before %s, after %s): want exactly one relaunch", name, launches[name], before[i].taskID, after.taskID)
		}
		if after.agent != before[i].agent || after.meta["node.id"] != before[i].meta["node.id"] ||
			after.meta["cluster.id"] != before[i].meta["cluster.id"] || after.meta["directory.id"] != before[i].meta["directory.id"] {
			t.Errorf("%s changed identity: agent %s→%s, meta.properties %v → %v", name, before[i].agent, after.agent, before[i].meta, after.meta)
		}
		sup, fin := e.metadataVersion(after)
		if sup.Max != 27 || fin != 27 {
			t.Errorf("%s on 4.1: supports up to %d, finalized %d; want 27 (4.1-IV1)", name, sup.Max, fin)
		}
	}
}
