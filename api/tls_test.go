package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/api"
	"github.com/kennel-sdk/kennel/certs"
	"github.com/kennel-sdk/kennel/certs/taskenv"
)

// fakeIssuer signs for one task and token; ca empty: no CA.
type fakeIssuer struct{ ca string }

func (f fakeIssuer) CACertificate() ([]byte, error) {
	if f.ca == "" {
		return nil, taskenv.ErrNoCA
	}
	return []byte(f.ca), nil
}

func (f fakeIssuer) IssueCertificate(_ context.Context, task, token string, csr []byte) (taskenv.Issued, error) {
	switch {
	case f.ca == "":
		return taskenv.Issued{}, taskenv.ErrNoCA
	case task != "hello-0-server" || token != "tok":
		return taskenv.Issued{}, taskenv.ErrCertDenied
	case string(csr) != "CSR":
		return taskenv.Issued{}, fmt.Errorf("%w: not PEM", certs.ErrRequest)
	}
	return taskenv.Issued{Certificate: "CERT", CA: f.ca}, nil
}

// TestTLSRoutes: the CA certificate and the signing endpoint, with their
// status codes, on the API (without its token: tasks call them) and on
// the artifacts handler; and the secret properties no API shows.
func TestTLSRoutes(t *testing.T) {
	store := newStore("fw-1")
	store.props["secret:tls-ca"] = []byte("KEY MATERIAL")
	for _, tc := range []struct {
		name, method, path, token, body string
		issuer                          api.CertificateIssuer
		code                            int
		want                            string
	}{
		{"ca", "GET", "/v1/artifacts/tls/ca.crt", "", "", fakeIssuer{"CA PEM"}, 200, "CA PEM"},
		{"ca under /service", "GET", "/service/hello-world/v1/artifacts/tls/ca.crt", "", "", fakeIssuer{"CA PEM"}, 200, "CA PEM"},
		{"no ca", "GET", "/v1/artifacts/tls/ca.crt", "", "", fakeIssuer{}, 404, "no certificate authority"},
		{"no issuer", "GET", "/v1/artifacts/tls/ca.crt", "", "", nil, 404, "no certificate authority"},
		{"sign", "POST", "/v1/artifacts/tls/certs/hello-0-server", "tok", "CSR", fakeIssuer{"CA PEM"}, 200, `"certificate": "CERT"`},
		{"wrong token", "POST", "/v1/artifacts/tls/certs/hello-0-server", "old", "CSR", fakeIssuer{"CA PEM"}, 403, "hello-0-server"},
		{"bad request", "POST", "/v1/artifacts/tls/certs/hello-0-server", "tok", "junk", fakeIssuer{"CA PEM"}, 400, "not PEM"},
		{"too large", "POST", "/v1/artifacts/tls/certs/hello-0-server", "tok", strings.Repeat("x", 65<<10), fakeIssuer{"CA PEM"}, 413, "64 KiB"},
		{"sign without ca", "POST", "/v1/artifacts/tls/certs/hello-0-server", "tok", "CSR", fakeIssuer{}, 404, "no certificate authority"},
		{"properties hide secrets", "GET", "/v1/state/properties", "", "", nil, 200, `"ready:hello-0-server"`},
		{"secret property", "GET", "/v1/state/properties/secret:tls-ca", "", "", nil, 404, "not found"},
	} {
		// Artifacts need no API token, and the artifacts handler serves them
		// too; the state routes are the API's.
		opts := api.Options{Service: "hello-world", Store: store, Token: "api-token", TLS: tc.issuer}
		handlers := []http.Handler{api.Handler(newFake(t), opts), api.ArtifactsHandler(newFake(t), opts)}
		if !strings.Contains(tc.path, "/artifacts/") {
			opts.Token = ""
			handlers = []http.Handler{api.Handler(newFake(t), opts)}
		}
		for _, h := range handlers {
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.token != "" {
				req.Header.Set(taskenv.TokenHeader, tc.token)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != tc.code || !strings.Contains(string(body), tc.want) || strings.Contains(string(body), "KEY MATERIAL") || strings.Contains(string(body), `"secret:`) {
				t.Errorf("%s: %d %s, want %d with %q", tc.name, rec.Code, body, tc.code, tc.want)
			}
		}
	}
}
