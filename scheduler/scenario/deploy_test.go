package scenario_test

import (
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
		logs, _ := filepath.Glob(filepath.Join(e.dir, "cluster", "agents", "*", "volumes", "roles", "*", "*", "world.log"))
		if len(logs) != 1 {
			t.Fatalf("world.log on %d volumes", len(logs))
		}
		if b, _ := os.ReadFile(logs[0]); string(b) != "world of scenario: world-0-server says \"hello world\"\n" {
			t.Errorf("world's rendered config: %q", b)
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
