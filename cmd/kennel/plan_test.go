package main

import (
	"fmt"
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
		// reasons on the steps' lines; the next attempt is past, so the
		// line does not depend on the clock
		{"plan-status-delayed.golden", "plan-deploy-delayed.json", 202},
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

// TestPlanCommands checks the requests plan commands send and, in the
// golden transcript plan-commands.golden, what they print: the DC/OS
// CLI's sentences, "could not be" when the 200 has no message (plan
// "quiet") or is not JSON (plan "text"), the scheduler's JSON for start,
// stop and --json.
func TestPlanCommands(t *testing.T) {
	isolate(t)
	const received = `{"message":"Received cmd: ..."}`
	answers := map[string][]answer{}
	for _, verb := range []string{"start", "stop", "interrupt", "continue", "restart", "forceComplete"} {
		answers["POST /v1/plans/deploy/"+verb] = []answer{{code: 200, body: received}}
		answers["POST /v1/plans/quiet/"+verb] = []answer{{code: 200, body: `{}`}}
		answers["POST /v1/plans/text/"+verb] = []answer{{code: 200, body: "OK", ctype: "text/plain"}}
	}
	answers["POST /v1/plans/backup/start"] = []answer{{code: 200, body: received}}
	api := newFakeAPI(t, answers)
	var transcript strings.Builder
	for _, tc := range []struct {
		args                []string
		path, query, body   string
		wantJSONContentType bool
	}{
		{[]string{"plan", "pause", "deploy"}, "/v1/plans/deploy/interrupt", "", "", false},
		{[]string{"plan", "interrupt", "deploy", "broker"}, "/v1/plans/deploy/interrupt", "phase=broker", "", false},
		{[]string{"plan", "resume", "deploy"}, "/v1/plans/deploy/continue", "", "", false},
		{[]string{"plan", "continue", "deploy", "broker"}, "/v1/plans/deploy/continue", "phase=broker", "", false},
		{[]string{"plan", "force-restart", "deploy"}, "/v1/plans/deploy/restart", "", "", false},
		{[]string{"plan", "force-restart", "deploy", "broker"}, "/v1/plans/deploy/restart", "phase=broker", "", false},
		{[]string{"plan", "restart", "deploy", "broker", "kafka-0:[broker]"}, "/v1/plans/deploy/restart", "phase=broker&step=kafka-0%3A%5Bbroker%5D", "", false},
		{[]string{"plan", "force-complete", "deploy"}, "/v1/plans/deploy/forceComplete", "", "", false},
		{[]string{"plan", "force-complete", "deploy", "broker"}, "/v1/plans/deploy/forceComplete", "phase=broker", "", false},
		{[]string{"plan", "force", "deploy", "broker", "kafka-1:[broker]"}, "/v1/plans/deploy/forceComplete", "phase=broker&step=kafka-1%3A%5Bbroker%5D", "", false},
		{[]string{"plan", "pause", "quiet"}, "/v1/plans/quiet/interrupt", "", "", false},
		{[]string{"plan", "pause", "quiet", "broker"}, "/v1/plans/quiet/interrupt", "phase=broker", "", false},
		{[]string{"plan", "resume", "quiet"}, "/v1/plans/quiet/continue", "", "", false},
		{[]string{"plan", "resume", "quiet", "broker"}, "/v1/plans/quiet/continue", "phase=broker", "", false},
		{[]string{"plan", "force-restart", "quiet"}, "/v1/plans/quiet/restart", "", "", false},
		{[]string{"plan", "force-restart", "quiet", "broker"}, "/v1/plans/quiet/restart", "phase=broker", "", false},
		{[]string{"plan", "force-restart", "quiet", "broker", "kafka-0:[broker]"}, "/v1/plans/quiet/restart", "phase=broker&step=kafka-0%3A%5Bbroker%5D", "", false},
		{[]string{"plan", "force-complete", "quiet"}, "/v1/plans/quiet/forceComplete", "", "", false},
		{[]string{"plan", "force-complete", "quiet", "broker"}, "/v1/plans/quiet/forceComplete", "phase=broker", "", false},
		{[]string{"plan", "force-complete", "quiet", "broker", "kafka-1:[broker]"}, "/v1/plans/quiet/forceComplete", "phase=broker&step=kafka-1%3A%5Bbroker%5D", "", false},
		{[]string{"plan", "pause", "text"}, "/v1/plans/text/interrupt", "", "", false},
		{[]string{"plan", "stop", "deploy"}, "/v1/plans/deploy/stop", "", "", false},
		{[]string{"plan", "stop", "deploy", "--json"}, "/v1/plans/deploy/stop", "", "", false},
		{[]string{"plan", "stop", "text"}, "/v1/plans/text/stop", "", "", false},
		{[]string{"plan", "start", "backup", "-p", "BUCKET=s3://b=1", "--param", "DRY_RUN=true"}, "/v1/plans/backup/start", "",
			`{"BUCKET":"s3://b=1","DRY_RUN":"true"}`, true},
		{[]string{"plan", "start", "backup", "--json"}, "/v1/plans/backup/start", "", `{}`, true},
		{[]string{"plan", "pause", "deploy", "--json"}, "/v1/plans/deploy/interrupt", "", "", false},
		{[]string{"plan", "resume", "quiet", "broker", "--json"}, "/v1/plans/quiet/continue", "phase=broker", "", false},
		{[]string{"plan", "force-restart", "deploy", "--json"}, "/v1/plans/deploy/restart", "", "", false},
		{[]string{"plan", "force-complete", "deploy", "broker", "kafka-1:[broker]", "--json"}, "/v1/plans/deploy/forceComplete",
			"phase=broker&step=kafka-1%3A%5Bbroker%5D", "", false},
		{[]string{"plan", "force-complete", "text", "--json"}, "/v1/plans/text/forceComplete", "", "", false},
	} {
		out, errOut, code := runAs(t, "kennel", append(tc.args, "--url", api.URL)...)
		if code != 0 || errOut != "" {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errOut)
			continue
		}
		fmt.Fprintf(&transcript, "$ kennel %s\n%s\n", strings.Join(tc.args, " "), out)
		req := api.last(t)
		if req.method != "POST" || req.path != tc.path || req.query != tc.query || req.body != tc.body {
			t.Errorf("%v: sent %s %s?%s %q, want POST %s?%s %q", tc.args, req.method, req.path, req.query, req.body, tc.path, tc.query, tc.body)
		}
		if got := req.header.Get("Content-Type") == "application/json"; got != tc.wantJSONContentType {
			t.Errorf("%v: Content-Type %q", tc.args, req.header.Get("Content-Type"))
		}
	}
	golden(t, "plan-commands.golden", transcript.String())
}

