package scenario_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/deploy/local"
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
	e := newEnvOn(t, oneDiskCluster)
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

// newEnvOn is newEnv on a cluster of the given config (local up
// --config), with the file state store.
func newEnvOn(t *testing.T, clusterConfig string) *env {
	dir := t.TempDir()
	logs, err := os.Create(filepath.Join(dir, "logs"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, dir: dir, logs: logs, vars: map[string]string{}, svc: filepath.Join(dir, "svc"),
		state: "file://" + filepath.Join(dir, "state")}
	t.Cleanup(func() {
		logs.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logs.Name())
			lines := strings.Split(string(b), "\n")
			t.Logf("last log lines:\n%s", strings.Join(lines[max(0, len(lines)-60):], "\n"))
		}
	})
	if err := os.MkdirAll(e.svc, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"svc.yml", "svc.env", "world.conf.mustache"} {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(e.svc, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	config := filepath.Join(dir, "cluster.yaml")
	if err := os.WriteFile(config, []byte(clusterConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t, "127.0.1.1")
	cmd, line := e.startProcess("local", "up", "--config", config, "--data-dir", filepath.Join(dir, "cluster"),
		"--port", "0", "--agent-port", strconv.Itoa(port), "--time-scale", "0.05", "--destroy")
	t.Cleanup(func() { stop(cmd) })
	// local cluster: master http://127.0.0.1:PORT, 2 agents, data in …
	f := strings.Fields(line)
	if len(f) < 4 {
		t.Fatalf("cluster said %q", line)
	}
	e.cluster = strings.TrimSuffix(f[3], ",")
	e.client = local.NewClient(e.cluster)
	return e
}
