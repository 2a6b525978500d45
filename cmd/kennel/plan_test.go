package main

import (
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/plans"
)

func TestPlanStatusTree(t *testing.T) {
	isolate(t)
	for _, tc := range []struct {
		name, fixture string
		code          int
	}{
		{"plan-status-in-progress.golden", "plan-deploy-in-progress.json", 202},
		{"plan-status-two-phases.golden", "plan-deploy-two-phases.json", 202},
		{"plan-status-errors.golden", "plan-deploy-errors.json", 417}, // not a failure
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, map[string][]answer{"GET /v1/plans/deploy": {{code: tc.code, body: response(t, tc.fixture)}}})
			out, errOut, code := runAs(t, "kennel", "plan", "status", "--url", api.URL)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden(t, tc.name, out)
		})
	}
}

func TestPlanCommands(t *testing.T) {
	isolate(t)
	ok := []answer{{code: 200, body: `{"message":"Received cmd: ..."}`}}
	api := newFakeAPI(t, map[string][]answer{
		"POST /v1/plans/deploy/stop":          ok,
		"POST /v1/plans/deploy/interrupt":     ok,
		"POST /v1/plans/deploy/continue":      ok,
		"POST /v1/plans/deploy/restart":       ok,
		"POST /v1/plans/deploy/forceComplete": ok,
		"POST /v1/plans/backup/start":         ok,
	})
	for _, tc := range []struct {
		args                []string
		want                string
		path, query, body   string
		wantJSONContentType bool
	}{
		{[]string{"plan", "stop", "deploy"}, "Plan deploy has been stopped.\n", "/v1/plans/deploy/stop", "", "", false},
		{[]string{"plan", "pause", "deploy"}, "Plan deploy has been paused.\n", "/v1/plans/deploy/interrupt", "", "", false},
		{[]string{"plan", "interrupt", "deploy", "broker"}, "Phase broker of plan deploy has been paused.\n", "/v1/plans/deploy/interrupt", "phase=broker", "", false},
		{[]string{"plan", "resume", "deploy"}, "Plan deploy has been resumed.\n", "/v1/plans/deploy/continue", "", "", false},
		{[]string{"plan", "continue", "deploy", "broker"}, "Phase broker of plan deploy has been resumed.\n", "/v1/plans/deploy/continue", "phase=broker", "", false},
		{[]string{"plan", "force-restart", "deploy"}, "Plan deploy has been restarted.\n", "/v1/plans/deploy/restart", "", "", false},
		{[]string{"plan", "restart", "deploy", "broker", "kafka-0:[broker]"}, "Step kafka-0:[broker] of phase broker of plan deploy has been restarted.\n",
			"/v1/plans/deploy/restart", "phase=broker&step=kafka-0%3A%5Bbroker%5D", "", false},
		{[]string{"plan", "force", "deploy", "broker", "kafka-1:[broker]"}, "Step kafka-1:[broker] of phase broker of plan deploy has been forced to complete.\n",
			"/v1/plans/deploy/forceComplete", "phase=broker&step=kafka-1%3A%5Bbroker%5D", "", false},
		{[]string{"plan", "start", "backup", "-p", "BUCKET=s3://b=1", "--param", "DRY_RUN=true"}, "Plan backup has been started.\n",
			"/v1/plans/backup/start", "", `{"BUCKET":"s3://b=1","DRY_RUN":"true"}`, true},
		{[]string{"plan", "start", "backup"}, "Plan backup has been started.\n", "/v1/plans/backup/start", "", `{}`, true},
	} {
		out, errOut, code := runAs(t, "kennel", append(tc.args, "--url", api.URL)...)
		if code != 0 || out != tc.want {
			t.Errorf("%v: exit %d, stdout %q (stderr %q), want %q", tc.args, code, out, errOut, tc.want)
			continue
		}
		req := api.last(t)
		if req.method != "POST" || req.path != tc.path || req.query != tc.query || req.body != tc.body {
			t.Errorf("%v: sent %s %s?%s %q, want POST %s?%s %q", tc.args, req.method, req.path, req.query, req.body, tc.path, tc.query, tc.body)
		}
		if got := req.header.Get("Content-Type") == "application/json"; got != tc.wantJSONContentType {
			t.Errorf("%v: Content-Type %q", tc.args, req.header.Get("Content-Type"))
		}
	}
}

