package main

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/scheduler/runtime"
)

// writeFile writes content to path, creating its directory.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// dcosCluster sets up a DC/OS CLI configuration dir with an attached
// cluster (and a detached one) whose dcos_url is url.
func dcosCluster(t *testing.T, url, sslVerify string) {
	t.Helper()
	dir := os.Getenv("DCOS_DIR")
	writeFile(t, filepath.Join(dir, "clusters", "0f1e2d", "dcos.toml"),
		"[core]\ndcos_url = \"http://detached.example\"\ndcos_acs_token = \"wrong\"\n[cluster]\nname = \"other\"\n")
	writeFile(t, filepath.Join(dir, "clusters", "7c8b9a", "dcos.toml"),
		"[core]\ndcos_url = \""+url+"/#/\"\ndcos_acs_token = \"eyJhbGci.tok\"\nssl_verify = \""+sslVerify+"\"\n[cluster]\nname = \"prod\"\n")
	writeFile(t, filepath.Join(dir, "clusters", "7c8b9a", "attached"), "")
}

func TestDCOSModeFindsTheServiceThroughTheAttachedCluster(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t, map[string][]answer{
		"GET /service/hello/v1/plans":         {{code: 200, body: `["deploy"]`}},
		"GET /service/other-svc/v1/pod":       {{code: 200, body: `["other-0"]`}},
		"GET /service/folder/kafka/v1/pod":    {{code: 200, body: `["kafka-0"]`}},
		"POST /service/hello/v1/plans/x/stop": {{code: 208, body: "Command has already been reported or completed"}},
	})
	dcosCluster(t, api.URL, "true")
	for _, tc := range []struct {
		program string
		args    []string
		path    string
	}{
		{"dcos-hello", []string{"hello", "plan", "list"}, "/service/hello/v1/plans"}, // the DC/OS CLI's convention
		{"dcos-hello", []string{"plan", "list"}, "/service/hello/v1/plans"},
		{"dcos-hello", []string{"hello", "pod", "list", "--name", "other-svc"}, "/service/other-svc/v1/pod"},
		{"dcos-kafka", []string{"kafka", "pod", "list", "--name", "/folder/kafka"}, "/service/folder/kafka/v1/pod"},
	} {
		out, errOut, code := runAs(t, tc.program, tc.args...)
		if code != 0 {
			t.Errorf("%s %v: exit %d: %s", tc.program, tc.args, code, errOut)
			continue
		}
		req := api.last(t)
		if req.path != tc.path || req.header.Get("Authorization") != "token=eyJhbGci.tok" {
			t.Errorf("%s %v: sent %s with Authorization %q, want %s with token=eyJhbGci.tok", tc.program, tc.args, req.path, req.header.Get("Authorization"), tc.path)
		}
		if !strings.HasPrefix(out, "[\n") {
			t.Errorf("%s %v: printed %q", tc.program, tc.args, out)
		}
	}
	_, errOut, code := runAs(t, "dcos-hello", "hello", "plan", "stop", "x")
	if code != 1 || errOut != alreadyReported+"\n" {
		t.Errorf("208 through DC/OS: exit %d, stderr %q", code, errOut)
	}
}

