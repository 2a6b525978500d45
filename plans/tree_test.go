package plans

import (
	"strings"
	"testing"
	"time"
)

func TestTreeAtShowsReasonsAndNextAttempts(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 2, 30, 0, time.UTC)
	info := PlanInfo{Status: InProgress, Strategy: "serial", Phases: []PhaseInfo{{
		Name: "hello", Status: InProgress, Strategy: "serial",
		Steps: []StepInfo{
			{Name: "hello-0:[init]", Status: "COMPLETE", Message: "completed at 12:00:01"},
			{Name: "hello-0:[server]", Status: "DELAYED", Message: "task hello-0-server failed (failure 3), retry at 12:03:10",
				Delayed: "2026-12-06T12:03:10Z"},
			{Name: "hello-1:[server]", Status: "DELAYED", Message: "task hello-1-server failed (failure 1), retry at 12:02:29",
				Delayed: "2026-12-06T12:02:29Z"},
			{Name: "hello-2:[server]", Status: "DELAYED", Delayed: "2026-12-06T12:05:00.4Z"},
			{Name: "hello-7:[server]", Status: "DELAYED", Message: "task failed", Delayed: "2026-12-06T12:00:00Z"},
			{Name: "hello-3:[server]", Status: "PREPARED", Message: "looking for an offer since 12:02:00: no MOUNT disk of 512 MB or more"},
			{Name: "hello-4:[server]", Status: "PENDING", Message: "waiting for hello-3:[server] (serial strategy)"},
			{Name: "hello-5:[server]", Status: "PENDING", Message: "com.mesosphere.sdk.scheduler.plan.DeploymentStep: 'hello-5:[server] [x]' has status: 'PENDING'."},
			{Name: "hello-6:[server]", Status: "STARTING", Message: ""},
		},
	}}}
	want := `deploy (serial strategy) (IN_PROGRESS)
└─ hello (serial strategy) (IN_PROGRESS)
   ├─ hello-0:[init] (COMPLETE)
   ├─ hello-0:[server] (DELAYED: task hello-0-server failed (failure 3), retry at 12:03:10; next attempt in 40s)
   ├─ hello-1:[server] (DELAYED: task hello-1-server failed (failure 1), retry at 12:02:29; next attempt now)
   ├─ hello-2:[server] (DELAYED: next attempt in 2m30s at 12:05:00)
   ├─ hello-7:[server] (DELAYED: task failed; next attempt now (due at 12:00:00))
   ├─ hello-3:[server] (PREPARED: looking for an offer since 12:02:00: no MOUNT disk of 512 MB or more)
   ├─ hello-4:[server] (PENDING: waiting for hello-3:[server] (serial strategy))
   ├─ hello-5:[server] (PENDING)
   └─ hello-6:[server] (STARTING)`
	if got := info.TreeAt("deploy", now); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	plain := info.Tree("deploy")
	if want := "   ├─ hello-0:[server] (DELAYED)\n"; !strings.Contains(plain, want) {
		t.Errorf("Tree shows more than statuses:\n%s", plain)
	}
}
