package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kennel-sdk/kennel/deploy/cosmos"
)

// marathonFake answers Marathon's REST calls the package commands make from
// an in-memory set of apps, and records the calls that change something.
// The apps' one task is the scheduler at schedulerURL.
type marathonFake struct {
	mu           sync.Mutex
	apps         map[string]map[string]any
	writes       []string
	deployments  int
	schedulerURL string
}

func (m *marathonFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	reply := func(code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(v)
	}
	deploy := func() map[string]any {
		m.deployments++
		return map[string]any{"deploymentId": fmt.Sprintf("deployment-%d", m.deployments), "version": "v"}
	}
	path := r.URL.Path
	if r.Method != http.MethodGet {
		m.writes = append(m.writes, r.Method+" "+r.URL.RequestURI())
	}
	switch {
	case path == "/v2/deployments":
		reply(200, []any{})
		return
	case path == "/v2/apps" && r.Method == http.MethodGet:
		apps := []any{}
		for _, id := range slices.Sorted(func(yield func(string) bool) {
			for k := range m.apps {
				if !yield(k) {
					return
				}
			}
		}) {
			apps = append(apps, m.apps[id])
		}
		reply(200, map[string]any{"apps": apps})
		return
	case path == "/v2/apps" && r.Method == http.MethodPost:
		var app map[string]any
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &app); err != nil {
			reply(400, map[string]any{"message": err.Error()})
			return
		}
		id := "/" + strings.Trim(app["id"].(string), "/")
		if _, ok := m.apps[id]; ok {
			reply(409, map[string]any{"message": "An app with id [" + id + "] already exists."})
			return
		}
		app["id"] = id
		m.apps[id] = app
		reply(201, app)
		return
	}
	rest, ok := strings.CutPrefix(path, "/v2/apps/")
	if !ok {
		reply(404, map[string]any{"message": "no route " + path})
		return
	}
	if id, ok := strings.CutSuffix(rest, "/tasks"); ok {
		u := strings.TrimPrefix(m.schedulerURL, "http://")
		host, port, _ := net.SplitHostPort(u)
		p, _ := strconv.Atoi(port)
		if _, ok := m.apps["/"+id]; !ok {
			reply(404, map[string]any{"message": "App '/" + id + "' does not exist"})
			return
		}
		reply(200, map[string]any{"tasks": []any{map[string]any{"id": "t", "host": host, "ports": []int{p}, "state": "TASK_RUNNING"}}})
		return
	}
	id := "/" + rest
	app, exists := m.apps[id]
	switch r.Method {
	case http.MethodGet:
		if !exists {
			reply(404, map[string]any{"message": "App '" + id + "' does not exist"})
			return
		}
		reply(200, map[string]any{"app": app})
	case http.MethodPut:
		var update map[string]any
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &update)
		if r.URL.Query().Get("partialUpdate") != "false" && exists {
			for k, v := range update {
				app[k] = v
			}
			update = app
		}
		update["id"] = id
		m.apps[id] = update
		reply(200, deploy())
	case http.MethodDelete:
		if !exists {
			reply(404, map[string]any{"message": "App '" + id + "' does not exist"})
			return
		}
		delete(m.apps, id)
		reply(200, deploy())
	}
}

func (m *marathonFake) takeWrites() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	w := m.writes
	m.writes = nil
	return w
}