// TestDCOSModeServiceName: the service a dcos-<module> binary drives is
// --name, else <module>.service_name (its environment variable, else the
// attached cluster's dcos.toml), else the module without a leading
// "beta-" (reference/dcos-commons.md §5.1).
func TestDCOSModeServiceName(t *testing.T) {
	for _, tc := range []struct {
		name    string
		program string
		toml    string // appended to the attached cluster's dcos.toml
		env     map[string]string
		args    []string
		path    string
	}{
		{"the module", "dcos-hello", "", nil, nil, "/service/hello/v1/plans"},
		{"beta- is dropped", "dcos-beta-kafka", "", nil, nil, "/service/kafka/v1/plans"},
		{"only a leading beta-", "dcos-kafka-beta-x", "", nil, nil, "/service/kafka-beta-x/v1/plans"},
		{"dcos.toml's service_name", "dcos-beta-kafka", "[beta-kafka]\nservice_name = \"/prod/kafka\"\n", nil, nil, "/service/prod/kafka/v1/plans"},
		{"another module's service_name is not this one's", "dcos-kafka", "[beta-kafka]\nservice_name = \"other\"\n", nil, nil, "/service/kafka/v1/plans"},
		{"the environment wins over dcos.toml", "dcos-beta-kafka", "[beta-kafka]\nservice_name = \"from-toml\"\n",
			map[string]string{"DCOS_BETA_KAFKA_SERVICE_NAME": "from-env"}, nil, "/service/from-env/v1/plans"},
		{"--name wins over both", "dcos-beta-kafka", "[beta-kafka]\nservice_name = \"from-toml\"\n",
			map[string]string{"DCOS_BETA_KAFKA_SERVICE_NAME": "from-env"}, []string{"--name", "from-flag"}, "/service/from-flag/v1/plans"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			isolate(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			api := newFakeAPI(t, map[string][]answer{"GET " + tc.path: {{code: 200, body: `["deploy"]`}}})
			dcosCluster(t, api.URL, "true")
			if tc.toml != "" {
				file := filepath.Join(os.Getenv("DCOS_DIR"), "clusters", "7c8b9a", "dcos.toml")
				b, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, file, string(b)+tc.toml)
			}
			module := dcosModule(tc.program)
			args := append([]string{module, "plan", "list"}, tc.args...)
			if _, errOut, code := runAs(t, tc.program, args...); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if got := api.last(t).path; got != tc.path {
				t.Errorf("requested %s, want %s", got, tc.path)
			}
		})
	}
}

func TestDCOSEnvNames(t *testing.T) {
	isolate(t)
	for _, tc := range []struct{ key, env string }{
		{"core.dcos_url", "DCOS_URL"},
		{"core.dcos_url", "DCOS_DCOS_URL"},
		{"core.ssl_verify", "DCOS_SSL_VERIFY"},
		{"kafka.service_name", "DCOS_KAFKA_SERVICE_NAME"},
		{"beta-kafka.service_name", "DCOS_BETA_KAFKA_SERVICE_NAME"},
	} {
		t.Setenv(tc.env, "set")
		if got := dcosEnv(tc.key); got != "set" {
			t.Errorf("dcosEnv(%q) = %q with %s=set", tc.key, got, tc.env)
		}
		t.Setenv(tc.env, "")
	}
}

func TestDCOSModeSettingsPrecedence(t *testing.T) {
	isolate(t)
	tlsAPI := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/service/hello/v1/plans" || r.Header.Get("Authorization") != "token=from-env" {
			http.Error(w, "unexpected "+r.URL.Path+" "+r.Header.Get("Authorization"), http.StatusTeapot)
			return
		}
		w.Write([]byte(`["deploy"]`))
	}))
	tlsAPI.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	tlsAPI.StartTLS()
	defer tlsAPI.Close()
	dcosCluster(t, "http://unused.example", "false")
	t.Setenv("DCOS_URL", tlsAPI.URL+"/some/path/")
	t.Setenv("DCOS_ACS_TOKEN", "from-env")
	// the env's URL and token win over the attached cluster's; its
	// ssl_verify = false still applies, so the test certificate is accepted.
	if _, errOut, code := runAs(t, "dcos-hello", "hello", "plan", "list"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	t.Setenv("DCOS_SSL_VERIFY", "true")
	if _, errOut, code := runAs(t, "dcos-hello", "hello", "plan", "list"); code != 1 || !strings.Contains(errOut, "certificate") {
		t.Fatalf("with DCOS_SSL_VERIFY=true: exit %d: %s", code, errOut)
	}
	if _, errOut, code := runAs(t, "dcos-hello", "hello", "plan", "list", "--insecure"); code != 0 {
		t.Fatalf("--insecure: exit %d: %s", code, errOut)
	}
}

