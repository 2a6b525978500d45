package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// imageSpec is a valid spec but for its pod's image, which Kennel's runtime
// cannot honour; its line 5, column 5 is the `image` key.
const imageSpec = `name: web
pods:
  app:
    count: 1
    image: nginx:1.25
    tasks:
      server:
        goal: RUNNING
        cmd: ./serve
        cpus: 0.1
        memory: 32
`

func writeImageSpec(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "svc.yml")
	if err := os.WriteFile(path, []byte(imageSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func imageRefusal(path string) string {
	return path + ":5:5: pods.app.image: is not supported by Kennel yet: tasks run as processes in the agent's sandbox, without a container image"
}

func TestSpecValidateRefusesAnUnsupportedField(t *testing.T) {
	path := writeImageSpec(t)
	out, errOut, code := run(t, "spec", "validate", path)
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1 and nothing on stdout", code, out, errOut)
	}
	if got := strings.TrimSpace(errOut); got != imageRefusal(path) {
		t.Errorf("stderr:\n%s\nwant:\n%s", got, imageRefusal(path))
	}
}

// TestSchedulerRefusesAnUnsupportedField starts the scheduler on a file
// store and an unreachable master: it must stop on the spec, before it
// takes the lock or calls Mesos, with the same located error.
func TestSchedulerRefusesAnUnsupportedField(t *testing.T) {
	path := writeImageSpec(t)
	stateDir := t.TempDir()
	_, errOut, code := run(t, "scheduler", "--spec", path, "--state", "file://"+stateDir,
		"--master", "http://127.0.0.1:1", "--api-host", "127.0.0.1")
	if code == 0 {
		t.Fatal("the scheduler accepted a spec with an image")
	}
	if !strings.Contains(errOut, imageRefusal(path)) {
		t.Errorf("stderr does not name the field and its position:\n%s\nwant a line:\n%s", errOut, imageRefusal(path))
	}
	if entries, err := os.ReadDir(stateDir); err != nil || len(entries) != 0 {
		t.Errorf("the refused scheduler wrote state: %v %v", entries, err)
	}
}
