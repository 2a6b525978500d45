package bootstrap

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/certs"
	"github.com/kennel-sdk/kennel/certs/taskenv"
)

// issuer is a scheduler's signing endpoint: it answers 503 fails times,
// then signs for token.
func issuer(t *testing.T, token string, fails int32) (*httptest.Server, *certs.CA) {
	t.Helper()
	ca, err := certs.NewCA("svc", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= fails {
			http.Error(w, "scheduler starting", http.StatusServiceUnavailable)
			return
		}
		if r.Header.Get(taskenv.TokenHeader) != token {
			http.Error(w, "no current launch of the task carries this token", http.StatusForbidden)
			return
		}
		csr, _ := io.ReadAll(r.Body)
		cert, err := ca.Sign(csr, certs.Names{CommonName: "app-0-server.svc", DNS: []string{"localhost"}}, time.Now())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_ = json.NewEncoder(w).Encode(taskenv.Issued{Certificate: string(cert), CA: string(ca.CertPEM()),
			Secrets: map[string]string{"ADMIN_PASSWORD": "s3cret"}})
	}))
	t.Cleanup(srv.Close)
	return srv, ca
}

// TestCertificates: the bootstrap writes each entry's files, keys 0600,
// asking again while the scheduler answers 5xx, and returns the secrets
// that came with the certificate; a 403 is final; without KENNEL_TLS it
// does nothing.
func TestCertificates(t *testing.T) {
	srv, _ := issuer(t, "tok", 2)
	dir := t.TempDir()
	env := map[string]string{taskenv.Encryptions: "server:TLS,store:KEYSTORE", taskenv.URL: srv.URL, taskenv.Token: "tok", "TASK_NAME": "app-0-server"}
	var waited []string
	lines, secrets, err := Certificates(t.Context(), srv.Client(), dir, env, time.Millisecond, func(r string) { waited = append(waited, r) })
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 5 || len(waited) != 1 {
		t.Errorf("lines %v, waited %v: want 5 files and one reason", lines, waited)
	}
	if secrets["ADMIN_PASSWORD"] != "s3cret" || len(secrets) != 1 || strings.Contains(strings.Join(lines, "\n"), "s3cret") {
		t.Errorf("secrets %v (lines %v): want the scheduler's ADMIN_PASSWORD, never in a line", secrets, lines)
	}
	for name, mode := range map[string]os.FileMode{"server.crt": 0o644, "server.key": 0o600, "server.ca": 0o644, "store.keystore": 0o600, "store.truststore": 0o644} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: %v %v, want mode %v", name, fi, err, mode)
		}
	}
	if _, err := tls.LoadX509KeyPair(filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")); err != nil {
		t.Errorf("server.crt and server.key: %v", err)
	}

	env[taskenv.Token] = "stale"
	if _, _, err := Certificates(t.Context(), srv.Client(), t.TempDir(), env, time.Millisecond, func(string) {}); !errors.Is(err, ErrCertificate) {
		t.Errorf("a refused token: %v, want ErrCertificate", err)
	}
	if lines, secrets, err := Certificates(t.Context(), srv.Client(), t.TempDir(), map[string]string{}, time.Millisecond, nil); err != nil || lines != nil || secrets != nil {
		t.Errorf("without %s: %v, %v", taskenv.Encryptions, lines, err)
	}
	for name, bad := range map[string]map[string]string{
		"malformed entries": {taskenv.Encryptions: "server", taskenv.URL: srv.URL, taskenv.Token: "tok"},
		"no URL":            {taskenv.Encryptions: "server:TLS", taskenv.Token: "tok"},
	} {
		if _, _, err := Certificates(t.Context(), srv.Client(), t.TempDir(), bad, time.Millisecond, func(string) {}); !errors.Is(err, ErrCertificate) {
			t.Errorf("%s: %v, want ErrCertificate", name, err)
		}
	}
}
