package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSpecErrorsNameTheirSource: spec validate takes a directory; a bad
// value says which variable it came from and where that is set; warnings
// do not fail validation.
func TestSpecErrorsNameTheirSource(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("svc.yml", `name: demo
pods:
  hello:
    count: 1
    placement: '[["hostnme", "UNIQUE"]]'
    tasks:
      server:
        goal: RUNNING
        cmd: echo hi
        cpus: 0.1
        memory: {{MEM}}
`)
	write("svc.env", "# sizes\nMEM=64MB\n")
	write("more.env", "MEM=1x\n")
	spec := filepath.Join(dir, "svc.yml")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"svc.env", nil, 1, spec + `:11:17: pods.hello.tasks.server.memory: expected an integer, got "64MB": units are not accepted: sizes are integers in MB, so write 64 (the value of MEM); MEM=64MB is set in ` + filepath.Join(dir, "svc.env") + ":2"},
		{"--env-file", []string{"--env-file", filepath.Join(dir, "more.env")}, 1, `(the value of MEM); MEM=1x is set in ` + filepath.Join(dir, "more.env") + ":1"},
		{"-e", []string{"-e", "MEM=2G"}, 1, "so write 2048 (the value of MEM); MEM=2G is set by -e"},
		{"warning", []string{"-e", "MEM=64"}, 0, "warning: " + spec + ":5:16: pods.hello.placement: placement attribute `hostnme` is not hostname, @zone or @region: an agent without a `hostnme` attribute refuses the pod; did you mean `hostname`?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := run(t, append([]string{"spec", "validate", dir}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d (want %d)\nstdout %s\nstderr %s\nwant %s", code, tc.code, out, errOut, tc.want)
			}
		})
	}
}
