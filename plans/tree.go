package plans

import (
	"strings"
	"time"
)

// TreeAt is Tree with, on the line of every step still to finish (any
// status but COMPLETE and ERROR, whose reasons are the plan's errors), the
// step's reason, and for a DELAYED step the time of its next attempt,
// relative to now and in UTC like the reasons' times:
//
//	deploy (serial strategy) (IN_PROGRESS)
//	└─ hello (serial strategy) (IN_PROGRESS)
//	   ├─ hello-0:[server] (DELAYED: task hello-0-server failed (failure 3), retry at 12:03:10; next attempt in 40s)
//	   ├─ hello-1:[server] (DELAYED: next attempt in 1m5s at 12:03:35)
//	   └─ hello-2:[server] (PENDING: waiting for hello-1:[server] (serial strategy))
//
// The clock time is left out when the reason already gives it (Kennel's
// reasons do); a next attempt already due reads "next attempt now".
// Messages that only restate the step's status, as DC/OS Commons'
// schedulers write them ("…' has status: 'PENDING'."), are left out.
func (info PlanInfo) TreeAt(name string, now time.Time) string {
	return info.tree(name, func(st StepInfo) string { return stepLabel(st, now) })
}

// stepLabel is a step's status followed by what it waits for.
func stepLabel(st StepInfo, now time.Time) string {
	status := orUnknown(st.Status)
	if st.Status == string(Complete) || st.Status == string(Error) {
		return status
	}
	var parts []string
	msg := strings.TrimSpace(st.Message)
	if msg != "" && !strings.HasSuffix(msg, "has status: '"+st.Status+"'.") {
		parts = append(parts, msg)
	}
	if next := nextAttempt(st, msg, now); next != "" {
		parts = append(parts, next)
	}
	if len(parts) == 0 {
		return status
	}
	return status + ": " + strings.Join(parts, "; ")
}

// nextAttempt says when a DELAYED step is tried again, or "". The clock
// time is left out when msg, the step's reason, already gives it.
func nextAttempt(st StepInfo, msg string, now time.Time) string {
	if st.Status != string(Delayed) || st.Delayed == "" {
		return ""
	}
	until, err := time.Parse(time.RFC3339Nano, st.Delayed)
	if err != nil {
		return ""
	}
	at := until.UTC().Format(clock)
	known := strings.Contains(msg, at)
	wait := until.Sub(now).Round(time.Second)
	switch {
	case wait <= 0 && known:
		return "next attempt now"
	case wait <= 0:
		return "next attempt now (due at " + at + ")"
	case known:
		return "next attempt in " + wait.String()
	}
	return "next attempt in " + wait.String() + " at " + at
}