func TestPlanCommandArguments(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t, nil)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"plan", "start", "backup", "-p", "NOEQUALS"}, `-p "NOEQUALS": want KEY=VALUE`},
		{[]string{"plan", "start", "backup", "-p", "=v"}, `-p "=v": want KEY=VALUE`},
		{[]string{"plan", "force-complete", "deploy", "broker"}, "accepts 3 arg(s)"},
		{[]string{"plan", "status", "--watch", "--json"}, "does not go with --json"},
	} {
		_, errOut, code := runAs(t, "kennel", append(tc.args, "--url", api.URL)...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want an error with %q", tc.args, code, errOut, tc.want)
		}
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("bad arguments sent %d requests", n)
	}
}

func TestPlanWatchStopsWhenComplete(t *testing.T) {
	isolate(t)
	running := answer{code: 202, body: response(t, "plan-deploy-in-progress.json")}
	api := newFakeAPI(t, map[string][]answer{"GET /v1/plans/deploy": {running, running, {code: 200, body: response(t, "plan-deploy-complete.json")}}})
	out, errOut, code := runAs(t, "kennel", "plan", "status", "--watch", "--interval", "5ms", "--url", api.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if n := len(api.requests()); n != 3 {
		t.Errorf("%d polls, want 3", n)
	}
	frames := strings.Split(out, "\n\n")
	if len(frames) != 3 {
		t.Fatalf("%d frames, want 3:\n%s", len(frames), out)
	}
	for i, want := range []string{"1/3 steps complete, elapsed ", "1/3 steps complete, elapsed ", "3/3 steps complete, elapsed "} {
		lines := strings.Split(strings.TrimSuffix(frames[i], "\n"), "\n")
		if !strings.HasPrefix(lines[0], "deploy (serial strategy) (") || !strings.HasPrefix(lines[len(lines)-1], want) {
			t.Errorf("frame %d:\n%s\nwant a tree and a line %q...", i, frames[i], want)
		}
	}
	if strings.Contains(out, clearScreen) {
		t.Error("cleared the screen of a non-terminal")
	}
}

func TestPlanWatchEndsOnErrors(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t, map[string][]answer{"GET /v1/plans/deploy": {
		{code: 202, body: response(t, "plan-deploy-in-progress.json")},
		{code: 417, body: response(t, "plan-deploy-errors.json")},
	}})
	out, _, code := runAs(t, "kennel", "plan", "status", "--watch", "--interval", "5ms", "--url", api.URL)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(out, "Errors:\n- Pod kafka-0 needs 16 cpus; no agent has more than 4\n") {
		t.Errorf("the errors are not printed:\n%s", out)
	}
}

func TestProgressLine(t *testing.T) {
	begun := time.Date(2026, 8, 1, 10, 5, 0, 0, time.UTC)
	step := func(status, started string) plans.StepInfo { return plans.StepInfo{Status: status, Started: started} }
	for _, tc := range []struct {
		name  string
		steps []plans.StepInfo
		now   time.Time
		want  string
	}{
		{"no steps started: since the watch began", []plans.StepInfo{step("PENDING", "")}, begun.Add(5 * time.Second), "0/1 steps complete, elapsed 5s"},
		{"earliest start", []plans.StepInfo{step("COMPLETE", "2026-08-01T10:03:58Z"), step("STARTING", "2026-08-01T10:04:30Z"), step("PENDING", "")},
			begun, "1/3 steps complete, elapsed 1m02s"},
		{"hours", []plans.StepInfo{step("COMPLETE", "2026-08-01T08:01:56Z")}, begun, "1/1 steps complete, elapsed 2h03m04s"},
		{"a bad timestamp is ignored", []plans.StepInfo{step("COMPLETE", "yesterday")}, begun, "1/1 steps complete, elapsed 0s"},
	} {
		info := plans.PlanInfo{Phases: []plans.PhaseInfo{{Steps: tc.steps}}}
		if got := progress(info, begun, tc.now); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