// TestPackageAndUpdateCommands runs the package and update commands against
// a Marathon and a scheduler answering over HTTP, and records what they
// print in the golden transcript package-commands.golden; it checks the
// calls that change Marathon, so that a refused command is seen to change
// nothing.
func TestPackageAndUpdateCommands(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	scheduler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/state/frameworkId":
			_, _ = io.WriteString(w, `["fw-1"]`)
		case "/v1/plans/deploy":
			w.WriteHeader(200)
			_, _ = io.WriteString(w, `{"phases":[],"errors":[],"status":"COMPLETE"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(scheduler.Close)
	fake := &marathonFake{apps: map[string]map[string]any{}, schedulerURL: scheduler.URL}
	marathon := httptest.NewServer(fake)
	t.Cleanup(marathon.Close)
	files := map[string]string{
		"bad.json":    `{"hello": {"count": 0, "cpus": "lots"}, "service": {"nmae": "x"}}`,
		"good.json":   `{"hello": {"count": 3, "greeting": "hi"}}`,
		"rename.json": `{"service": {"name": "other"}}`,
		"count.json":  `{"hello": {"count": 4}}`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(dir, "data")
	common := []string{"--marathon", marathon.URL, "--repo", "../../examples", "--data-dir", data, "--master", "http://127.0.0.1:5050"}
	steps := []struct {
		args       []string
		code       int
		wantWrites []string
		check      func(t *testing.T)
	}{
		{[]string{"package", "install", "hello-world", "--yes", "--options", "bad.json"}, 1, nil, nil},
		{[]string{"package", "install", "hello-world", "--yes", "--package-version", "9.9"}, 1, nil, nil},
		{[]string{"package", "install", "nope", "--yes"}, 1, nil, nil},
		{[]string{"package", "install", "hello-world", "--yes", "--options", "good.json"}, 0, []string{"POST /v2/apps"}, func(t *testing.T) {
			app := fake.apps["/hello-world"]
			env := app["env"].(map[string]any)
			if env["MESOS_MASTER"] != "http://127.0.0.1:5050" || env["KENNEL_STATE"] != "file://"+data+"/services/hello-world" || env["HELLO_COUNT"] != "3" {
				t.Errorf("env %v", env)
			}
			for _, f := range app["fetch"].([]any) {
				uri := f.(map[string]any)["uri"].(string)
				if _, err := os.Stat(strings.TrimPrefix(uri, "file://")); err != nil || !strings.HasPrefix(uri, "file://"+data+"/artifacts/hello-world/0.1.0/") {
					t.Errorf("fetch %s: %v", uri, err)
				}
			}
		}},
		{[]string{"package", "install", "hello-world", "--yes"}, 1, []string{"POST /v2/apps"}, nil},
		{[]string{"package", "install", "../../examples/kafka/package/1", "--yes", "--app-id", "/dev/kafka"}, 0, []string{"POST /v2/apps"}, func(t *testing.T) {
			env := fake.apps["/dev/kafka"]["env"].(map[string]any)
			if env["KENNEL_STATE"] != "file://"+data+"/services/dev__kafka" || env["PACKAGE_NAME"] != "kafka" {
				t.Errorf("env %v", env)
			}
		}},
		{[]string{"package", "list"}, 0, nil, nil},
		{[]string{"update", "package-versions", "--name", "hello-world"}, 0, nil, nil},
		{[]string{"update", "start", "--name", "hello-world", "--options", "rename.json"}, 1, nil, nil},
		{[]string{"update", "start", "--name", "hello-world", "--package-version", "0.2.0"}, 1, nil, nil},
		{[]string{"update", "start", "--name", "hello-world", "--options", "bad.json"}, 1, nil, nil},
		{[]string{"update", "start", "--name", "hello-world"}, 1, nil, nil},
		{[]string{"update", "start", "--name", "hello-world", "--options", "count.json"}, 0, []string{"PUT /v2/apps/hello-world?force=true&partialUpdate=false"}, func(t *testing.T) {
			env := fake.apps["/hello-world"]["env"].(map[string]any)
			if env["HELLO_COUNT"] != "4" || env["HELLO_GREETING"] != "hi" || env["MESOS_MASTER"] != "http://127.0.0.1:5050" {
				t.Errorf("env after the update %v: want the new count, the stored greeting, the cluster's master", env)
			}
		}},
		{[]string{"update", "status", "--name", "hello-world"}, 0, nil, nil},
		{[]string{"package", "uninstall", "hello-world", "--yes", "--poll-interval", "1ms"}, 0,
			[]string{"PUT /v2/apps/hello-world?force=true", "DELETE /v2/apps/hello-world"}, nil},
		{[]string{"package", "list"}, 0, nil, nil},
	}
	var transcript strings.Builder
	for _, s := range steps {
		args := s.args
		for i, a := range args {
			if files[a] != "" {
				args[i] = filepath.Join(dir, a)
			}
		}
		if args[1] == "list" {
			args = append(args, "--marathon", marathon.URL)
		} else {
			args = append(args, common...)
		}
		out, errOut, code := runAs(t, "kennel", args...)
		if code != s.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", s.args, code, s.code, out, errOut)
		}
		if got := fake.takeWrites(); !slices.Equal(got, s.wantWrites) {
			t.Errorf("%v: Marathon calls %v, want %v", s.args, got, s.wantWrites)
		}
		if s.check != nil {
			fake.mu.Lock()
			s.check(t)
			fake.mu.Unlock()
		}
		fmt.Fprintf(&transcript, "$ kennel %s\n%s%s(exit %d)\n\n", strings.Join(s.args, " "), out, errOut, code)
	}
	text := strings.ReplaceAll(transcript.String(), dir+string(filepath.Separator), "")
	text = strings.ReplaceAll(text, marathon.URL, "MARATHON")
	golden(t, "package-commands.golden", text)
}

// Run as dcos-<module>, update package-versions and start ask the DC/OS
// cluster's Cosmos, as the DC/OS Commons CLI does.
func TestUpdateThroughDCOSCosmos(t *testing.T) {
	isolate(t)
	var got []string
	cosmosSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, fmt.Sprintf("%s %s %s %s %s", r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Accept"), r.Header.Get("Authorization"), body))
		switch r.URL.Path {
		case "/cosmos/service/describe":
			w.Header().Set("Content-Type", "application/vnd.dcos.service.describe-response+json;charset=utf-8;version=v1")
			_, _ = io.WriteString(w, `{"package":{"name":"kafka","version":"2.0.0"},"upgradesTo":["2.1.0","2.0.1"],"downgradesTo":["1.9.0"],"resolvedOptions":{},"userProvidedOptions":{}}`)
		case "/cosmos/service/update":
			w.Header().Set("Content-Type", "application/vnd.dcos.package.error+json;charset=utf-8;version=v1")
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"type":"AppIdChanged","message":"The new application id [/x] differs","data":{"newAppId":"/x","oldAppId":"/kafka"}}`)
		}
	}))
	t.Cleanup(cosmosSrv.Close)
	t.Setenv("DCOS_URL", cosmosSrv.URL)
	t.Setenv("DCOS_ACS_TOKEN", "tok")
	out, errOut, code := runAs(t, "dcos-kafka", "kafka", "update", "package-versions")
	want := "Current package version is: 2.0.0\nPackage can be downgraded to:\n- 1.9.0\nPackage can be upgraded to:\n- 2.1.0\n- 2.0.1\n"
	if code != 0 || out != want {
		t.Errorf("package-versions: exit %d\n%s%s\nwant\n%s", code, out, errOut, want)
	}
	opts := filepath.Join(t.TempDir(), "o.json")
	if err := os.WriteFile(opts, []byte(`{"service":{"name":"x"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = runAs(t, "dcos-kafka", "kafka", "update", "start", "--options", opts)
	if want := "Could not update service name from \"/kafka\" to \"/x\".\nThe service name cannot be changed once installed. Ensure service.name is set to \"/kafka\" in options JSON.\n"; code != 1 || errOut != want {
		t.Errorf("start: exit %d, stderr %q", code, errOut)
	}
	wantReqs := []string{
		"/cosmos/service/describe application/vnd.dcos.service.describe-request+json;charset=utf-8;version=v1 application/vnd.dcos.service.describe-response+json;charset=utf-8;version=v1 token=tok {\"appId\":\"kafka\"}",
		"/cosmos/service/update application/vnd.dcos.service.update-request+json;charset=utf-8;version=v1 application/vnd.dcos.service.update-response+json;charset=utf-8;version=v1 token=tok {\"appId\":\"kafka\",\"options\":{\"service\":{\"name\":\"x\"}},\"replace\":false}",
	}
	if !slices.Equal(got, wantReqs) {
		t.Errorf("requests\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantReqs, "\n"))
	}
	// DC/OS's Cosmos has no dry run: refused before it is called.
	got = nil
	_, errOut, code = runAs(t, "dcos-kafka", "kafka", "update", "start", "--options", opts, "--dry-run")
	if code == 0 || !strings.Contains(errOut, "--dry-run needs Kennel's package manager") || len(got) != 0 {
		t.Errorf("dry run through DC/OS: exit %d, stderr %q, requests %v", code, errOut, got)
	}
}

// Run as dcos-<module>, describe asks the cluster's Cosmos for the service
// and prints its resolvedOptions, as the DC/OS Commons CLI does; as kennel it
// prints the scheduler's ServiceSpec (TestJSONOutputIsTheSchedulersJSON).
func TestDescribeThroughDCOSCosmos(t *testing.T) {
	tests := []struct {
		name, answer, want string
	}{
		{name: "resolved options",
			answer: `{"package":{"name":"hello-world","version":"0.1.0"},"upgradesTo":[],"downgradesTo":[],"resolvedOptions":{"service":{"name":"hello"},"hello":{"count":2,"placement":"a<b"}},"userProvidedOptions":{}}`,
			want:   "{\n  \"hello\": {\n    \"count\": 2,\n    \"placement\": \"a\\u003cb\"\n  },\n  \"service\": {\n    \"name\": \"hello\"\n  }\n}\n"},
		{name: "no resolved options",
			answer: `{"package":{"name":"hello-world","version":"0.1.0"},"upgradesTo":[],"downgradesTo":[]}`,
			want:   "Package configuration is not available for service hello.\nThis command is only available for packages installed with Enterprise DC/OS 1.10 or newer.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t)
			var got []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				got = append(got, r.Method+" "+r.URL.Path+" "+string(body))
				w.Header().Set("Content-Type", "application/vnd.dcos.service.describe-response+json;charset=utf-8;version=v1")
				_, _ = io.WriteString(w, tt.answer)
			}))
			t.Cleanup(srv.Close)
			t.Setenv("DCOS_URL", srv.URL)
			out, errOut, code := runAs(t, "dcos-hello", "hello", "describe")
			if code != 0 || out != tt.want {
				t.Errorf("exit %d\n%s%s\nwant\n%s", code, out, errOut, tt.want)
			}
			if want := []string{`POST /cosmos/service/describe {"appId":"hello"}`}; !slices.Equal(got, want) {
				t.Errorf("requests %q, want %q", got, want)
			}
		})
	}
}

// As dcos-<module>, the Cosmos errors the DC/OS Commons CLI words itself get
// its words, and other Cosmos errors their message; as kennel, and for
// errors that are not Cosmos's, kennel's "kennel: <message>".
func TestExplainServiceCosmos(t *testing.T) {
	tests := []struct {
		name, module string
		err          error
		want         string
	}{
		{name: "bad version, none valid", module: "hello",
			err:  &cosmos.Error{Type: "BadVersionUpdate", Message: "m", Data: map[string]any{"updateVersion": "9", "validVersions": []any{}}},
			want: "Unable to update svc to requested version: 9\nNo valid package versions to update to.\n"},
		{name: "bad version, some valid", module: "hello",
			err:  &cosmos.Error{Type: "BadVersionUpdate", Message: "m", Data: map[string]any{"updateVersion": "9", "validVersions": []any{"1", "2"}}},
			want: "Unable to update svc to requested version: 9\nValid package versions are:\n- 1\n- 2\n"},
		{name: "schema mismatch", module: "hello",
			err: &cosmos.Error{Type: "JsonSchemaMismatch", Message: "m", Data: map[string]any{"errors": []any{
				map[string]any{"instance": map[string]any{"pointer": "/hello/count"}, "message": "must be >= 1, got 0"},
				map[string]any{"instance": map[string]any{"pointer": "/x"}, "message": "unknown option"}}}},
			want: "Unable to update svc to requested configuration: options JSON failed validation.\n\n" +
				"Field        Error               \n-----        -----               \n/hello/count must be >= 1, got 0 \n/x           unknown option\n"},
		{name: "app id changed", module: "hello",
			err:  &cosmos.Error{Type: "AppIdChanged", Message: "m", Data: map[string]any{"oldAppId": "/svc", "newAppId": "/o"}},
			want: "Could not update service name from \"/svc\" to \"/o\".\nThe service name cannot be changed once installed. Ensure service.name is set to \"/svc\" in options JSON.\n"},
		{name: "app not found", module: "hello",
			err: &cosmos.Error{Type: "MarathonAppNotFound", Message: "m"},
			want: "Unable to find the service named 'svc'.\nPossible causes:\n" +
				"- Did you provide the correct service name? Specify a service name with '--name=<name>', or with 'dcos config set hello.service_name <name>'.\n" +
				"- Was the service recently installed or updated? It may still be initializing, wait a bit and try again.\n"},
		{name: "other type", module: "hello", err: &cosmos.Error{Type: "MarathonBadGateway", Message: "Marathon is down"}, want: "Marathon is down\n"},
		{name: "as kennel", err: &cosmos.Error{Type: "MarathonAppNotFound", Message: "Unable to locate service"}, want: "kennel: Unable to locate service\n"},
		{name: "not a cosmos error", module: "hello", err: errors.New("connection refused"), want: "kennel: connection refused\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := explainServiceCosmos(&stderr, tt.err, "", tt.module, "svc")
			var exit exitError
			if !errors.As(err, &exit) || exit.code != 1 {
				t.Errorf("returned %v, want exit status 1", err)
			}
			if stderr.String() != tt.want {
				t.Errorf("printed\n%q\nwant\n%q", stderr.String(), tt.want)
			}
		})
	}
}
