package app_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/deploy/marathon/app"
)

// schema is the official AppDefinition.json (../shared/schemas beside the
// repository, or $KENNEL_SCHEMAS); outside CI its absence skips the test.
func schema(t testing.TB) []byte {
	t.Helper()
	dir := os.Getenv("KENNEL_SCHEMAS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "schemas")
	}
	b, err := os.ReadFile(filepath.Join(dir, "AppDefinition.json"))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the official schemas are missing: %v", err)
		}
		t.Skipf("AppDefinition.json not found (set KENNEL_SCHEMAS): %v", err)
	}
	return b
}

// validators are the two ways Marathon validates: with the official schema
// and with the typed rules alone (no schema at hand).
func validators(t *testing.T) map[string]*app.Validator {
	t.Helper()
	with, err := app.NewValidator(schema(t))
	if err != nil {
		t.Fatal(err)
	}
	without, err := app.NewValidator(nil)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*app.Validator{"schema": with, "typed": without}
}

func TestDecodeDefaults(t *testing.T) {
	for name, v := range validators(t) {
		t.Run(name, func(t *testing.T) {
			req, err := v.Decode([]byte(`{"id": "dev/kafka", "cmd": "./run"}`), "")
			if err != nil {
				t.Fatal(err)
			}
			want := app.App{
				ID: "/dev/kafka", Cmd: "./run", Env: map[string]string{}, Instances: 1, CPUs: 1, Mem: 128,
				Constraints: [][]string{}, Fetch: []app.Fetch{},
				PortDefinitions: []app.PortDefinition{{Port: 0, Protocol: "tcp", Name: "default"}},
				BackoffSeconds:  1, BackoffFactor: 1.15, MaxLaunchDelaySeconds: 3600, HealthChecks: []app.HealthCheck{},
				Labels: map[string]string{}, UpgradeStrategy: app.UpgradeStrategy{MinimumHealthCapacity: 1, MaximumOverCapacity: 1},
				KillSelection: "YOUNGEST_FIRST",
			}
			if !reflect.DeepEqual(req.App, want) {
				t.Errorf("got  %+v\nwant %+v", req.App, want)
			}
		})
	}
}