// TestPlanSentence pins the DC/OS CLI's sentences word for word
// (cli/queries/plan.go), beside the golden transcript.
func TestPlanSentence(t *testing.T) {
	for _, tc := range []struct {
		plan, phase, step, done string
		ok                      bool
		want                    string
	}{
		{"deploy", "", "", "paused", true, `"deploy" plan has been paused.`},
		{"deploy", "broker", "", "paused", true, `"deploy" plan: phase "broker" has been paused.`},
		{"deploy", "", "", "resumed", false, `"deploy" plan could not be resumed.`},
		{"deploy", "broker", "", "resumed", false, `"deploy" plan: phase "broker" could not be resumed.`},
		{"deploy", "broker", "kafka-0:[broker]", "restarted", true, `"deploy" plan: step "kafka-0:[broker]" in phase "broker" has been restarted.`},
		{"deploy", "broker", "kafka-0:[broker]", "forced to complete", false,
			`"deploy" plan: step "kafka-0:[broker]" in phase "broker" could not be forced to complete.`},
		{"deploy", "", "", "forced to complete", true, `"deploy" plan has been forced to complete.`},
		{"deploy", "broker", "", "forced to complete", true, `"deploy" plan: phase "broker" has been forced to complete.`},
	} {
		if got := planSentence(tc.plan, tc.phase, tc.step, tc.done, tc.ok); got != tc.want {
			t.Errorf("planSentence(%q, %q, %q, %q, %t) = %s, want %s", tc.plan, tc.phase, tc.step, tc.done, tc.ok, got, tc.want)
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
		{[]string{"plan", "force-complete"}, "accepts between 1 and 3 arg(s)"},
		{[]string{"plan", "force-complete", "deploy", "broker", "kafka-0:[broker]", "extra"}, "accepts between 1 and 3 arg(s)"},
		{[]string{"plan", "pause", "deploy", "broker", "kafka-0:[broker]"}, "accepts between 1 and 2 arg(s)"},
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
