package executor

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

func commandHealthCheck(command string, failures uint32, grace float64) *mesos.HealthCheck {
	return &mesos.HealthCheck{
		Type:                mesos.HealthCheck_COMMAND,
		Command:             &mesos.CommandInfo{Value: &command},
		DelaySeconds:        ptr(0.0),
		IntervalSeconds:     ptr(0.1),
		TimeoutSeconds:      ptr(5.0),
		ConsecutiveFailures: &failures,
		GracePeriodSeconds:  &grace,
	}
}

func TestFailingHealthCheckKillsTask(t *testing.T) {
	t.Parallel()
	h := startExecutor(t, func(_ *Config, a *fakeAgent) { a.killingState = true })
	info := withKillGrace(shellTask("sick", "sleep 60"), time.Second)
	info.HealthCheck = commandHealthCheck("exit 1", 2, 0)
	h.agent.push(launchEvent(info))
	if err := h.wait(30 * time.Second); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	updates := h.agent.taskUpdates("sick")
	checkStates(t, "sick", h.agent.states("sick"),
		mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_RUNNING, mesos.TASK_RUNNING, mesos.TASK_KILLING, mesos.TASK_KILLED)
	if len(updates) != 6 {
		t.FailNow()
	}
	if updates[1].Healthy != nil || updates[1].Reason != nil {
		t.Errorf("first TASK_RUNNING: healthy %v reason %v, want neither", updates[1].Healthy, updates[1].Reason)
	}
	for _, st := range updates[2:4] {
		if st.Healthy == nil || *st.Healthy || st.GetReason() != mesos.REASON_TASK_HEALTH_CHECK_STATUS_UPDATED {
			t.Errorf("health update: healthy %v reason %v, want false and %s", st.Healthy, st.GetReason(), mesos.REASON_TASK_HEALTH_CHECK_STATUS_UPDATED)
		}
	}
	if st := updates[4]; st.Reason != nil {
		t.Errorf("TASK_KILLING reason %v, want none", st.GetReason())
	}
	if st := updates[5]; st.Healthy == nil || *st.Healthy || st.Reason != nil {
		t.Errorf("TASK_KILLED healthy %v reason %v, want healthy=false and no reason", st.Healthy, st.Reason)
	}
}

func TestHealthCheckGracePeriodIgnoresEarlyFailures(t *testing.T) {
	t.Parallel()
	const grace = 0.6
	h := startExecutor(t, nil)
	info := withKillGrace(shellTask("slow", "sleep 60"), time.Second)
	info.HealthCheck = commandHealthCheck("exit 1", 1, grace)
	h.agent.push(launchEvent(info))
	if err := h.wait(30 * time.Second); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	checkStates(t, "slow", h.agent.states("slow"), mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_RUNNING, mesos.TASK_KILLED)
	updates := h.agent.taskUpdates("slow")
	if len(updates) == 4 {
		if d := updates[2].GetTimestamp() - updates[1].GetTimestamp(); d < grace-0.05 {
			t.Errorf("first unhealthy update %.2fs after TASK_RUNNING, within the %.1fs grace period", d, grace)
		}
	}
}

