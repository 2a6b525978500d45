package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/cobra"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// answer is one canned response of the fake scheduler.
type answer struct {
	code  int
	body  string
	ctype string // default application/json
}

// request is what the fake scheduler received.
type request struct {
	method, path, query, body string
	header                    http.Header
}

// fakeAPI answers "METHOD /path" with its answers in turn, repeating the
// last, and 404 for anything else; it records every request.
type fakeAPI struct {
	*httptest.Server
	mu      sync.Mutex
	answers map[string][]answer
	reqs    []request
}

func newFakeAPI(t *testing.T, answers map[string][]answer) *fakeAPI {
	t.Helper()
	f := &fakeAPI{answers: answers}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, request{method: r.Method, path: r.URL.EscapedPath(), query: r.URL.RawQuery, body: string(body), header: r.Header.Clone()})
	key := r.Method + " " + r.URL.EscapedPath()
	list := f.answers[key]
	a := answer{code: 404, body: "no route " + key, ctype: "text/plain"}
	if len(list) > 0 {
		a = list[0]
		if len(list) > 1 {
			f.answers[key] = list[1:]
		}
	}
	f.mu.Unlock()
	if a.ctype == "" {
		a.ctype = "application/json"
	}
	w.Header().Set("Content-Type", a.ctype)
	w.WriteHeader(a.code)
	io.WriteString(w, a.body)
}

// requests returns the requests received so far.
func (f *fakeAPI) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.reqs...)
}

// last returns the last request received.
func (f *fakeAPI) last(t *testing.T) request {
	t.Helper()
	reqs := f.requests()
	if len(reqs) == 0 {
		t.Fatal("the scheduler got no request")
	}
	return reqs[len(reqs)-1]
}

// isolate keeps the caller's environment (a real KENNEL_URL, DC/OS CLI
// configuration or local cluster) out of a test.
func isolate(t *testing.T) {
	t.Helper()
	for _, k := range []string{"KENNEL_URL", "KENNEL_TOKEN", "DCOS_URL", "DCOS_DCOS_URL", "DCOS_ACS_TOKEN",
		"DCOS_DCOS_ACS_TOKEN", "DCOS_SSL_VERIFY", "DCOS_CONFIG", "DCOS_CLUSTER",
		"DCOS_HELLO_SERVICE_NAME", "DCOS_KAFKA_SERVICE_NAME", "DCOS_BETA_KAFKA_SERVICE_NAME"} {
		t.Setenv(k, "")
	}
	t.Setenv("DCOS_DIR", t.TempDir())
	t.Setenv("XDG_DATA_HOME", t.TempDir())
}

// runAs runs the command tree built for program (argv[0]'s base name).
func runAs(t *testing.T, program string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := rootCommandFor(program)
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(cliArgs(dcosModule(program), args))
	err := cmd.Execute()
	var exit exitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.code
	default:
		code = 1
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), code
}

// response returns a recorded response body from testdata/responses.
func response(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "responses", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// golden compares got with testdata/golden/<name>, or rewrites it with
// -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// sameJSON reports whether a and b are the same JSON value.
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, a)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return reflect.DeepEqual(x, y)
}

