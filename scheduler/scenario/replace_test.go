package scenario_test

import (
	"testing"

	"github.com/kennel-sdk/kennel/plans"
)

// oneDiskCluster is a local cluster of two agents with one MOUNT disk
// each: with hostname:UNIQUE, each hello pod takes an agent's only disk,
// and no disk is left for a replacement elsewhere.
const oneDiskCluster = `agents:
  - name: one-disk-1
    cpus: 4
    mem: 8192
    disk: 20480
    ports: 31000-31999
    mount-disks: [1024]
  - name: one-disk-2
    cpus: 4
    mem: 8192
    disk: 20480
    ports: 32000-32999
    mount-disks: [1024]
`

// TestReplaceWithOneDiskPerPod: `pod replace hello-0` on a cluster with
// exactly one MOUNT disk per pod succeeds. The replaced pod's footprint is
// released first (DESTROY, UNRESERVE), so its replacement reserves the
// same disk again, with a fresh volume, on the only agent that has one.
func TestReplaceWithOneDiskPerPod(t *testing.T) {
	e := newEnvOn(t, "file", oneDiskCluster)
	e.vars["HELLO_PLACEMENT"] = `[["hostname", "UNIQUE"]]`
	e.startScheduler()
	e.waitPlan(plans.DeployPlan, plans.Complete, deployTimeout)
	before := e.running()["hello-0-server"][0]
	agent := e.agentOf("hello-0-server")
	_, volsBefore := e.reserved()

	if code := e.post("/v1/pod/hello-0/replace"); code != 200 {
		t.Fatalf("replace: %d", code)
	}
	e.waitFor(deployTimeout, "hello-0 replaced", func() bool {
		now := e.running()["hello-0-server"]
		return len(now) == 1 && now[0].ID != before.ID && now[0].State == "TASK_RUNNING"
	})
	e.waitPlan(plans.RecoveryPlan, plans.Complete, deployTimeout)
	if now := e.agentOf("hello-0-server"); now != agent {
		t.Errorf("hello-0 replaced on %s; the only free disk is on %s", now, agent)
	}
	_, volsAfter := e.reserved()
	gone, fresh := 0, 0
	for v := range volsBefore {
		if !volsAfter[v] {
			gone++
		}
	}
	for v := range volsAfter {
		if !volsBefore[v] {
			fresh++
		}
	}
	if gone != 1 || fresh != 1 {
		t.Errorf("volumes: %d destroyed, %d created; want hello-0's replaced by one fresh volume", gone, fresh)
	}
	// The disk holds the replacement's data only: the old volume's data
	// went with it.
	e.waitFor(deployTimeout, "the replaced server's marker", func() bool {
		log, _ := e.volumeFile(0, "server.log")
		return log == "hello from hello-0-server\n"
	})
}
