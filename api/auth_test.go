package api_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kennel-sdk/kennel/api"
)

// TestToken: with a token every request but health and artifacts needs
// it, in either header form, over TLS as over plain HTTP.
func TestToken(t *testing.T) {
	h := api.Handler(newFake(t), api.Options{Service: "hello-world", Store: newStore("fw-1"), Token: "s3cret"})
	srv := httptest.NewTLSServer(h)
	defer srv.Close()
	client := srv.Client()
	tests := []struct {
		path, auth string
		want       int
	}{
		{"/v1/plans", "", 401},
		{"/v1/plans", "Bearer wrong", 401},
		{"/v1/plans", "token=wrong", 401},
		{"/v1/plans", "s3cret", 401},
		{"/v1/plans", "Bearer s3cret", 200},
		{"/v1/plans", "bearer s3cret", 200},
		{"/v1/plans", "token=s3cret", 200},
		{"/service/hello-world/v1/plans", "token=s3cret", 200},
		{"/service/hello-world/v1/plans", "", 401},
		{"/v1/pod/hello-0/restart", "", 401},
		{"/v1/health", "", 204},
		{"/v1/artifacts/template/8f0e2a4c-1b3d-8e5f-9a7b-c1d2e3f4a5b6/hello/server/conf", "", 200},
	}
	for _, tt := range tests {
		method := "GET"
		if tt.path == "/v1/pod/hello-0/restart" {
			method = "POST"
		}
		req, _ := http.NewRequest(method, srv.URL+tt.path, nil)
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s with %q: %d, want %d", tt.path, tt.auth, resp.StatusCode, tt.want)
		}
		if tt.want == 401 && resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", tt.path)
		}
	}
	// Plain HTTP to the TLS port is refused by the server, not served.
	plain := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if resp, err := plain.Get("http" + srv.URL[len("https"):] + "/v1/health"); err == nil {
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("plain HTTP to the TLS listener got %d", resp.StatusCode)
		}
	}
}

// TestNoTokenIgnoresAuthorization: without a token, DC/OS's header is
// accepted and ignored.
func TestNoTokenIgnoresAuthorization(t *testing.T) {
	h := api.Handler(newFake(t), api.Options{Service: "hello-world", Store: newStore("fw-1")})
	code, _, _ := do(h, "GET", "/v1/plans", "", http.Header{"Authorization": {"token=anything"}})
	if code != 200 {
		t.Fatalf("GET /v1/plans with a DC/OS token: %d", code)
	}
}

// TestPlanWithErrors: a plan with errors is 417 with the same body, and
// health says 500.
func TestPlanWithErrors(t *testing.T) {
	h := api.Handler(newFake(t, "pod hello: count may not shrink"), api.Options{Service: "hello-world", Store: newStore("fw-1")})
	code, _, body := do(h, "GET", "/v1/plans/deploy", "", nil)
	if code != 417 {
		t.Fatalf("GET deploy: %d, want 417", code)
	}
	golden(t, "testdata/contract/plan-errors.golden", body)
	if code, _, _ := do(h, "GET", "/v1/health", "", nil); code != 500 {
		t.Errorf("health: %d, want 500", code)
	}
}

// TestNotRegistered: before the framework registers, frameworkId is 404
// and health 318.
func TestNotRegistered(t *testing.T) {
	f := newFake(t)
	f.fwID = ""
	h := api.Handler(f, api.Options{Service: "hello-world", Store: newStore("")})
	if code, _, _ := do(h, "GET", "/v1/state/frameworkId", "", nil); code != 404 {
		t.Errorf("frameworkId: %d, want 404", code)
	}
	if code, _, _ := do(h, "GET", "/v1/health", "", nil); code != 318 {
		t.Errorf("health: %d, want 318", code)
	}
}

// TestArtifactsHandler serves what tasks fetch, and nothing else.
func TestArtifactsHandler(t *testing.T) {
	h := api.ArtifactsHandler(newFake(t), api.Options{Service: "hello-world", Store: newStore("fw-1"), Token: "s3cret"})
	for path, want := range map[string]int{
		"/v1/artifacts/template/8f0e2a4c-1b3d-8e5f-9a7b-c1d2e3f4a5b6/hello/server/conf":                     200,
		"/service/hello-world/v1/artifacts/template/8f0e2a4c-1b3d-8e5f-9a7b-c1d2e3f4a5b6/hello/server/conf": 200,
		"/v1/plans":  404,
		"/v1/health": 404,
	} {
		if code, _, body := do(h, "GET", path, "", nil); code != want {
			t.Errorf("GET %s: %d, want %d: %s", path, code, want, body)
		}
	}
}
