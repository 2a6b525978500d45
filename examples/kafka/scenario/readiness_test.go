package scenario_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/plans"
)

// TestReadinessReason: while a broker is not ready, its deploy step says
// what the probe waits for — the probe's one line, carried by the Kennel
// executor's check update and shown by the scheduler. The readiness check
// here asks the real test broker about node 7 (the broker is node 0), so
// it never passes.
func TestReadinessReason(t *testing.T) {
	if !hasCommand("kafka", "test-broker") || !hasCommand("kafka", "probe") {
		t.Skip("SKIPPED: this kennel has no `kafka test-broker` and `kafka probe` commands")
	}
	t.Parallel()
	const probe = "cmd: ./kennel kafka probe --config kafka-config/server.properties"
	e := newEnv(t, 1, func(svc string) string {
		if !strings.Contains(svc, probe) {
			t.Fatalf("svc.yml has no %q", probe)
		}
		return strings.Replace(svc, probe, "cmd: sed 's/^node.id=.*/node.id=7/' kafka-config/server.properties > "+
			"not-me.properties && ./kennel kafka probe --config not-me.properties", 1)
	})
	e.vars["BROKER_COUNT"] = "1"
	e.startScheduler()
	want := "task kafka-0-broker running, waiting for its readiness check: not ready: broker 7 not in metadata yet (brokers: 0)"
	var last plans.PlanInfo
	e.waitFor(deployTimeout, "the step reason naming what the probe waits for", func() bool {
		resp, err := http.Get(e.api + "/v1/plans/deploy") // 202 while in progress
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		last = plans.PlanInfo{}
		if json.NewDecoder(resp.Body).Decode(&last) != nil {
			return false
		}
		for _, ph := range last.Phases {
			for _, st := range ph.Steps {
				if st.Status == string(plans.Started) && st.Message == want {
					return true
				}
			}
		}
		return false
	}, func() string { return last.Tree("deploy") + stepMessages(last) })
}
