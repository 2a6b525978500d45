package main

import (
	"strings"
	"testing"
)

// TestMistakesSayWhatToDo: unknown commands and flags exit non-zero with
// the closest names and, for a command, the ones there are.
func TestMistakesSayWhatToDo(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"plan", "statuss"}, `unknown command "statuss" for "kennel plan"; did you mean "kennel plan status"?` + "\nits commands are: force-complete, force-restart, list, pause, resume, start, status, stop"},
		{[]string{"plna"}, `unknown command "plna" for "kennel"; did you mean "kennel plan"?`},
		{[]string{"pod", "logs", "cache-0"}, `unknown command "logs" for "kennel pod"; a task's logs are "kennel task log TASK"`},
		{[]string{"task", "lg", "x"}, `did you mean "kennel task log" or "kennel task ls"?`},
		{[]string{"local", "task", "kil"}, `did you mean "kennel local task kill"?`},
		{[]string{"plan", "status", "--urll", "x"}, `unknown flag: --urll; did you mean "--url"? (see "kennel plan status --help")`},
		{[]string{"task", "log", "--follw", "x"}, `unknown flag: --follw; did you mean "--follow"?`},
		{[]string{"spec", "validate", "--zzzzzz", "x"}, `unknown flag: --zzzzzz (see "kennel spec validate --help")`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errOut, code := run(t, tc.args...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want an error with %q", code, out, errOut, tc.want)
			}
		})
	}
	// A group without a command still prints its help, even where no
	// local cluster runs.
	t.Setenv("KENNEL_DATA_DIR", t.TempDir())
	t.Setenv("KENNEL_MESOS_MASTER", "")
	for _, group := range [][]string{{"plan"}, {"local"}, {"local", "task"}} {
		if out, errOut, code := run(t, group...); code != 0 || !strings.Contains(out, "Available Commands") {
			t.Errorf("kennel %v: exit %d: %s%s", group, code, out, errOut)
		}
	}
	if _, errOut, code := run(t, "local", "agents"); code == 0 || !strings.Contains(errOut, "no local cluster runs on this data dir") {
		t.Errorf("local agents without a cluster: exit %d: %s", code, errOut)
	}
}
