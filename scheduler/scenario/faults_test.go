package scenario_test

import (
	"maps"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/deploy/local"
	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler/offer"
)

// TestSchedulerKilledDuringDeploy kills the scheduler with SIGKILL at
// random points of a deploy, twenty times. After the last restart the
// deploy completes with no task running twice, every stored task's
// reservations and volumes present, and no reservation that no task
// claims.
func TestSchedulerKilledDuringDeploy(t *testing.T) {
	stores(t, func(t *testing.T, e *env) {
		seed := time.Now().UnixNano()
		rng := rand.New(rand.NewPCG(uint64(seed), 0))
		t.Logf("seed %d", seed)
		e.vars["HELLO_COUNT"] = "4"
		for range 20 {
			e.startScheduler()
			// The random point of the deploy at which to kill: the sleep
			// is what is tested, not a wait for something to happen.
			time.Sleep(time.Duration(100+rng.IntN(1400)) * time.Millisecond)
			e.stopScheduler(true)
		}
		e.startScheduler()
		e.waitPlan(plans.DeployPlan, plans.Complete, 3*deployTimeout)
		for name, ts := range e.running() {
			if len(ts) > 1 {
				t.Errorf("%s runs %d times", name, len(ts))
			}
		}
		for i := range 4 {
			if init, ok := e.volumeFile(i, "init.log"); !ok || strings.Count(init, "initialised") != 1 {
				t.Errorf("hello-%d: init.log %q", i, init)
			}
		}
		// The sweep releases what the killed schedulers left unclaimed:
		// wait until the agents' reservations are the stored claims, then
		// check them again with the scheduler stopped.
		e.waitFor(3*time.Minute, "the agents' reservations to be exactly the stored claims", func() bool {
			reserved, _ := e.reserved()
			return maps.Equal(claims(e.storedNow()), reserved)
		})
		e.stopScheduler(false)
		claimed := claims(e.stored())
		reserved, _ := e.reserved()
		for id := range claimed {
			if !reserved[id] {
				t.Errorf("a stored task claims reservation %s, which no agent holds", id)
			}
		}
		for id := range reserved {
			if !claimed[id] {
				t.Errorf("reservation %s leaked: no stored task claims it", id)
			}
		}
	})
}

// claims are the resource ids the task records claim.
func claims(tasks map[string]mesos.TaskInfo) map[string]bool {
	claimed := map[string]bool{}
	for _, info := range tasks {
		for _, id := range offer.ResourceIDs(&info) {
			claimed[id] = true
		}
	}
	return claimed
}

// agentOf is the name of the agent running a task.
func (e *env) agentOf(task string) string {
	e.t.Helper()
	ts := e.running()[task]
	if len(ts) != 1 {
		e.t.Fatalf("%s runs %d times", task, len(ts))
	}
	agents, err := e.client.Agents(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, a := range agents {
		if a.ID == ts[0].SlaveID {
			return a.Name
		}
	}
	e.t.Fatalf("no agent %s", ts[0].SlaveID)
	return ""
}

// TestAgentLoss: an agent stopped briefly comes back with its tasks in
// place; one gone past the permanent-failure timeout has its pods replaced
// elsewhere, and the tasks it still runs when it returns are killed.
func TestAgentLoss(t *testing.T) {
	stores(t, func(t *testing.T, e *env) {
		e.startScheduler("--permanent-failure-timeout", "4s")
		e.waitPlan(plans.DeployPlan, plans.Complete, deployTimeout)
		agent := e.agentOf("hello-0-server")
		before := e.taskIDs("hello-0-")["hello-0-server"]

		// Briefly: past the ping timeout (3.75 s), until the master reports
		// the task unreachable, but not the replacement one.
		if err := e.client.Agent(t.Context(), agent, local.ActionStop); err != nil {
			t.Fatal(err)
		}
		e.waitFor(30*time.Second, "hello-0-server unreachable", func() bool {
			ts := e.running()["hello-0-server"]
			return len(ts) == 1 && ts[0].State == "TASK_UNREACHABLE"
		})
		if err := e.client.Agent(t.Context(), agent, local.ActionStart); err != nil {
			t.Fatal(err)
		}
		e.waitFor(30*time.Second, "hello-0-server back in place", func() bool {
			ts := e.running()["hello-0-server"]
			return len(ts) == 1 && ts[0].ID == before && ts[0].State == "TASK_RUNNING"
		})

		// For good: past the permanent-failure timeout the pod moves.
		if err := e.client.Agent(t.Context(), agent, local.ActionStop); err != nil {
			t.Fatal(err)
		}
		e.waitFor(deployTimeout, "hello-0 replaced on another agent", func() bool {
			for _, ts := range e.running()["hello-0-server"] {
				if ts.ID != before && ts.State == "TASK_RUNNING" {
					return true
				}
			}
			return false
		})
		if err := e.client.Agent(t.Context(), agent, local.ActionStart); err != nil {
			t.Fatal(err)
		}
		e.waitFor(30*time.Second, "the old hello-0-server killed", func() bool {
			ts := e.running()["hello-0-server"]
			return len(ts) == 1 && ts[0].ID != before
		})
		if now := e.agentOf("hello-0-server"); now == agent {
			t.Errorf("hello-0 was replaced on the lost agent %s", agent)
		}
	})
}

// TestUninstall leaves nothing behind: no task, reservation or volume on
// any agent, and the framework torn down.
func TestUninstall(t *testing.T) {
	stores(t, func(t *testing.T, e *env) {
		e.startScheduler()
		e.waitPlan(plans.DeployPlan, plans.Complete, deployTimeout)
		e.stopScheduler(false)
		e.startScheduler("--uninstall")
		e.waitPlan(plans.DeployPlan, plans.Complete, deployTimeout)
		e.waitFor(30*time.Second, "the framework torn down", func() bool {
			for _, f := range e.masterState().Frameworks {
				if f.Name == "scenario" {
					return false
				}
			}
			return true
		})
		if ids, vols := e.reserved(); len(ids) != 0 || len(vols) != 0 {
			t.Errorf("left behind: %d reservations, %d volumes", len(ids), len(vols))
		}
		if n := len(e.running()); n != 0 {
			t.Errorf("%d tasks still run", n)
		}
		// Torn down, it stays off Mesos (no retries, no calls) and keeps
		// serving the plan, as DC/OS Commons' does until Cosmos deletes it.
		var after string
		e.waitFor(30*time.Second, "the scheduler to say it is off Mesos", func() bool {
			b, _ := os.ReadFile(e.logs.Name())
			_, after, _ = strings.Cut(string(b), "uninstall complete")
			return strings.Contains(after, "disconnected from Mesos after the uninstall")
		})
		for _, bad := range []string{"not subscribed to Mesos; retrying", "call failed"} {
			if strings.Contains(after, bad) {
				t.Errorf("after the uninstall the scheduler logged %q", bad)
			}
		}
		e.waitPlan(plans.DeployPlan, plans.Complete, 10*time.Second)
		// A scheduler started again on the wiped state serves a COMPLETE
		// deploy plan and subscribes to nothing.
		e.stopScheduler(false)
		e.startScheduler("--uninstall")
		e.waitPlan(plans.DeployPlan, plans.Complete, 10*time.Second)
	})
}
