package api_test

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/api"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// exchange is one request of a contract and the status it must get.
type exchange struct {
	method, path, body string
	code               int
}

// contracts are the endpoints of reference/dcos-commons.md §4, each group
// run in order against one fresh scheduler; the bodies are in
// testdata/contract/<group>.golden.
var contracts = map[string][]exchange{
	"plans": {
		{"GET", "/v1/plans", "", 200},
		{"GET", "/v1/plans/deploy", "", 202},
		{"GET", "/service/hello-world/v1/plans/deploy", "", 202},
		{"GET", "/v1/plan", "", 202},
		{"GET", "/v1/plans/nope", "", 404},
		{"POST", "/v1/plans/nope/stop", "", 404},
		{"POST", "/v1/plans/deploy/interrupt", "", 200},
		{"POST", "/v1/plans/deploy/interrupt", "", 208},
		{"POST", "/v1/plans/deploy/interrupt?phase=nope", "", 404},
		{"POST", "/v1/plans/deploy/continue", "", 200},
		{"POST", "/v1/plans/deploy/continue", "", 208},
		{"POST", "/v1/plans/deploy/forceComplete?step=hello-1:[server]", "", 400},
		{"POST", "/v1/plans/deploy/forceComplete?phase=hello&step=nope", "", 404},
		{"POST", "/v1/plans/deploy/forceComplete?phase=hello&step=hello-1:[server]", "", 200},
		{"POST", "/v1/plans/deploy/forceComplete?phase=hello&step=hello-1:[server]", "", 208},
		{"GET", "/v1/plans/deploy", "", 200},
		{"POST", "/v1/plans/deploy/restart?phase=hello&step=hello-1:[server]", "", 200},
		{"POST", "/v1/plans/deploy/restart?phase=hello&step=hello-1:[server]", "", 208},
		{"POST", "/v1/plans/deploy/stop", "", 200},
		{"POST", "/v1/plans/backup/start", `{"SNAPSHOT_NAME":"nightly","KEEP":3}`, 200},
		{"POST", "/v1/plans/backup/start", `{}`, 200},
		{"POST", "/v1/plans/backup/start", `["not","an","object"]`, 400},
		{"POST", "/v1/plans/backup/start", `{"1BAD":"x"}`, 400},
		{"POST", "/v1/plans/backup/start", `{"A":{"nested":true}}`, 400},
		{"POST", "/v1/plans/nope/start", `{}`, 404},
		{"GET", "/v1/plans/backup", "", 202},
		{"DELETE", "/v1/plans/deploy", "", 405},
	},
	"pods": {
		{"GET", "/v1/pod", "", 200},
		{"GET", "/v1/pod/status", "", 200},
		{"GET", "/v1/pod/hello-1/status", "", 200},
		{"GET", "/v1/pod/hello-9/status", "", 404},
		{"GET", "/v1/pod/hello%2D1/status", "", 200},
		{"GET", "/service/hello-world/v1/pod/hello%2D1/status", "", 200},
		{"GET", "/v1/pod/hello-0/info", "", 200},
		{"GET", "/v1/pod/hello-9/info", "", 404},
		{"POST", "/v1/pod/hello-0/restart", "", 200},
		{"POST", "/v1/pod/hello-9/restart", "", 404},
		{"POST", "/v1/pod/hello-0/replace", "", 200},
		{"POST", "/v1/pod/hello-0/pause", "", 200},
		{"POST", "/v1/pod/hello-0/pause", `["server"]`, 200},
		{"POST", "/v1/pod/hello-0/pause", `["nope"]`, 404},
		{"POST", "/v1/pod/hello-0/pause", `{"server":1}`, 400},
		{"POST", "/v1/pod/hello-0/resume", `["hello-0-server"]`, 200},
		{"GET", "/v1/pod/hello-0/restart", "", 405},
	},
	"endpoints": {
		{"GET", "/v1/endpoints", "", 200},
		{"GET", "/v1/endpoints/web", "", 200},
		{"GET", "/v1/endpoints/nope", "", 404},
	},
	"configurations": {
		{"GET", "/v1/configurations", "", 200},
		{"GET", "/v1/configurations/targetId", "", 200},
		{"GET", "/v1/configurations/target", "", 200},
		{"GET", "/v1/configurations/0a1b2c3d-4e5f-8a6b-8c7d-8e9fa0b1c2d3", "", 200},
		{"GET", "/v1/configurations/00000000-0000-4000-8000-000000000000", "", 404},
		{"GET", "/v1/configurations/not-a-uuid", "", 400},
		{"GET", "/v1/artifacts/template/8f0e2a4c-1b3d-8e5f-9a7b-c1d2e3f4a5b6/hello/server/conf", "", 200},
		{"GET", "/v1/artifacts/template/8f0e2a4c-1b3d-8e5f-9a7b-c1d2e3f4a5b6/hello/server/nope", "", 404},
		{"GET", "/v1/artifacts/template/bad/hello/server/conf", "", 400},
	},
	"state": {
		{"GET", "/v1/state/frameworkId", "", 200},
		{"GET", "/v1/state/properties", "", 200},
		{"GET", "/v1/state/properties/last-completed-update-type", "", 200},
		{"GET", "/v1/state/properties/nope", "", 404},
		{"PUT", "/v1/state/refresh", "", 200},
	},
	"health-and-debug": {
		{"GET", "/v1/health", "", 204},
		{"GET", "/v1/health?verbose=true", "", 204},
		{"GET", "/v1/debug/offers", "", 200},
		{"GET", "/v1/debug/offers?plan=deploy&phase=hello&step=hello-1:[server]", "", 200},
		{"GET", "/v1/debug/offers?plan=deploy&phase=nope", "", 404},
		{"GET", "/v1/debug/offers?phase=hello", "", 400},
		{"GET", "/v1/metrics/prometheus", "", 404},
		{"GET", "/v2/debug/offers", "", 200},
		{"GET", "/v2/debug/offers?plan=deploy&phase=hello", "", 200},
		{"GET", "/v1/nope", "", 404},
	},
}

func TestContracts(t *testing.T) {
	for group, exchanges := range contracts {
		t.Run(group, func(t *testing.T) {
			srv := httptest.NewServer(api.Handler(newFake(t), api.Options{Service: "hello-world", Store: newStore("fw-1")}))
			defer srv.Close()
			var transcript strings.Builder
			for _, x := range exchanges {
				code, ctype, body := call(t, srv.URL, x.method, x.path, x.body)
				if code != x.code {
					t.Errorf("%s %s: %d, want %d: %s", x.method, x.path, code, x.code, body)
				}
				fmt.Fprintf(&transcript, "### %s %s %s\n%d %s\n%s\n", x.method, x.path, x.body, code, ctype, strings.TrimRight(body, "\n"))
			}
			golden(t, filepath.Join("testdata", "contract", group+".golden"), transcript.String())
		})
	}
}

// call sends a request to a real server: what the wire carries (a 204
// has no body, whatever the handler wrote) is what is recorded.
func call(t *testing.T, base, method, path, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// do sends a request to the handler in process.
func do(h http.Handler, method, path, body string, header http.Header) (int, string, string) {
	req := httptest.NewRequest(method, "http://scheduler"+path, strings.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, rec.Header().Get("Content-Type"), string(b)
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run with -update and review the diff):\n%s", path, got)
	}
}