func TestSchedulerErrorsAreExplained(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t, map[string][]answer{
		"POST /v1/plans/deploy/continue": {{code: 208, body: "Command has already been reported or completed", ctype: "text/plain"}},
		"GET /v1/pod/kafka-9/status":     {{code: 404, body: `{"message":"Pod kafka-9 not found"}`}},
		"GET /v1/plans/nope":             {{code: 404, body: "Plan nope not found\n", ctype: "text/plain"}},
		"GET /v1/plans":                  {{code: 401, body: `{"title":"Missing auth"}`}},
		"GET /v1/pod":                    {{code: 500}},
		"GET /v1/state/properties/nope":  {{code: 404, body: "Property nope not found", ctype: "text/plain"}},
		"GET /v1/state/properties":       {{code: 200, body: `["ready:hello-0-server"]`}},
		"POST /v1/plans/deploy/forceComplete": {{code: 404, body: "Phase nophase not found", ctype: "text/plain"},
			{code: 404, body: "Step nostep not found", ctype: "text/plain"}},
		"GET /v1/plans/deploy": {{code: 200, body: `{"phases":[{"id":"p1","name":"hello","status":"COMPLETE","strategy":"serial",` +
			`"steps":[{"id":"s1","name":"hello-0:[server]","status":"COMPLETE"}]}],"errors":[],"status":"COMPLETE","strategy":"serial"}`}},
	})
	url := "--url=" + api.URL
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"plan", "resume", "deploy", url}, "kennel: " + alreadyReported + "\n"},
		{[]string{"pod", "status", "kafka-9", url}, "kennel: Pod kafka-9 not found\n"},
		{[]string{"plan", "status", "nope", url}, "kennel: Plan nope not found\n"},
		{[]string{"plan", "list", url}, "kennel: " + unauthorized + "\n"},
		{[]string{"pod", "list", url}, "kennel: the scheduler answered 500 Internal Server Error: Internal Server Error\n"},
		{[]string{"state", "property", "nope", url}, "kennel: Property nope not found; the properties are: ready:hello-0-server\n"},
		{[]string{"plan", "force-complete", "deploy", "nophase", url}, "kennel: Phase nophase not found; the phases of deploy are: hello\n"},
		{[]string{"plan", "force-complete", "deploy", "hello", "nostep", url}, "kennel: Step nostep not found; the steps of deploy/hello are: hello-0:[server]\n"},
	} {
		out, errOut, code := runAs(t, "kennel", tc.args...)
		if code != 1 || errOut != tc.want || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and stderr %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

// TestUnauthorizedHint: a 401 or 403 says which token to set, Kennel's or,
// run as dcos-<module>, the DC/OS CLI's login.
func TestUnauthorizedHint(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t, map[string][]answer{
		"GET /v1/plans":               {{code: 401, body: "Unauthorized: send Authorization: Bearer <token> or token=<token>", ctype: "text/plain"}},
		"GET /service/hello/v1/plans": {{code: 401, body: `{"title":"Unauthorized"}`}},
		"GET /service/hello/v1/pod":   {{code: 403, body: `{"title":"Forbidden"}`}},
	})
	dcosCluster(t, api.URL, "true")
	for _, tc := range []struct {
		program string
		args    []string
		want    string
	}{
		{"kennel", []string{"plan", "list", "--url", api.URL}, "kennel: " + unauthorized},
		{"dcos-hello", []string{"hello", "plan", "list"}, unauthorizedDCOS},
		{"dcos-hello", []string{"hello", "pod", "list"}, unauthorizedDCOS},
		{"dcos-hello", []string{"hello", "plan", "list", "--url", api.URL}, unauthorizedDCOS},
	} {
		_, errOut, code := runAs(t, tc.program, tc.args...)
		if code != 1 || errOut != tc.want+"\n" {
			t.Errorf("%s %v: exit %d, stderr %q; want exit 1 and %q", tc.program, tc.args, code, errOut, tc.want)
		}
	}
	if !strings.Contains(unauthorizedDCOS, "dcos auth login") || !strings.Contains(unauthorizedDCOS, "core.dcos_acs_token") {
		t.Errorf("the DC/OS hint does not say how to log in: %q", unauthorizedDCOS)
	}
}

// TestEveryAPICommandAcceptsJSON: every command that talks to a scheduler
// takes --json, in both kennel and dcos-<module> trees.
func TestEveryAPICommandAcceptsJSON(t *testing.T) {
	var walk func(path string, cmd *cobra.Command)
	n := 0
	walk = func(path string, cmd *cobra.Command) {
		path += " " + cmd.Name()
		if cmd.Runnable() {
			n++
			if f := cmd.Flags().Lookup("json"); f == nil || f.Value.Type() != "bool" {
				t.Errorf("%s: no --json", path)
			}
		}
		for _, sub := range cmd.Commands() {
			walk(path, sub)
		}
	}
	for _, module := range []string{"", "kafka"} {
		for _, cmd := range apiCommands(module) {
			walk(module, cmd)
		}
	}
	if n < 50 { // 30 a tree today
		t.Errorf("walked %d commands, fewer than expected", n)
	}
}

