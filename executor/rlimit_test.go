package executor

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

func limited(limits ...mesos.RLimitInfo_RLimit) *mesos.ContainerInfo {
	return &mesos.ContainerInfo{Type: mesos.ContainerInfo_MESOS.Enum(), RlimitInfo: &mesos.RLimitInfo{Rlimits: limits}}
}

func limit(typ mesos.RLimitInfo_RLimit_Type, soft, hard uint64) mesos.RLimitInfo_RLimit {
	return mesos.RLimitInfo_RLimit{Type: typ, Soft: &soft, Hard: &hard}
}

// TestRLimitsHoldInsideTheTask: the task's shell sees the limits of its
// rlimit_info, and a limit it does not name keeps the value a process the
// executor starts would have (Go restores the RLIMIT_NOFILE it raised).
func TestRLimitsHoldInsideTheTask(t *testing.T) {
	out, err := exec.Command("/bin/sh", "-c", "ulimit -n").Output()
	if err != nil {
		t.Fatal(err)
	}
	plainNofile := strings.TrimSpace(string(out))
	for _, tc := range []struct {
		name   string
		limits []mesos.RLimitInfo_RLimit
		check  string
	}{
		{"nofile", []mesos.RLimitInfo_RLimit{limit(mesos.RLimitInfo_RLimit_RLMT_NOFILE, 256, 512)},
			`test "$(ulimit -n)" = 256 && test "$(ulimit -Hn)" = 512`},
		{"core, nofile untouched", []mesos.RLimitInfo_RLimit{limit(mesos.RLimitInfo_RLimit_RLMT_CORE, 0, 0)},
			`test "$(ulimit -c)" = 0 && test "$(ulimit -n)" = ` + plainNofile},
		{"several", []mesos.RLimitInfo_RLimit{limit(mesos.RLimitInfo_RLimit_RLMT_NOFILE, 100, 100), limit(mesos.RLimitInfo_RLimit_RLMT_STACK, 4096*1024, 8192*1024)},
			`test "$(ulimit -n)" = 100 && test "$(ulimit -s)" = 4096 && test "$(ulimit -Hs)" = 8192`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := startExecutor(t, nil)
			info := shellTask("limited", tc.check+` || { echo "nofile $(ulimit -n)/$(ulimit -Hn) stack $(ulimit -s) core $(ulimit -c)" >&2; exit 1; }`)
			info.Container = limited(tc.limits...)
			h.agent.push(launchEvent(info))
			if err := h.wait(10 * time.Second); err != nil {
				t.Fatalf("Run = %v, want nil", err)
			}
			checkStates(t, "limited", h.agent.states("limited"), mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED)
		})
	}
}

// TestRefusedRLimitsFailTheLaunch: what Mesos's launcher refuses, and what
// the kernel refuses, fails the task as a failed container launch, never
// running its command.
func TestRefusedRLimitsFailTheLaunch(t *testing.T) {
	soft := uint64(10)
	for _, tc := range []struct {
		name    string
		limit   mesos.RLimitInfo_RLimit
		message string
	}{
		{"unknown type", mesos.RLimitInfo_RLimit{Type: mesos.RLimitInfo_RLimit_UNKNOWN}, "unknown rlimit type"},
		{"soft without hard", mesos.RLimitInfo_RLimit{Type: mesos.RLimitInfo_RLimit_RLMT_NOFILE, Soft: &soft}, "invalid rlimit values"},
		{"soft above hard", limit(mesos.RLimitInfo_RLimit_RLMT_NOFILE, 20, 10), "soft limit 20 is above the hard limit 10"},
		{"above the kernel's maximum", limit(mesos.RLimitInfo_RLimit_RLMT_NOFILE, 1<<40, 1<<40),
			"Failed to launch container: rlimit helper: setting RLMT_NOFILE to 1099511627776/1099511627776"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := startExecutor(t, nil)
			info := shellTask("refused", "echo ran > ran")
			info.Container = limited(tc.limit)
			h.agent.push(launchEvent(info))
			st := h.agent.waitState("refused", mesos.TASK_FAILED, 5*time.Second)
			if st.GetReason() != mesos.REASON_CONTAINER_LAUNCH_FAILED || !strings.Contains(st.GetMessage(), tc.message) {
				t.Errorf("TASK_FAILED reason %s message %q, want %q", st.GetReason(), st.GetMessage(), tc.message)
			}
			for _, s := range h.agent.states("refused") {
				if s == mesos.TASK_RUNNING {
					t.Errorf("states %v: a task whose limits failed was reported running", h.agent.states("refused"))
				}
			}
			if err := h.wait(10 * time.Second); err != nil {
				t.Fatalf("Run = %v, want nil", err)
			}
		})
	}
}

func TestRLimitsEncoding(t *testing.T) {
	in := []rlimit{{name: "RLMT_NOFILE", resource: 7, soft: 1, hard: 2}, {name: "RLMT_CORE", resource: 4, soft: rlimitInfinity, hard: rlimitInfinity}}
	out, err := decodeRLimits(encodeRLimits(in))
	if err != nil || len(out) != 2 || out[0] != in[0] || out[1] != in[1] {
		t.Fatalf("round trip: %+v, %v", out, err)
	}
	for _, bad := range []string{"", "7", "N:7=1", "N:x=1/2", "N:7=1/y", "7=1/2"} {
		if _, err := decodeRLimits(bad); err == nil {
			t.Errorf("decodeRLimits(%q) accepted", bad)
		}
	}
}
