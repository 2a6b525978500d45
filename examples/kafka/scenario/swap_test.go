package scenario_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/plans"
)

// TestSwappedVolume: a volume swapped to another pod is refused at start.
// Two test brokers deploy on MOUNT volumes; both are paused (relaunched
// idle on the same volumes), the contents of their two MOUNT disks are
// swapped on the agents' disks, and both are resumed. Each broker then
// finds the other's meta.properties and refuses to start, saying in its
// stderr which node id the volume names and which it is.
func TestSwappedVolume(t *testing.T) {
	if !hasCommand("kafka", "test-broker") || !hasCommand("kafka", "probe") {
		t.Skip("SKIPPED: this kennel has no `kafka test-broker` and `kafka probe` commands")
	}
	t.Parallel()
	e := newEnv(t, 2, nil)
	e.vars["BROKER_COUNT"] = "2"
	e.startScheduler()
	e.waitPlan("deploy", plans.Complete, deployTimeout)
	b0, b1 := e.testBrokerOf(0), e.testBrokerOf(1)

	// Pause both: the brokers stop, their volumes stay where they are.
	for i, b := range []testBroker{b0, b1} {
		pod := fmt.Sprintf("kafka-%d", i)
		e.cli("pod", "pause", pod)
		e.waitFor(stepTimeout, pod+" paused", func() bool {
			task, ok := e.running()[pod+"-broker"]
			return ok && task.ID != b.taskID && task.State == "TASK_RUNNING"
		})
	}
	paused := e.running()
	root0 := e.volumeRoot(paused["kafka-0-broker"].ID, "kafka-data")
	root1 := e.volumeRoot(paused["kafka-1-broker"].ID, "kafka-data")
	if root0 == root1 {
		t.Fatalf("both brokers on the volume %s", root0)
	}
	swapContents(t, root0, root1)
	if got := properties(readFile(t, filepath.Join(root0, "logs", "meta.properties")))["node.id"]; got != "1" {
		t.Fatalf("after the swap, %s names node.id %s, want 1", root0, got)
	}

	for _, pod := range []string{"kafka-0", "kafka-1"} {
		e.cli("pod", "resume", pod)
	}
	for i := range 2 {
		name := fmt.Sprintf("kafka-%d-broker", i)
		want := fmt.Sprintf("names node.id %d, but this broker is node.id %d", 1-i, i)
		var seen string
		e.waitFor(stepTimeout, name+" refusing to start", func() bool {
			for id, stderr := range e.sandboxesOf(name, "stderr") {
				if id == b0.taskID || id == b1.taskID || id == paused[name].ID {
					continue
				}
				seen = stderr
				if strings.Contains(stderr, want) && strings.Contains(stderr, "refusing to start") {
					return true
				}
			}
			return false
		}, func() string { return "want " + want + " in the stderr of a relaunched task; last seen:\n" + seen })
	}
	// Neither broker runs its broker: no task of theirs is ready.
	if task, ok := e.running()["kafka-0-broker"]; ok && task.State == "TASK_RUNNING" {
		if text, ok := e.sandboxFile(task.ID, "stderr"); ok && strings.Contains(text, "started") && !strings.Contains(text, "refusing") {
			t.Errorf("kafka-0 started on kafka-1's volume:\n%s", text)
		}
	}
}

// volumeRoot is where a task's volume at path lives on its agent: the
// target of the sandbox's link.
func (e *env) volumeRoot(taskID, path string) string {
	e.t.Helper()
	dir := e.sandboxDir(taskID)
	if dir == "" {
		e.t.Fatalf("no sandbox for %s", taskID)
	}
	root, err := filepath.EvalSymlinks(filepath.Join(dir, path))
	if err != nil {
		e.t.Fatal(err)
	}
	return root
}

// sandboxDir is the directory of a task's sandbox, "" if there is none.
func (e *env) sandboxDir(taskID string) string {
	var found string
	_ = filepath.WalkDir(filepath.Join(e.dir, "cluster"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || found != "" {
			return nil
		}
		if d.IsDir() && d.Name() == agentMetaDir {
			return fs.SkipDir
		}
		if d.IsDir() && d.Name() == taskID {
			found = path
			return fs.SkipAll
		}
		return nil
	})
	return found
}

// sandboxesOf reads file in the sandbox of every task named name (any of
// its launches), by task id.
func (e *env) sandboxesOf(name, file string) map[string]string {
	out := map[string]string{}
	_ = filepath.WalkDir(filepath.Join(e.dir, "cluster"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if d.Name() == agentMetaDir {
			return fs.SkipDir
		}
		if parts := strings.Split(d.Name(), "__"); len(parts) == 3 && parts[1] == name {
			if b, err := os.ReadFile(filepath.Join(path, file)); err == nil {
				out[d.Name()] = string(b)
			}
			return fs.SkipDir
		}
		return nil
	})
	return out
}

// swapContents exchanges what the directories a and b hold (they stay, as
// a MOUNT disk's root does).
func swapContents(t *testing.T, a, b string) {
	t.Helper()
	tmp := filepath.Join(t.TempDir(), "swap")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	move := func(from, to string) {
		entries, err := os.ReadDir(from)
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range entries {
			if err := os.Rename(filepath.Join(from, en.Name()), filepath.Join(to, en.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	move(a, tmp)
	move(b, a)
	move(tmp, b)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
