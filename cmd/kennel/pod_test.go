package main

import (
	"testing"
)

func TestPodStatusTrees(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t, map[string][]answer{
		"GET /v1/pod/status":         {{code: 200, body: response(t, "pod-status.json")}},
		"GET /v1/pod/world-0/status": {{code: 200, body: response(t, "pod-instance-status.json")}},
		"GET /v1/pod/hello-0/info":   {{code: 200, body: response(t, "pod-info-hello-0.json")}},
		"GET /v1/pod/hello-1/info":   {{code: 200, body: response(t, "pod-info-hello-1.json")}},
		"GET /v1/pod/world-0/info":   {{code: 200, body: response(t, "pod-info-world-0.json")}},
	})
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"pod-status.golden", []string{"pod", "status"}},
		{"pod-status-instance.golden", []string{"pod", "status", "world-0"}},
	} {
		out, errOut, code := runAs(t, "kennel", append(tc.args, "--url", api.URL)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errOut)
		}
		golden(t, tc.golden, out)
	}
}

func TestPodCommands(t *testing.T) {
	isolate(t)
	action := []answer{{code: 200, body: `{"pod":"hello-0","tasks":["hello-0-server","hello-0-sidecar"]}`}}
	api := newFakeAPI(t, map[string][]answer{
		"POST /v1/pod/hello-0/restart": action,
		"POST /v1/pod/hello-0/replace": action,
		"POST /v1/pod/hello-0/pause":   action,
		"POST /v1/pod/hello-0/resume":  action,
	})
	// the scheduler's JSON as received, indented: with or without --json
	const printed = "{\n  \"pod\": \"hello-0\",\n  \"tasks\": [\n    \"hello-0-server\",\n    \"hello-0-sidecar\"\n  ]\n}\n"
	for _, tc := range []struct {
		args       []string
		path, body string
	}{
		{[]string{"pod", "restart", "hello-0"}, "/v1/pod/hello-0/restart", ""},
		{[]string{"pod", "replace", "hello-0"}, "/v1/pod/hello-0/replace", ""},
		{[]string{"pod", "pause", "hello-0", "-t", "server", "--task", "hello-0-sidecar"}, "/v1/pod/hello-0/pause", `["server","hello-0-sidecar"]`},
		{[]string{"pod", "resume", "hello-0"}, "/v1/pod/hello-0/resume", ""},
		{[]string{"debug", "pod", "pause", "hello-0", "-t", "server"}, "/v1/pod/hello-0/pause", `["server"]`},
		{[]string{"pod", "restart", "hello-0", "--json"}, "/v1/pod/hello-0/restart", ""},
		{[]string{"pod", "replace", "hello-0", "--json"}, "/v1/pod/hello-0/replace", ""},
		{[]string{"pod", "pause", "hello-0", "--json"}, "/v1/pod/hello-0/pause", ""},
		{[]string{"pod", "resume", "hello-0", "-t", "server", "--json"}, "/v1/pod/hello-0/resume", `["server"]`},
		{[]string{"debug", "pod", "resume", "hello-0", "--json"}, "/v1/pod/hello-0/resume", ""},
	} {
		out, errOut, code := runAs(t, "kennel", append(tc.args, "--url", api.URL)...)
		if code != 0 || out != printed {
			t.Errorf("%v: exit %d, stdout %q (stderr %q), want %q", tc.args, code, out, errOut, printed)
			continue
		}
		req := api.last(t)
		if req.method != "POST" || req.path != tc.path || req.body != tc.body {
			t.Errorf("%v: sent %s %s %q, want POST %s %q", tc.args, req.method, req.path, req.body, tc.path, tc.body)
		}
	}
}

func TestDebugOffersReport(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t, map[string][]answer{"GET /v1/debug/offers": {{code: 200, body: response(t, "debug-offers.json")}}})
	out, errOut, code := runAs(t, "kennel", "debug", "offers", "--plan", "deploy", "--phase", "broker", "--step", "kafka-1:[broker]", "--url", api.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if q := api.last(t).query; q != "phase=broker&plan=deploy&step=kafka-1%3A%5Bbroker%5D" {
		t.Errorf("query %q", q)
	}
	golden(t, "debug-offers.golden", out)
}