func TestDCOSConfigFileChoice(t *testing.T) {
	isolate(t)
	dir := os.Getenv("DCOS_DIR")
	if _, err := loadDCOSConfig(""); err == nil || !strings.Contains(err.Error(), "dcos_url") {
		t.Fatalf("no config: err = %v", err)
	}
	writeFile(t, filepath.Join(dir, "dcos.toml"), "[core]\ndcos_url = \"https://old.example\"\n")
	if cfg, err := loadDCOSConfig(""); err != nil || cfg.url != "https://old.example" || cfg.token != "" {
		t.Fatalf("old style: %+v, %v", cfg, err)
	}
	t.Setenv("DCOS_CONFIG", filepath.Join(dir, "custom.toml"))
	writeFile(t, filepath.Join(dir, "custom.toml"), "[core]\ndcos_url = \"https://custom.example\"\nssl_verify = false\n")
	if cfg, err := loadDCOSConfig(""); err != nil || cfg.url != "https://custom.example" || cfg.sslVerify != "false" {
		t.Fatalf("DCOS_CONFIG: %+v, %v", cfg, err)
	}
	dcosCluster(t, "https://attached.example", "/etc/ca.pem")
	if cfg, err := loadDCOSConfig(""); err != nil || cfg.url != "https://attached.example/#/" || cfg.sslVerify != "/etc/ca.pem" {
		t.Fatalf("attached: %+v, %v", cfg, err)
	}
	t.Setenv("DCOS_CLUSTER", "other")
	if cfg, err := loadDCOSConfig(""); err != nil || cfg.url != "http://detached.example" {
		t.Fatalf("DCOS_CLUSTER=other: %+v, %v", cfg, err)
	}
	t.Setenv("DCOS_CLUSTER", "missing")
	if _, err := loadDCOSConfig(""); err == nil {
		t.Fatal("DCOS_CLUSTER=missing: no error")
	}
}

func TestDCOSServiceURL(t *testing.T) {
	for _, tc := range []struct{ dcosURL, service, want string }{
		{"https://dcos.example", "kafka", "https://dcos.example/service/kafka"},
		{"https://dcos.example/#/", "kafka", "https://dcos.example/service/kafka"},
		{"https://dcos.example/ui/path/", "/folder/kafka", "https://dcos.example/service/folder/kafka"},
		{"http://10.0.0.1:8080/?x=1", "hello", "http://10.0.0.1:8080/service/hello"},
	} {
		if got, err := dcosServiceURL(tc.dcosURL, tc.service); err != nil || got != tc.want {
			t.Errorf("dcosServiceURL(%q, %q) = %q, %v; want %q", tc.dcosURL, tc.service, got, err, tc.want)
		}
	}
	if _, err := dcosServiceURL("not a url", "kafka"); err == nil {
		t.Error("accepted a dcos_url without a host")
	}
}

func TestCLIArgsDropTheRepeatedModule(t *testing.T) {
	for _, tc := range []struct {
		program string
		args    []string
		want    []string
	}{
		{"dcos-kafka", []string{"kafka", "plan", "list"}, []string{"plan", "list"}},
		{"dcos-kafka", []string{"plan", "list"}, []string{"plan", "list"}},
		{"dcos-kafka", []string{"pod", "status", "kafka"}, []string{"pod", "status", "kafka"}},
		{"kennel", []string{"kennel", "plan"}, []string{"kennel", "plan"}},
		{"dcos-kafka.exe", []string{"kafka", "--info"}, []string{"--info"}},
	} {
		if got := cliArgs(dcosModule(tc.program), tc.args); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s %v: %v, want %v", tc.program, tc.args, got, tc.want)
		}
	}
	out, _, code := runAs(t, "dcos-kafka", "kafka", "--info")
	if code != 0 || out != "Manage the kafka service\n" {
		t.Errorf("--info: exit %d, %q", code, out)
	}
}