// TestDecodeInvalid: every rule answers 422 at its path.
func TestDecodeInvalid(t *testing.T) {
	tests := []struct {
		name, body string
		paths      []string
		schemaOnly bool // the typed rules report it at another path
	}{
		{name: "no id", body: `{"cmd": "x"}`, paths: []string{"/id"}},
		{name: "bad id", body: `{"id": "Foo", "cmd": "x"}`, paths: []string{"/id"}},
		{name: "root id", body: `{"id": "/", "cmd": "x"}`, paths: []string{"/id"}},
		{name: "cmd and args", body: `{"id": "x", "cmd": "x", "args": ["y"]}`, paths: []string{"/"}},
		{name: "neither cmd nor args", body: `{"id": "x"}`, paths: []string{"/"}},
		{name: "unknown field", body: `{"id": "x", "cmd": "x", "bogus": 1}`, paths: []string{"/bogus"}},
		{name: "unknown nested field", body: `{"id": "x", "cmd": "x", "fetch": [{"uri": "u", "bogus": 1}]}`, paths: []string{"/fetch/0/bogus"}, schemaOnly: true},
		{name: "label not a string", body: `{"id": "x", "cmd": "x", "labels": {"a": 1}}`, paths: []string{"/labels/a"}, schemaOnly: true},
		{name: "negative instances", body: `{"id": "x", "cmd": "x", "instances": -1}`, paths: []string{"/instances"}},
		{name: "single instance, 2 instances", body: `{"id": "x", "cmd": "x", "instances": 2, "labels": {"MARATHON_SINGLE_INSTANCE_APP": "true"},
			"upgradeStrategy": {"minimumHealthCapacity": 0, "maximumOverCapacity": 0}}`, paths: []string{"/instances"}},
		{name: "single instance, default strategy", body: `{"id": "x", "cmd": "x", "labels": {"MARATHON_SINGLE_INSTANCE_APP": "true"}}`, paths: []string{"/upgradeStrategy"}},
		{name: "two Mesos health checks", body: `{"id": "x", "cmd": "x", "healthChecks": [{"protocol": "MESOS_TCP"}, {"protocol": "MESOS_TCP"}]}`, paths: []string{"/healthChecks"}},
		{name: "Marathon-side health check", body: `{"id": "x", "cmd": "x", "healthChecks": [{"protocol": "HTTP"}]}`, paths: []string{"/healthChecks/0/protocol"}},
		{name: "health check port index", body: `{"id": "x", "cmd": "x", "healthChecks": [{"protocol": "MESOS_HTTP", "portIndex": 1}]}`, paths: []string{"/healthChecks/0/portIndex"}},
		{name: "ignoreHttp1xx", body: `{"id": "x", "cmd": "x", "healthChecks": [{"protocol": "MESOS_HTTP", "ignoreHttp1xx": true}]}`, paths: []string{"/healthChecks/0/ignoreHttp1xx"}},
		{name: "COMMAND without command", body: `{"id": "x", "cmd": "x", "healthChecks": [{"protocol": "COMMAND"}]}`, paths: []string{"/healthChecks/0/command"}},
		{name: "docker container", body: `{"id": "x", "cmd": "x", "container": {"type": "DOCKER", "docker": {"image": "nginx"}}}`, paths: []string{"/container"}},
		{name: "residency", body: `{"id": "x", "cmd": "x", "residency": {"taskLostBehavior": "WAIT_FOREVER"}}`, paths: []string{"/residency"}},
		{name: "secret env", body: `{"id": "x", "cmd": "x", "env": {"P": {"secret": "s"}}}`, paths: []string{"/env/P"}},
		{name: "gpus", body: `{"id": "x", "cmd": "x", "gpus": 1}`, paths: []string{"/gpus"}},
		{name: "bridge network", body: `{"id": "x", "cmd": "x", "networks": [{"mode": "container/bridge"}]}`, paths: []string{"/networks/0/mode"}},
		{name: "other role", body: `{"id": "x", "cmd": "x", "role": "slave_public"}`, paths: []string{"/role"}},
		{name: "check of two kinds", body: `{"id": "x", "cmd": "x", "check": {"http": {"portIndex": 0}, "tcp": {"portIndex": 0}}}`, paths: []string{"/check"}},
		{name: "check port index", body: `{"id": "x", "cmd": "x", "check": {"tcp": {"portIndex": 3}}}`, paths: []string{"/check/tcp/portIndex"}},
		{name: "check without command", body: `{"id": "x", "cmd": "x", "check": {"exec": {"command": {"shell": ""}}}}`, paths: []string{"/check/exec/command/shell"}},
		{name: "operator not implemented", body: `{"id": "x", "cmd": "x", "constraints": [["hostname", "MAX_PER", "2"]]}`, paths: []string{"/constraints/0/1"}},
		{name: "LIKE without value", body: `{"id": "x", "cmd": "x", "constraints": [["rack", "LIKE"]]}`, paths: []string{"/constraints/0"}},
		{name: "fetch and uris", body: `{"id": "x", "cmd": "x", "fetch": [{"uri": "a"}], "uris": ["b"]}`, paths: []string{"/uris"}},
		{name: "duplicate port names", body: `{"id": "x", "cmd": "x", "portDefinitions": [{"port": 0, "name": "a"}, {"port": 0, "name": "a"}]}`, paths: []string{"/portDefinitions/1/name"}},
		{name: "udp port", body: `{"id": "x", "cmd": "x", "portDefinitions": [{"port": 0, "protocol": "udp"}]}`, paths: []string{"/portDefinitions/0/protocol"}},
		{name: "unreachable strategy", body: `{"id": "x", "cmd": "x", "unreachableStrategy": {"inactiveAfterSeconds": 60, "expungeAfterSeconds": 120}}`, paths: []string{"/unreachableStrategy"}},
		{name: "wrong type", body: `{"id": "x", "cmd": "x", "cpus": "one"}`, paths: []string{"/cpus"}},
		{name: "custom executor", body: `{"id": "x", "cmd": "x", "executor": "/opt/exec"}`, paths: []string{"/executor"}},
	}
	for vname, v := range validators(t) {
		for _, tt := range tests {
			if tt.schemaOnly && vname == "typed" {
				continue
			}
			t.Run(vname+"/"+tt.name, func(t *testing.T) {
				_, err := v.Decode([]byte(tt.body), "")
				var inv *app.InvalidError
				if !errors.As(err, &inv) {
					t.Fatalf("got %v, want a 422", err)
				}
				var paths []string
				for _, d := range inv.Details {
					paths = append(paths, d.Path)
				}
				if !reflect.DeepEqual(paths, tt.paths) {
					t.Errorf("paths %v, want %v (%v)", paths, tt.paths, err)
				}
				b, _ := json.Marshal(inv)
				var body struct {
					Message string `json:"message"`
				}
				if json.Unmarshal(b, &body) != nil || body.Message != "Object is not valid" {
					t.Errorf("422 body %s", b)
				}
			})
		}
	}
}

