package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestStandbyHandler(t *testing.T) {
	reason := "waiting for the service's lock, held by kennel scheduler on a, pid 7"
	tests := []struct {
		name, token, path, auth string
		code                    int
		body                    string
	}{
		{name: "health", path: "/v1/health", code: 318, body: `"standby: ` + reason + `"`},
		{name: "health prefixed", path: "/service/svc/v1/health", code: 318, body: `"value": 318`},
		{name: "plans", path: "/v1/plans/deploy", code: 503, body: "standby and serves only /v1/health: " + reason},
		{name: "unknown", path: "/nope", code: 503, body: "standby"},
		{name: "health without token", token: "s3cret", path: "/v1/health", code: 318, body: reason},
		{name: "plans without token", token: "s3cret", path: "/v1/plans", code: 401, body: "Unauthorized"},
		{name: "plans with token", token: "s3cret", path: "/v1/plans", auth: "token=s3cret", code: 503, body: reason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(StandbyHandler(Options{Service: "svc", Token: tt.token}, func() string { return reason }))
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.code || !strings.Contains(string(b), tt.body) {
				t.Errorf("GET %s: %d %q; want %d containing %q", tt.path, resp.StatusCode, b, tt.code, tt.body)
			}
			if tt.code == 503 && resp.Header.Get("Retry-After") == "" {
				t.Error("a 503 without Retry-After")
			}
			if tt.code == 318 {
				var h struct {
					Value   int      `json:"value"`
					Reasons []string `json:"reasons"`
				}
				if err := json.Unmarshal(b, &h); err != nil || h.Value != 318 || len(h.Reasons) != 1 {
					t.Errorf("health body %q: %v", b, err)
				}
			}
		})
	}
}