func TestNameFindsALocalService(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t, map[string][]answer{"GET /v1/plans": {{code: 200, body: `["deploy"]`}}})
	dataDir := t.TempDir()
	remove, err := recordAPIURL(dataDir, "/dev/hello-world", api.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "services", "dev__hello-world", "api-url")); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runAs(t, "kennel", "plan", "list", "--name", "/dev/hello-world", "--data-dir", dataDir); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if len(api.requests()) != 1 {
		t.Fatal("the service's scheduler got no request")
	}
	// the default data dir is $XDG_DATA_HOME/kennel/local
	t.Setenv("XDG_DATA_HOME", filepath.Join(dataDir, "xdg"))
	if _, err := recordAPIURL(filepath.Join(dataDir, "xdg", "kennel", "local"), "hello-world", api.URL); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runAs(t, "kennel", "plan", "list", "--name", "hello-world"); code != 0 {
		t.Fatalf("default data dir: exit %d: %s", code, errOut)
	}
	remove()
	_, errOut, code := runAs(t, "kennel", "plan", "list", "--name", "/dev/hello-world", "--data-dir", dataDir)
	if code != 1 || !strings.Contains(errOut, `no service "/dev/hello-world" on the local cluster`) {
		t.Fatalf("after removal: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "services", "dev__hello-world")); !os.IsNotExist(err) {
		t.Errorf("the service's dir is still there: %v", err)
	}
}

func TestSchedulerSelection(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t, map[string][]answer{"GET /v1/plans": {{code: 200, body: `["deploy"]`}}})
	tokenFile := filepath.Join(t.TempDir(), "token")
	writeFile(t, tokenFile, "from-file\n")
	if _, errOut, code := runAs(t, "kennel", "plan", "list"); code != 1 || !strings.Contains(errOut, "no scheduler to talk to") {
		t.Fatalf("nothing set: exit %d: %s", code, errOut)
	}
	if _, errOut, code := runAs(t, "kennel", "plan", "list", "--url", api.URL, "--name", "x"); code != 1 || !strings.Contains(errOut, "exclusive") {
		t.Fatalf("--url and --name: exit %d: %s", code, errOut)
	}
	t.Setenv("KENNEL_URL", api.URL)
	t.Setenv("KENNEL_TOKEN", "from-env")
	for _, tc := range []struct {
		args []string
		auth string
	}{
		{nil, "Bearer from-env"},
		{[]string{"--token-file", tokenFile}, "Bearer from-file"},
		{[]string{"--token", "from-flag", "--token-file", tokenFile}, "Bearer from-flag"},
	} {
		if _, errOut, code := runAs(t, "kennel", append([]string{"plan", "list"}, tc.args...)...); code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errOut)
		}
		if got := api.last(t).header.Get("Authorization"); got != tc.auth {
			t.Errorf("%v: Authorization %q, want %q", tc.args, got, tc.auth)
		}
	}
}

func TestLocalServiceRecordsItsURLUnderTheSpecsName(t *testing.T) {
	dir := "../../examples/hello-world"
	sched := &localScheduler{svc: serviceFlags{dir: dir}, base: runtime.Options{SpecPath: filepath.Join(dir, "svc.yml")}}
	env, err := sched.environment(nil)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := sched.load(env)
	if err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	remove, err := recordAPIURL(dataDir, spec.Name, "http://127.0.0.1:4242")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(apiURLFile(dataDir, "hello-world"))
	if err != nil || string(b) != "http://127.0.0.1:4242\n" {
		t.Fatalf("api-url: %q, %v", b, err)
	}
	remove()
	if _, err := os.Stat(apiURLFile(dataDir, "hello-world")); !os.IsNotExist(err) {
		t.Fatalf("api-url survives remove: %v", err)
	}
}
