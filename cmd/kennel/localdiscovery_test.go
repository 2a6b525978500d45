package main

import (
	"encoding/json"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The local clusters of this package's tests take their ports from its
// own block, 30000-30999 (other harnesses: deploy/scenario 20000-24999,
// examples/kafka/scenario 25000-29999), each bind-tested: the block is below
// the kernel's ephemeral range, but other processes may hold a port in it.
// It ends where the default agents' task ports begin (31000-33999, which
// the README guides' clusters keep), so no task is given a cluster's port.
const discoveryPortBase, discoveryPortCount = 30000, 1000

// blockPort is a port of the block free on host now, other than taken.
func blockPort(t *testing.T, host string, taken ...int) int {
	t.Helper()
	start := rand.IntN(discoveryPortCount)
	for i := range discoveryPortCount {
		port := discoveryPortBase + (start+i)%discoveryPortCount
		if slicesContains(taken, port) {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err == nil {
			ln.Close()
			return port
		}
	}
	t.Fatalf("no free port in %d-%d on %s", discoveryPortBase, discoveryPortBase+discoveryPortCount-1, host)
	return 0
}

func slicesContains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

const talkerSpec = `name: talker
pods:
  talker:
    count: 1
    tasks:
      server:
        goal: RUNNING
        cmd: |
          trap 'exit 0' TERM
          echo "started $MESOS_TASK_ID"
          while true; do sleep 0.2; done
        cpus: 0.1
        memory: 32
`

// TestLocalDiscovery: with `kennel local up --service --api-port` running
// on a data dir, commands given only $KENNEL_DATA_DIR find the cluster
// (local, task) and the service (--name); the scheduler API listens on
// --api-port; local task kill takes a task's name; the logs go to
// <data-dir>/local.log, leaving the terminal to the plan tree.
func TestLocalDiscovery(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	svc, data := filepath.Join(dir, "svc"), filepath.Join(dir, "data")
	writeFile(t, filepath.Join(svc, "svc.yml"), talkerSpec)
	up := startLocalUp(t, svc, data) // on --api-port, where it must serve
	cli, eventually := up.cli, up.eventually
	if st, err := os.Stat(filepath.Join(data, "local.log")); err != nil || st.Size() == 0 {
		t.Errorf("local up --service logs by default to <data-dir>/local.log: %v", err)
	}
	if out, code := cli("local", "agents"); code != 0 || !strings.Contains(out, "agent-1") {
		t.Fatalf("local agents through $KENNEL_DATA_DIR: exit %d: %s", code, out)
	}
	eventually("the deploy plan to complete (plan status --name)", func() bool {
		out, code := cli("plan", "status", "--name", "talker")
		return code == 0 && strings.Contains(out, "deploy (serial strategy) (COMPLETE)")
	})
	taskID := func() string {
		out, code := cli("local", "state")
		if code != 0 {
			return ""
		}
		var st struct {
			Frameworks []struct {
				Tasks []struct{ ID, Name, State string } `json:"tasks"`
			} `json:"frameworks"`
		}
		if json.Unmarshal([]byte(out), &st) != nil {
			return ""
		}
		for _, f := range st.Frameworks {
			for _, tk := range f.Tasks {
				if tk.Name == "talker-0-server" && tk.State == "TASK_RUNNING" {
					return tk.ID
				}
			}
		}
		return ""
	}
	first := taskID()
	if first == "" {
		t.Fatal("no running talker-0-server in the master's state")
	}
	if out, code := cli("task", "log", "talker-0-server"); code != 0 || !strings.Contains(out, "started "+first) {
		t.Fatalf("task log: exit %d: %s", code, out)
	}
	if out, code := cli("local", "task", "kill", "talker-0-server"); code != 0 {
		t.Fatalf("local task kill by name: exit %d: %s", code, out)
	}
	eventually("talker-0-server to run again under a new id", func() bool {
		id := taskID()
		return id != "" && id != first
	})
	if out, code := cli("local", "task", "kill", "talker-9-server"); code == 0 || !strings.Contains(out, `no task named "talker-9-server"; the tasks are: talker-0-server`) {
		t.Errorf("local task kill of an unknown task: exit %d: %s", code, out)
	}
}