func TestUnreachableSchedulerIsNamed(t *testing.T) {
	isolate(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	_, errOut, code := runAs(t, "kennel", "plan", "list", "--url", srv.URL)
	if code != 1 || !strings.Contains(errOut, "cannot reach the scheduler at "+srv.URL+"/v1/plans") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func TestJSONOutputIsTheSchedulersJSON(t *testing.T) {
	isolate(t)
	bodies := map[string]string{
		"GET /v1/plans":                   `["deploy","recovery"]`,
		"GET /v1/plans/deploy":            response(t, "plan-deploy-in-progress.json"),
		"GET /v1/pod":                     `["hello-0","hello-1","world-0"]`,
		"GET /v1/pod/status":              response(t, "pod-status.json"),
		"GET /v1/pod/world-0/status":      response(t, "pod-instance-status.json"),
		"GET /v1/pod/hello-0/info":        response(t, "pod-info.json"),
		"GET /v1/endpoints":               `["broker"]`,
		"GET /v1/endpoints/broker":        response(t, "endpoint-broker.json"),
		"GET /v1/configurations/target":   response(t, "config-target.json"),
		"GET /v1/configurations/targetId": `["9a3c"]`,
		"GET /v1/state/frameworkId":       `["a1b2-0001"]`,
		"GET /v1/state/properties":        `["uninstalling"]`,
		"GET /v1/debug/offers":            response(t, "debug-offers.json"),
	}
	answers := map[string][]answer{}
	for k, b := range bodies {
		answers[k] = []answer{{code: 200, body: b}}
	}
	answers["GET /v1/plans/deploy"] = []answer{{code: 202, body: bodies["GET /v1/plans/deploy"]}}
	api := newFakeAPI(t, answers)
	for _, tc := range []struct {
		args  []string
		route string
	}{
		{[]string{"plan", "list"}, "GET /v1/plans"},
		{[]string{"plan", "status"}, "GET /v1/plans/deploy"},
		{[]string{"plan", "show", "deploy"}, "GET /v1/plans/deploy"},
		{[]string{"pod", "list"}, "GET /v1/pod"},
		{[]string{"pod", "status"}, "GET /v1/pod/status"},
		{[]string{"pod", "status", "world-0"}, "GET /v1/pod/world-0/status"},
		{[]string{"pod", "info", "hello-0"}, "GET /v1/pod/hello-0/info"},
		{[]string{"endpoints"}, "GET /v1/endpoints"},
		{[]string{"endpoints", "broker"}, "GET /v1/endpoints/broker"},
		{[]string{"describe"}, "GET /v1/configurations/target"},
		{[]string{"debug", "config", "target_id"}, "GET /v1/configurations/targetId"},
		{[]string{"state", "framework-id"}, "GET /v1/state/frameworkId"},
		{[]string{"debug", "state", "properties"}, "GET /v1/state/properties"},
		{[]string{"debug", "offers"}, "GET /v1/debug/offers"},
	} {
		out, errOut, code := runAs(t, "kennel", append(tc.args, "--json", "--url", api.URL)...)
		if code != 0 {
			t.Errorf("%v: exit %d: %s", tc.args, code, errOut)
			continue
		}
		if got := api.last(t); got.method+" "+got.path != tc.route {
			t.Errorf("%v: requested %s %s, want %s", tc.args, got.method, got.path, tc.route)
		}
		if !sameJSON(t, out, bodies[tc.route]) {
			t.Errorf("%v: printed\n%s\nwant the same JSON as\n%s", tc.args, out, bodies[tc.route])
		}
		if !strings.HasPrefix(out, "[\n") && !strings.HasPrefix(out, "{\n") {
			t.Errorf("%v: not indented:\n%s", tc.args, out)
		}
	}
}

func TestRawOutputs(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t, map[string][]answer{
		"GET /v1/endpoints/zookeeper":         {{code: 200, body: "zk-1:2181/kafka", ctype: "text/plain"}},
		"GET /v1/state/properties/last-error": {{code: 200, body: `{"a":1}`}},
		"GET /v1/state/frameworkId":           {{code: 200, body: `["a1b2-0001"]`}},
	})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"endpoints", "zookeeper"}, "zk-1:2181/kafka\n"},
		{[]string{"state", "property", "last-error"}, "{\n  \"a\": 1\n}\n"},
		{[]string{"state", "framework-id"}, "a1b2-0001\n"},
	} {
		out, errOut, code := runAs(t, "kennel", append(tc.args, "--url", api.URL)...)
		if code != 0 || out != tc.want {
			t.Errorf("%v: exit %d, stdout %q (stderr %q), want %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

// As dcos-<module>, the framework id is the scheduler's JSON array, as the
// DC/OS Commons CLI prints it.
func TestDCOSModeFrameworkID(t *testing.T) {
	isolate(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/service/hello/v1/state/frameworkId" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `["a1b2-0001"]`)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("DCOS_URL", srv.URL)
	for _, args := range [][]string{{"debug", "state", "framework_id"}, {"state", "framework_id"}} {
		out, errOut, code := runAs(t, "dcos-hello", append([]string{"hello"}, args...)...)
		if want := "[\n  \"a1b2-0001\"\n]\n"; code != 0 || out != want {
			t.Errorf("%v: exit %d, stdout %q (stderr %q), want %q", args, code, out, errOut, want)
		}
	}
}
