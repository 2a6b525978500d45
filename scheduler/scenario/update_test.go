package scenario_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/plans"
)

// serverIDs are the TaskIDs of the live tasks named like prefix.
func (e *env) taskIDs(prefix string) map[string]string {
	out := map[string]string{}
	for name, ts := range e.running() {
		if strings.HasPrefix(name, prefix) {
			for _, t := range ts {
				out[name] = t.ID
			}
		}
	}
	return out
}

// TestRollingUpdate: a changed env and cpus restart the hello pods one at
// a time, in place, with their volumes; world, unchanged, keeps running.
func TestRollingUpdate(t *testing.T) {
	stores(t, func(t *testing.T, e *env) {
		e.startScheduler()
		e.waitPlan(plans.DeployPlan, plans.Complete, deployTimeout)
		before := e.taskIDs("hello-")
		world := e.taskIDs("world-")
		agents := map[string]string{}
		for name, ts := range e.running() {
			agents[name] = ts[0].SlaveID
		}
		e.stopScheduler(false)

		e.vars["GREETING"] = "bonjour"
		e.vars["HELLO_CPUS"] = "0.3"
		e.startScheduler()
		// Watch that at most one hello server is ever down.
		var worst atomic.Int32
		stop := make(chan struct{})
		watched := make(chan struct{})
		go func() {
			defer close(watched)
			for {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				up := 0
				for name, ts := range e.running() {
					if strings.HasSuffix(name, "-server") && strings.HasPrefix(name, "hello-") && ts[0].State == "TASK_RUNNING" {
						up++
					}
				}
				if down := int32(2 - up); down > worst.Load() {
					worst.Store(down)
				}
			}
		}()
		e.waitFor(deployTimeout, "both servers relaunched", func() bool {
			now := e.taskIDs("hello-")
			return now["hello-0-server"] != before["hello-0-server"] && now["hello-1-server"] != before["hello-1-server"]
		})
		e.waitPlan(plans.DeployPlan, plans.Complete, deployTimeout)
		close(stop)
		<-watched
		if w := worst.Load(); w > 1 {
			t.Errorf("%d hello servers were down at once under a serial strategy", w)
		}
		for name, ts := range e.running() {
			if strings.HasPrefix(name, "hello-") && ts[0].SlaveID != agents[name] {
				t.Errorf("%s moved from %s to %s", name, agents[name], ts[0].SlaveID)
			}
		}
		// The relaunched server writes its greeting after it starts, which
		// may be after the plan completes: wait for it on each volume.
		for i := range 2 {
			e.waitFor(deployTimeout, fmt.Sprintf("hello-%d's volume to hold both greetings", i), func() bool {
				log, _ := e.volumeFile(i, "server.log")
				return strings.Contains(log, "hello from") && strings.Contains(log, "bonjour from")
			})
		}
		if now := e.taskIDs("world-"); now["world-0-server"] != world["world-0-server"] {
			t.Errorf("world was restarted by a change to hello: %v -> %v", world, now)
		}
		if now := e.taskIDs("hello-"); now["hello-0-init"] != "" || now["hello-1-init"] != "" {
			t.Errorf("ONCE tasks ran again: %v", now)
		}
	})
}

// TestScaleUpAndDecommission: 2 -> 4 adds two pods and leaves the others
// alone; 4 -> 2 without allow-decommission is refused with plan errors
// and changes nothing; with it, the last two are removed and their
// resources released.
func TestScaleUpAndDecommission(t *testing.T) {
	stores(t, func(t *testing.T, e *env) {
		e.startScheduler()
		e.waitPlan(plans.DeployPlan, plans.Complete, deployTimeout)
		first := e.taskIDs("hello-")
		e.stopScheduler(false)

		e.vars["HELLO_COUNT"] = "4"
		e.startScheduler()
		e.waitPlan(plans.DeployPlan, plans.Complete, deployTimeout)
		now := e.taskIDs("hello-")
		for _, name := range []string{"hello-0-server", "hello-1-server"} {
			if now[name] != first[name] {
				t.Errorf("%s was relaunched by a scale-up", name)
			}
		}
		if now["hello-2-server"] == "" || now["hello-3-server"] == "" {
			t.Fatalf("after scaling to 4: %v", now)
		}
		idsAt4, volsAt4 := e.reserved()
		e.stopScheduler(false)

		e.vars["HELLO_COUNT"] = "2"
		e.startScheduler()
		info, code, err := e.plan(plans.DeployPlan)
		if err != nil || code != 417 || len(info.Errors) == 0 || !strings.Contains(strings.Join(info.Errors, " "), "allow-decommission") {
			t.Fatalf("shrinking without allow-decommission: %d %v %v", code, info.Errors, err)
		}
		// Whatever the refused scheduler would do it decides by the time it
		// has handled its first offers: wait for that, then look.
		e.waitFor(60*time.Second, "the scheduler to handle an offer", func() bool {
			return e.schedulerCounter("kennel_offers_declined_total")+e.schedulerCounter("kennel_offers_accepted_total") > 0
		})
		if n := len(e.taskIDs("hello-")); n != 4 {
			t.Fatalf("a refused update changed the service: %d hello tasks run", n)
		}
		e.stopScheduler(false)

		e.vars["ALLOW_DECOMMISSION"] = "true"
		e.vars["HELLO_COUNT"] = "4"
		e.startScheduler() // allow-decommission alone restarts nothing
		e.waitPlan(plans.DeployPlan, plans.Complete, deployTimeout)
		e.stopScheduler(false)
		e.vars["HELLO_COUNT"] = "2"
		e.startScheduler()
		e.waitPlan(plans.DecommissionPlan, plans.Complete, deployTimeout)
		now = e.taskIDs("hello-")
		if now["hello-2-server"] != "" || now["hello-3-server"] != "" || now["hello-0-server"] == "" {
			t.Fatalf("after decommissioning: %v", now)
		}
		e.waitFor(30*time.Second, "the decommissioned pods' resources released", func() bool {
			ids, vols := e.reserved()
			return len(ids) == len(idsAt4)-2*8 && len(vols) == len(volsAt4)-2
		})
	})
}

// schedulerCounter reads a counter of the running scheduler's Prometheus
// metrics (0 when it has no sample yet).
func (e *env) schedulerCounter(name string) float64 {
	e.t.Helper()
	resp, err := http.Get(e.api + "/v1/metrics/prometheus")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	var sum float64
	for _, line := range strings.Split(string(b), "\n") {
		metric, value, ok := strings.Cut(line, " ")
		if !ok || (metric != name && !strings.HasPrefix(metric, name+"{")) {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			e.t.Fatalf("metric %q: %v", line, err)
		}
		sum += v
	}
	return sum
}