func TestHealthyHTTPHealthCheckAndTCPCheck(t *testing.T) {
	t.Parallel()
	// The health check probes an HTTP server and the check a TCP listener
	// of its own; both count the probes they see.
	var healthProbes, checkProbes atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" {
			http.NotFound(w, r)
			return
		}
		healthProbes.Add(1)
	}))
	t.Cleanup(srv.Close)
	_, portText, _ := net.SplitHostPort(srv.Listener.Addr().String())
	port, _ := strconv.Atoi(portText)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			checkProbes.Add(1)
			c.Close()
		}
	}()
	checkPort := ln.Addr().(*net.TCPAddr).Port

	h := startExecutor(t, nil)
	info := shellTask("web", "sleep 60")
	info.HealthCheck = &mesos.HealthCheck{
		Type:            mesos.HealthCheck_HTTP,
		HTTP:            &mesos.HealthCheck_HTTPCheckInfo{Port: uint32(port), Path: ptr("/health")},
		DelaySeconds:    ptr(0.0),
		IntervalSeconds: ptr(0.05),
	}
	info.Check = &mesos.CheckInfo{
		Type:            mesos.CheckInfo_TCP,
		TCP:             &mesos.CheckInfo_Tcp{Port: uint32(checkPort)},
		DelaySeconds:    ptr(0.0),
		IntervalSeconds: ptr(0.05),
	}
	h.agent.push(launchEvent(info))
	eventually(t, 30*time.Second, "a healthy update and a check result", func() bool {
		var healthy, checked bool
		for _, st := range h.agent.taskUpdates("web") {
			healthy = healthy || st.GetHealthy()
			checked = checked || st.GetCheckStatus().GetTCP().GetSucceeded()
		}
		return healthy && checked
	})
	// Each checker probes, reports, waits and probes again: once two more
	// probes of each have begun, the results of at least one more of each
	// were handled, and they had nothing new to report.
	health0, check0 := healthProbes.Load(), checkProbes.Load()
	eventually(t, 30*time.Second, "two more probes of each checker", func() bool {
		return healthProbes.Load() >= health0+2 && checkProbes.Load() >= check0+2
	})
	h.agent.push(killEvent("web", -1))
	if err := h.wait(30 * time.Second); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	var healthyUpdates, checkUpdates int
	for _, st := range h.agent.taskUpdates("web") {
		switch st.GetReason() {
		case mesos.REASON_TASK_HEALTH_CHECK_STATUS_UPDATED:
			healthyUpdates++
		case mesos.REASON_TASK_CHECK_STATUS_UPDATED:
			checkUpdates++
		}
	}
	if healthyUpdates != 1 || checkUpdates != 1 {
		t.Errorf("%d health and %d check updates, want one of each: %v", healthyUpdates, checkUpdates, h.agent.states("web"))
	}
	updates := h.agent.taskUpdates("web")
	last := updates[len(updates)-1]
	if last.GetState() != mesos.TASK_KILLED || last.Healthy != nil {
		t.Errorf("last update %s healthy %v, want TASK_KILLED without healthy", last.GetState(), last.Healthy)
	}
	if cs := last.GetCheckStatus(); cs.GetType() != mesos.CheckInfo_TCP || cs.GetTCP() == nil || cs.GetTCP().Succeeded != nil {
		t.Errorf("TASK_KILLED check_status = %v, want an empty TCP result", cs)
	}
}

func TestCommandCheckReportsChanges(t *testing.T) {
	t.Parallel()
	h := startExecutor(t, func(_ *Config, a *fakeAgent) { a.killingState = true })
	info := shellTask("ready", "sleep 0.5; touch ready; sleep 60")
	check := "test -f ready"
	info.Check = &mesos.CheckInfo{
		Type:            mesos.CheckInfo_COMMAND,
		Command:         &mesos.CheckInfo_Command{Command: mesos.CommandInfo{Value: &check}},
		DelaySeconds:    ptr(0.0),
		IntervalSeconds: ptr(0.1),
		TimeoutSeconds:  ptr(5.0),
	}
	h.agent.push(launchEvent(info))
	eventually(t, 30*time.Second, "check exit code 0", func() bool {
		for _, st := range h.agent.taskUpdates("ready") {
			if cmd := st.GetCheckStatus().GetCommand(); cmd != nil && cmd.ExitCode != nil && *cmd.ExitCode == 0 {
				return true
			}
		}
		return false
	})
	h.agent.push(killEvent("ready", -1))
	if err := h.wait(30 * time.Second); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	type seen struct {
		state  mesos.TaskState
		reason mesos.TaskStatus_Reason
		code   string
	}
	var got []seen
	for _, st := range h.agent.taskUpdates("ready") {
		s := seen{state: st.GetState(), reason: st.GetReason(), code: "none"}
		if st.CheckStatus != nil {
			if st.CheckStatus.GetType() != mesos.CheckInfo_COMMAND || st.CheckStatus.Command == nil {
				t.Errorf("%s check_status = %v, want type COMMAND", st.GetState(), st.CheckStatus)
			}
			s.code = "empty"
			if c := st.CheckStatus.GetCommand(); c != nil && c.ExitCode != nil {
				s.code = strconv.Itoa(int(*c.ExitCode))
			}
		}
		got = append(got, s)
	}
	want := []seen{
		{mesos.TASK_STARTING, 0, "empty"},
		{mesos.TASK_RUNNING, 0, "empty"},
		{mesos.TASK_RUNNING, mesos.REASON_TASK_CHECK_STATUS_UPDATED, "1"},
		{mesos.TASK_RUNNING, mesos.REASON_TASK_CHECK_STATUS_UPDATED, "0"},
		{mesos.TASK_KILLING, 0, "empty"},
		{mesos.TASK_KILLED, 0, "empty"},
	}
	if len(got) != len(want) {
		t.Fatalf("updates = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("update %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestHealthyStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code     int
		statuses []uint32
		want     bool
	}{
		{200, nil, true},
		{302, nil, true},
		{399, nil, true},
		{404, nil, false},
		{500, nil, false},
		{199, nil, false},
		{503, []uint32{200, 503}, true},
		{200, []uint32{204}, false},
	} {
		if got := healthyStatus(tc.code, tc.statuses); got != tc.want {
			t.Errorf("healthyStatus(%d, %v) = %v, want %v", tc.code, tc.statuses, got, tc.want)
		}
	}
}
