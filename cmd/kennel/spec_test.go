package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/servicespec"
)

// run executes the kennel command line in-process.
func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := newRootCommand()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.Execute()
	var exit exitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.code
	default:
		code = 1
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), code
}

func TestSpecValidateExamples(t *testing.T) {
	for _, path := range []string{"../../examples/hello-world/svc.yml", "../../examples/kafka/svc.yml"} {
		out, errOut, code := run(t, "spec", "validate", path)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", path, code, errOut)
		}
		if !regexp.MustCompile(`^.*svc\.yml: valid: service \S+: 1 pod type .*; config [0-9a-f-]{36}\n$`).MatchString(out) {
			t.Errorf("unexpected summary: %q", out)
		}
	}
}

func TestSpecValidateReportsEveryError(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "svc.yml")
	text := "name: bad\npods:\n  web:\n    count: -1\n    tasks:\n      server:\n        goal: RUN\n        cmd: ./serve\n        cpus: 1\n        memroy: 64\n"
	if err := os.WriteFile(spec, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "spec", "validate", spec)
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	want := []string{
		spec + ":4:12: pods.web.count: must be between 0 and 10000, got -1",
		spec + ":6:7: pods.web.tasks.server.memory: a task without a `resource-set` needs `memory`",
		spec + ":7:15: pods.web.tasks.server.goal: must be one of RUNNING, FINISH or ONCE, got \"RUN\"",
		spec + ":10:9: pods.web.tasks.server.memroy: unknown key `memroy` in pods.web.tasks.server; did you mean `memory`?",
	}
	if got := strings.Split(strings.TrimSpace(errOut), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", errOut, strings.Join(want, "\n"))
	}
}

func TestSpecEnvironmentLayers(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	spec := write("svc.yml", "name: {{NAME}}\npods:\n  p:\n    count: {{COUNT}}\n    tasks:\n      t:\n        goal: RUNNING\n        cmd: ./t\n        cpus: 0.1\n        memory: {{MEM}}\n")
	write("svc.env", "NAME=from-defaults\nCOUNT=1\nMEM=16\n")
	extra := write("extra.env", "COUNT=2\nMEM=32\n")
	out, errOut, code := run(t, "spec", "render", spec, "--env-file", extra, "-e", "MEM=64")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	s, err := servicespec.Decode("out", []byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "from-defaults" || s.Pods[0].Count != 2 || s.Pods[0].Tasks[0].Memory != 64 {
		t.Errorf("layers not applied in order: %s", out)
	}

	_, errOut, code = run(t, "spec", "validate", spec, "-e", "NOT VALID=1")
	if code != 1 || !strings.Contains(errOut, `-e: "NOT VALID" is not a valid variable name`) {
		t.Errorf("bad -e: exit %d: %s", code, errOut)
	}
	os.Remove(filepath.Join(dir, "svc.env"))
	_, errOut, code = run(t, "spec", "validate", spec)
	if code != 1 || !strings.Contains(errOut, "svc.yml:1:7: missing template variable NAME") || !strings.Contains(errOut, "missing template variable MEM") {
		t.Errorf("missing variables not listed: exit %d: %s", code, errOut)
	}
}

func TestSpecRenderFormats(t *testing.T) {
	path := "../../examples/hello-world/svc.yml"
	jsonOut, _, code := run(t, "spec", "render", path)
	if code != 0 {
		t.Fatal("render json failed")
	}
	yamlOut, _, code := run(t, "spec", "render", path, "--format", "yaml")
	if code != 0 {
		t.Fatal("render yaml failed")
	}
	a, errA := servicespec.Decode("json", []byte(jsonOut))
	b, errB := servicespec.Decode("yaml", []byte(yamlOut))
	if errA != nil || errB != nil || a.ID() != b.ID() {
		t.Errorf("json and yaml renderings differ: %v %v", errA, errB)
	}
	if _, errOut, code := run(t, "spec", "render", path, "--format", "xml"); code != 1 || !strings.Contains(errOut, "--format must be json or yaml") {
		t.Errorf("bad format accepted: %d %s", code, errOut)
	}
}

func TestSpecRenderPlans(t *testing.T) {
	out, errOut, code := run(t, "spec", "render", "../../examples/hello-world/svc.yml", "--plans")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `deploy (serial strategy) (PENDING)
└─ hello (serial strategy) (PENDING)
   ├─ hello-0:[init] (PENDING)
   ├─ hello-0:[server] (PENDING)
   ├─ hello-1:[init] (PENDING)
   └─ hello-1:[server] (PENDING)

recovery (parallel strategy) (COMPLETE)
`
	if out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
}
