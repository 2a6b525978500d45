package local_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/deploy/local"
)

// TestShutdownLeavesNothingWriting: once Shutdown returns nothing may write
// into the cluster's data dir (a t.TempDir cleanup failed with "unlinkat
// …/agents/agent-1: directory not empty" when an agent still wrote after
// it). The cluster is busy when it shuts down: a task writing to its
// sandbox and volume, a task group still starting, agents re-registering
// with a failed-over master. The checks need no waiting: whatever could
// still write must already be gone. The test is not parallel, so that every
// goroutine of the cluster's packages it finds is its cluster's.
func TestShutdownLeavesNothingWriting(t *testing.T) {
	dir := t.TempDir()
	c := startClusterWith(t, 2, func(cfg *local.Config) { cfg.DataDir = dir })
	f := subscribed(t, c, protobufCodec)
	busy := reservePod(t, f, "", "vol-busy")
	busy.run(t, f, "scribbler", "while :; do date >> data/log; date >> own; sleep 0.01; done")
	starting := reservePod(t, f, "", "vol-new")
	starting.launch(t, f, "newcomer", "sleep 300")
	c.RestartMaster()
	c.Shutdown()

	if left := clusterGoroutines(); len(left) > 0 {
		t.Errorf("goroutines of the cluster still running after Shutdown:\n%s", strings.Join(left, "\n\n"))
	}
	if users := processesUsing(t, dir); len(users) > 0 {
		t.Errorf("processes with a working directory or an open file in the data dir after Shutdown: %v", users)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatalf("removing the data dir after Shutdown: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the data dir is back after Shutdown: %v", err)
	}
}

// clusterGoroutines returns the stacks of the goroutines running code of
// the local cluster's packages (tests excluded).
func clusterGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var left []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, line := range strings.Split(g, "\n") {
			if strings.HasPrefix(line, "github.com/kennel-sdk/kennel/deploy/local") && !strings.HasPrefix(line, "github.com/kennel-sdk/kennel/deploy/local_test") {
				left = append(left, g)
				break
			}
		}
	}
	return left
}

// processesUsing lists the processes whose working directory or one of
// whose open files is under dir; this process counts too.
func processesUsing(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var users []string
	for _, ent := range entries {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		base := filepath.Join("/proc", ent.Name())
		paths := []string{filepath.Join(base, "cwd")}
		fds, _ := os.ReadDir(filepath.Join(base, "fd"))
		for _, fd := range fds {
			paths = append(paths, filepath.Join(base, "fd", fd.Name()))
		}
		for _, p := range paths {
			if target, err := os.Readlink(p); err == nil && (target == dir || strings.HasPrefix(target, dir+"/")) {
				users = append(users, strconv.Itoa(pid)+" "+p+" -> "+target)
			}
		}
	}
	return users
}