func TestDecodeBadJSON(t *testing.T) {
	v, _ := app.NewValidator(nil)
	for _, body := range []string{``, `{`, `[]`, `null`, `{"id": "x"} {}`} {
		if _, err := v.Decode([]byte(body), ""); !errors.Is(err, app.ErrBadJSON) {
			t.Errorf("%q: %v, want ErrBadJSON", body, err)
		}
	}
}

// TestDecodeAccepts: what dcos-commons templates send, read-only fields a
// GET returns, the overlay fields Kennel honours, the URL's id.
func TestDecodeAccepts(t *testing.T) {
	for name, v := range validators(t) {
		t.Run(name, func(t *testing.T) {
			body := `{"id": "/hello-world", "cmd": "./scheduler", "cpus": 0.5, "mem": 1024, "instances": 1,
				"env": {"FRAMEWORK_NAME": "hello-world"}, "role": "*",
				"labels": {"MARATHON_SINGLE_INSTANCE_APP": "true", "DCOS_SERVICE_PORT_INDEX": "0"},
				"portDefinitions": [{"port": 0, "protocol": "tcp", "name": "api", "labels": {"VIP_0": "/api:80"}}],
				"upgradeStrategy": {"minimumHealthCapacity": 0, "maximumOverCapacity": 0},
				"healthChecks": [{"protocol": "MESOS_HTTP", "path": "/v1/health", "gracePeriodSeconds": 900,
					"intervalSeconds": 30, "timeoutSeconds": 20, "maxConsecutiveFailures": 0}],
				"fetch": [{"uri": "https://x/a.tgz", "cache": true}],
				"check": {"http": {"portIndex": 0, "path": "/v1/health", "scheme": "HTTP"}, "intervalSeconds": 5, "timeoutSeconds": 10, "delaySeconds": 0},
				"tasksRunning": 1, "tasks": [], "deployments": [], "version": "2020-01-01T00:00:00.000Z",
				"unreachableStrategy": {"inactiveAfterSeconds": 0, "expungeAfterSeconds": 0}, "networks": [{"mode": "host"}]}`
			req, err := v.Decode([]byte(body), "/hello-world")
			if err != nil {
				t.Fatal(err)
			}
			a := req.App
			if !a.SingleInstance() || !a.KillFirst() || a.Role != "*" ||
				*a.HealthChecks[0].PortIndex != 0 || !a.Fetch[0].Extract || !a.Fetch[0].Cache ||
				a.Check == nil || a.Check.HTTP == nil || a.Check.HTTP.Path != "/v1/health" || a.Check.IntervalSeconds != 5 {
				t.Errorf("decoded %+v", req)
			}
			if _, err := v.Decode([]byte(`{"id": "other", "cmd": "x"}`), "/hello-world"); err == nil {
				t.Error("an id other than the URL's was accepted")
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	v, _ := app.NewValidator(nil)
	cur, err := v.Decode([]byte(`{"id": "x", "cmd": "run", "env": {"A": "1"}, "instances": 2, "mem": 64}`), "")
	if err != nil {
		t.Fatal(err)
	}
	up, err := v.Update(cur.App, []byte(`{"env": {"B": "2"}, "args": ["run2"]}`))
	if err != nil {
		t.Fatal(err)
	}
	a := up.App
	if a.Instances != 2 || a.Mem != 64 || !reflect.DeepEqual(a.Env, map[string]string{"B": "2"}) || a.Cmd != "" || a.Args[0] != "run2" {
		t.Errorf("partial update gave %+v", a)
	}
	if app.SameConfig(cur.App, a) {
		t.Error("an env change is not a scaling")
	}
	scaled := cur.App
	scaled.Instances = 5
	if !app.SameConfig(cur.App, scaled) {
		t.Error("an instance change is a scaling")
	}
}

func TestTaskEnv(t *testing.T) {
	v, _ := app.NewValidator(nil)
	req, err := v.Decode([]byte(`{"id": "/dev/kafka", "cmd": "x", "cpus": 0.5, "env": {"A": "1"},
		"labels": {"DCOS_SERVICE_NAME": "kafka", "a.b": "c"}, "requirePorts": true,
		"portDefinitions": [{"port": 0, "name": "api"}, {"port": 10000}]}`), "")
	if err != nil {
		t.Fatal(err)
	}
	got := app.TaskEnv(&req.App, "v1", "dev_kafka.1", "h1", []int{31000, 10000})
	want := map[string]string{
		"A": "1", "PORT0": "31000", "PORT1": "10000", "PORT": "31000", "PORTS": "31000,10000", "PORT_API": "31000",
		"PORT_10000": "10000", "HOST": "h1", "MESOS_TASK_ID": "dev_kafka.1", "MARATHON_APP_ID": "/dev/kafka",
		"MARATHON_APP_VERSION": "v1", "MARATHON_APP_RESOURCE_CPUS": "0.5", "MARATHON_APP_RESOURCE_MEM": "128.0",
		"MARATHON_APP_RESOURCE_DISK": "0.0", "MARATHON_APP_RESOURCE_GPUS": "0",
		"MARATHON_APP_LABELS": "A_B DCOS_SERVICE_NAME", "MARATHON_APP_LABEL_DCOS_SERVICE_NAME": "kafka", "MARATHON_APP_LABEL_A_B": "c",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

func TestLaunchDelay(t *testing.T) {
	a := &app.App{BackoffSeconds: 1, BackoffFactor: 2, MaxLaunchDelaySeconds: 5}
	for failures, want := range []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second} {
		if got := app.LaunchDelay(a, failures); got != want {
			t.Errorf("LaunchDelay(%d) = %v, want %v", failures, got, want)
		}
	}
}

func TestFits(t *testing.T) {
	h1 := app.Placement{Hostname: "h1", Attributes: map[string]string{"rack": "r1"}}
	h2 := app.Placement{Hostname: "h2", Attributes: map[string]string{"rack": "r2"}}
	tests := []struct {
		constraint []string
		at         app.Placement
		others     []app.Placement
		want       bool
	}{
		{[]string{"hostname", "UNIQUE"}, h1, []app.Placement{h2}, true},
		{[]string{"hostname", "UNIQUE"}, h1, []app.Placement{h1}, false},
		{[]string{"rack", "CLUSTER", "r2"}, h1, nil, false},
		{[]string{"rack", "CLUSTER"}, h2, []app.Placement{h2}, true},
		{[]string{"rack", "CLUSTER"}, h1, []app.Placement{h2}, false},
		{[]string{"hostname", "LIKE", "h[12]"}, h2, nil, true},
		{[]string{"hostname", "LIKE", "h"}, h1, nil, false},
		{[]string{"rack", "UNLIKE", "r1"}, h1, nil, false},
		{[]string{"zone", "UNLIKE", "z1"}, h1, nil, true},
		{[]string{"zone", "LIKE", "z1"}, h1, nil, false},
	}
	for _, tt := range tests {
		a := &app.App{Constraints: [][]string{tt.constraint}}
		if got := app.Fits(a, tt.at, tt.others); got != tt.want {
			t.Errorf("%v at %s with %v: %t, want %t", tt.constraint, tt.at.Hostname, tt.others, got, tt.want)
		}
	}
}

func TestNormalizeID(t *testing.T) {
	for in, want := range map[string]string{"x": "/x", "/dev/kafka": "/dev/kafka", "dev/kafka/": "/dev/kafka", "/a/../b": "/b"} {
		if got, err := app.NormalizeID(in); err != nil || got != want {
			t.Errorf("NormalizeID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "/", "Upper", "-x", "a b"} {
		if _, err := app.NormalizeID(in); err == nil {
			t.Errorf("NormalizeID(%q) accepted", in)
		}
	}
}

// TestRoundTrip: an app as GET shows it (with the read-only fields) is
// accepted again unchanged, by a full and by a partial update.
func TestRoundTrip(t *testing.T) {
	for name, v := range validators(t) {
		t.Run(name, func(t *testing.T) {
			req, err := v.Decode([]byte(`{"id": "/a", "args": ["run"], "instances": 2, "taskKillGracePeriodSeconds": 5,
				"healthChecks": [{"protocol": "COMMAND", "command": {"value": "true"}}],
				"check": {"tcp": {}}, "constraints": [["hostname", "UNIQUE"]], "fetch": [{"uri": "file:///x", "destPath": "y"}]}`), "")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(req.App)
			var shown map[string]any
			_ = json.Unmarshal(b, &shown)
			shown["version"], shown["tasksRunning"], shown["tasks"] = "2020-01-01T00:00:00.000Z", 2, []any{}
			shown["versionInfo"] = map[string]string{"lastScalingAt": "x", "lastConfigChangeAt": "y"}
			b, _ = json.Marshal(shown)
			full, err := v.Decode(b, "/a")
			if err != nil {
				t.Fatal(err)
			}
			partial, err := v.Update(req.App, b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(full.App, req.App) || !reflect.DeepEqual(partial.App, req.App) {
				t.Errorf("round trip changed the app:\n%+v\n%+v\n%+v", req.App, full.App, partial.App)
			}
		})
	}
}

func TestRollbackVersion(t *testing.T) {
	tests := []struct {
		body    string
		version string
		ok      bool
		invalid bool
	}{
		{body: `{"version": "2020-01-01T00:00:00.000Z"}`, version: "2020-01-01T00:00:00.000Z", ok: true},
		{body: `{"id": "/x", "version": "v"}`, version: "v", ok: true},
		{body: `{"cmd": "x"}`},
		{body: `{"version": "v", "cmd": "x"}`, invalid: true},
		{body: `{"version": 1}`, invalid: true},
	}
	for _, tt := range tests {
		v, ok, err := app.RollbackVersion([]byte(tt.body))
		var inv *app.InvalidError
		if v != tt.version || ok != tt.ok || errors.As(err, &inv) != tt.invalid || (err != nil && !tt.invalid) {
			t.Errorf("%s: %q %t %v", tt.body, v, ok, err)
		}
	}
	if _, _, err := app.RollbackVersion([]byte(`{`)); !errors.Is(err, app.ErrBadJSON) {
		t.Errorf("bad JSON: %v", err)
	}
}
