package scenario_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/plans"
)

// TestRollingUpdate: a configuration update (log.retention.hours) of three
// test brokers rolls them one at a time through the roll gates: while the
// update runs, no two brokers are down together and no two steps are in
// progress together; each restart was let through by its broker's
// before-restart gate, and each broker after the first by its
// predecessor's after-ready gate, in that order.
func TestRollingUpdate(t *testing.T) {
	if !hasCommand("kafka", "test-broker") || !hasCommand("kafka", "probe") {
		t.Skip("SKIPPED: this kennel has no `kafka test-broker` and `kafka probe` commands")
	}
	t.Parallel()
	e := newEnv(t, 3, nil)
	e.vars["BROKER_COUNT"] = "3"
	e.startScheduler()
	e.waitPlan("deploy", plans.Complete, deployTimeout)
	before := map[string]string{}
	for name, task := range e.running() {
		before[name] = task.ID
	}
	if len(before) != 3 {
		t.Fatalf("brokers running: %v", before)
	}

	e.stopScheduler()
	e.vars["KAFKA_LOG_RETENTION_HOURS"] = "24" // read-only in Kafka: a restart
	start := time.Now()
	e.startScheduler()
	reasons := map[string]bool{}
	maxDown, maxBusy := 0, 0
	var last plans.PlanInfo
	e.waitFor(deployTimeout, "every broker relaunched and the update COMPLETE", func() bool {
		running := e.running()
		down, relaunched := 0, 0
		for name, id := range before {
			task, ok := running[name]
			switch {
			case !ok || task.State != "TASK_RUNNING":
				down++
			case task.ID != id:
				relaunched++
			}
		}
		maxDown = max(maxDown, down)
		last = plans.PlanInfo{}
		resp, err := http.Get(e.api + "/v1/plans/deploy")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		if json.NewDecoder(resp.Body).Decode(&last) != nil {
			return false
		}
		busy := 0
		for _, ph := range last.Phases {
			for _, st := range ph.Steps {
				switch plans.Status(st.Status) {
				case plans.Prepared, plans.Starting, plans.Started:
					busy++
				}
				if strings.HasPrefix(st.Message, "waiting: ") {
					reasons[st.Name+": "+st.Message] = true
				}
			}
		}
		maxBusy = max(maxBusy, busy)
		return relaunched == 3 && down == 0 && last.Status == plans.Complete
	}, func() string { return last.Tree("deploy") + stepMessages(last) })
	t.Logf("3 brokers rolled in %s; gate reasons seen on steps: %v", time.Since(start).Round(time.Millisecond), slices.Sorted(maps.Keys(reasons)))
	if maxDown > 1 || maxBusy > 1 {
		t.Errorf("up to %d brokers down and %d steps in progress together, want at most 1", maxDown, maxBusy)
	}

	// The scheduler's log: every restart passed its gate, one at a time.
	logs, err := os.ReadFile(e.logs.Name())
	if err != nil {
		t.Fatal(err)
	}
	gate := regexp.MustCompile(`gate answered" gate=(\S+) instance=(kafka-\d) pass=true`)
	var passes []string
	for _, m := range gate.FindAllStringSubmatch(string(logs), -1) {
		passes = append(passes, m[1]+" "+m[2])
	}
	want := []string{"before-restart kafka-0", "after-ready kafka-0", "before-restart kafka-1", "after-ready kafka-1", "before-restart kafka-2"}
	if got := dedupe(passes); !slices.Equal(got[:min(len(got), len(want))], want) {
		t.Errorf("gates passed in the order %v, want %v first", got, want)
	}
}

// dedupe drops consecutive repeats (a gate asked again before its pass
// was used).
func dedupe(s []string) []string { return slices.Compact(slices.Clone(s)) }
