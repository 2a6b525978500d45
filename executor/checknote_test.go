package executor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// A failing COMMAND check's last output line rides on its update as the
// message (a Kennel extra); a new line is a new update; a passing check
// clears it.
func TestCommandCheckNote(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	note, ready := filepath.Join(dir, "note"), filepath.Join(dir, "ready")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(note, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("starting\nnot ready: broker 1 not in metadata yet (brokers: 0)\n\n")
	h := startExecutor(t, func(_ *Config, a *fakeAgent) { a.killingState = true })
	info := shellTask("probe", "sleep 60")
	check := "test -f " + ready + " && exit 0; cat " + note + " >&2; exit 1"
	info.Check = &mesos.CheckInfo{
		Type:            mesos.CheckInfo_COMMAND,
		Command:         &mesos.CheckInfo_Command{Command: mesos.CommandInfo{Value: &check}},
		DelaySeconds:    ptr(0.0),
		IntervalSeconds: ptr(0.05),
		TimeoutSeconds:  ptr(10.0),
	}
	h.agent.push(launchEvent(info))
	sawMessage := func(msg string) func() bool {
		return func() bool {
			for _, st := range h.agent.taskUpdates("probe") {
				if st.GetReason() == mesos.REASON_TASK_CHECK_STATUS_UPDATED && st.GetMessage() == msg {
					return true
				}
			}
			return false
		}
	}
	first := "not ready: broker 1 not in metadata yet (brokers: 0)"
	eventually(t, 30*time.Second, "the first note", sawMessage(first))
	second := "not ready: broker 1 not in metadata yet (brokers: 0,2)"
	write(second)
	eventually(t, 30*time.Second, "the second note", sawMessage(second))
	if err := os.WriteFile(ready, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "check exit code 0", func() bool {
		for _, st := range h.agent.taskUpdates("probe") {
			if cmd := st.GetCheckStatus().GetCommand(); cmd.GetExitCode() == 0 && cmd.ExitCode != nil {
				return true
			}
		}
		return false
	})
	h.agent.push(killEvent("probe", -1))
	if err := h.wait(30 * time.Second); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	var checks []string
	for _, st := range h.agent.taskUpdates("probe") {
		if st.GetReason() != mesos.REASON_TASK_CHECK_STATUS_UPDATED {
			if st.GetState() != mesos.TASK_RUNNING && st.Message != nil && strings.Contains(st.GetMessage(), "not ready") {
				t.Errorf("%s carries the check note %q", st.GetState(), st.GetMessage())
			}
			continue
		}
		code := "none"
		if c := st.GetCheckStatus().GetCommand(); c.ExitCode != nil {
			code = "0"
			if *c.ExitCode != 0 {
				code = "1"
			}
		}
		checks = append(checks, code+" "+st.GetMessage())
	}
	want := []string{"1 " + first, "1 " + second, "0 "}
	if strings.Join(checks, "|") != strings.Join(want, "|") {
		t.Errorf("check updates = %q, want %q", checks, want)
	}
}

func TestCheckNoteText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", maxCheckNote)
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"one line\n", "one line"},
		{"first\n  last  \n\n\n", "last"},
		{"bad \xff byte", "bad ? byte"},
		{long, long[:maxCheckNote] + "…"},
	} {
		if got := lastLine(tc.in); got != tc.want {
			t.Errorf("lastLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	b := &tailBuffer{max: 4}
	_, _ = b.Write([]byte("abc"))
	_, _ = b.Write([]byte("defg"))
	if got := b.String(); got != "defg" {
		t.Errorf("tailBuffer = %q, want %q", got, "defg")
	}
}
