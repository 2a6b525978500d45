package scenario_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/plans"
)

const deployTimeout = 90 * time.Second

// TestDeployRecoverReplace: deploy, a crashed server relaunched in place,
// a replaced pod relaunched on fresh resources with its old volume
// destroyed.
func TestDeployRecoverReplace(t *testing.T) {
	stores(t, func(t *testing.T, e *env) {
		e.startScheduler()
		e.waitPlan(plans.DeployPlan, plans.Complete, deployTimeout)

		// 1. ONCE tasks ran exactly once; each server wrote its marker.
		for i := range 2 {
			initLog, ok := e.volumeFile(i, "init.log")
			if !ok || strings.Count(initLog, "initialised") != 1 {
				t.Fatalf("hello-%d init.log: %q", i, initLog)
			}
			if log, ok := e.volumeFile(i, "server.log"); !ok || strings.Count(log, "hello from hello-") != 1 {
				t.Fatalf("hello-%d server.log: %q", i, log)
			}
		}

		// world's config template was rendered inside its task, from the
		// scheduler's artifact and TASKCFG_WORLD_MOTTO.
		// world has no readiness check, so RUNNING (and COMPLETE) can come
		// before its command has written the log.
		const want = "world of scenario: world-0-server says \"hello world\"\n"
		var got string
		e.waitFor(10*time.Second, "world.log on one volume", func() bool {
			logs, _ := filepath.Glob(filepath.Join(e.dir, "cluster", "agents", "*", "volumes", "roles", "*", "*", "world.log"))
			if len(logs) != 1 {
				return false
			}
			b, _ := os.ReadFile(logs[0])
			got = string(b)
			return strings.HasSuffix(got, "\n")
		})
		if got != want {
			t.Errorf("world's rendered config: %q", got)
		}

		// 2. A crashed server comes back on the same agent and volume.
		before := e.running()["hello-0-server"]
		if len(before) != 1 {
			t.Fatalf("hello-0-server running %d times", len(before))
		}
		if err := e.client.CrashTask(t.Context(), before[0].ID); err != nil {
			t.Fatal(err)
		}
		e.waitFor(deployTimeout, "hello-0-server to run again", func() bool {
			now := e.running()["hello-0-server"]
			return len(now) == 1 && now[0].ID != before[0].ID && now[0].State == "TASK_RUNNING"
		})
		after := e.running()["hello-0-server"][0]
		if after.SlaveID != before[0].SlaveID {
			t.Errorf("recovered on agent %s, ran on %s", after.SlaveID, before[0].SlaveID)
		}
		e.waitFor(10*time.Second, "the relaunched server's marker", func() bool {
			log, _ := e.volumeFile(0, "server.log")
			return strings.Count(log, "hello from hello-0-server") == 2
		})

		// 3. Replace: fresh resources, a fresh volume; the old volume is
		// destroyed and its reservation released.
		idsBefore, volsBefore := e.reserved()
		if code := e.post("/v1/pod/hello-0/replace"); code != 200 {
			t.Fatalf("replace: %d", code)
		}
		e.waitFor(deployTimeout, "hello-0 replaced", func() bool {
			now := e.running()["hello-0-server"]
			return len(now) == 1 && now[0].ID != after.ID && now[0].State == "TASK_RUNNING"
		})
		e.waitFor(30*time.Second, "the old reservations released", func() bool {
			ids, vols := e.reserved()
			gone, kept := 0, 0
			for id := range idsBefore {
				if !ids[id] {
					gone++
				} else {
					kept++
				}
			}
			volsGone := 0
			for v := range volsBefore {
				if !vols[v] {
					volsGone++
				}
			}
			// hello-0's executor (cpus, mem, disk), volume, init (cpus,
			// mem) and server (cpus, mem) reservations are gone; hello-1's
			// and world's stay.
			return gone == 8 && volsGone == 1
		})
		// The only disk with hello-0's data is the fresh one (the init task
		// ran once, on the old volume: ONCE tasks do not rerun).
		e.waitFor(10*time.Second, "the replaced server's marker", func() bool {
			log, _ := e.volumeFile(0, "server.log")
			return log == "hello from hello-0-server\n"
		})
	})
}

// TestPauseResume: a paused server is relaunched on its resources with a
// command that only sleeps; resumed, it runs its own command again.
func TestPauseResume(t *testing.T) {
	stores(t, func(t *testing.T, e *env) {
		e.startScheduler()
		e.waitPlan(plans.DeployPlan, plans.Complete, deployTimeout)
		first := e.taskIDs("hello-1-")["hello-1-server"]
		resp, err := http.Post(e.api+"/v1/pod/hello-1/pause", "application/json", strings.NewReader(`["server", "hello-1-init"]`))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("pause: %v %v", resp, err)
		}
		resp.Body.Close()
		var paused string
		e.waitFor(deployTimeout, "hello-1-server paused", func() bool {
			paused = e.taskIDs("hello-1-")["hello-1-server"]
			return paused != "" && paused != first && e.running()["hello-1-server"][0].State == "TASK_RUNNING"
		})
		var info plans.PlanInfo
		e.waitFor(10*time.Second, "the recovery step shown PAUSED", func() bool {
			info, _, _ = e.plan(plans.RecoveryPlan)
			return len(info.Phases) > 0 && info.Phases[len(info.Phases)-1].Steps[0].Status == plans.Paused
		})
		if log, _ := e.volumeFile(1, "server.log"); strings.Count(log, "hello from hello-1-server") != 1 {
			t.Errorf("the paused task ran its command: %q", log)
		}
		if code := e.post("/v1/pod/hello-1/resume"); code != 200 {
			t.Fatalf("resume: %d", code)
		}
		e.waitFor(deployTimeout, "hello-1-server resumed", func() bool {
			log, _ := e.volumeFile(1, "server.log")
			return strings.Count(log, "hello from hello-1-server") == 2
		})
		if code := e.post("/v1/pod/hello-7/pause"); code != 404 {
			t.Errorf("pausing an unknown pod: %d", code)
		}
	})
}
