package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/examples/kafka/topics"
)

// TestUserCommands: `kennel user add|list|remove` against the real user
// routes on a kfake broker that requires SASL (the routes authenticated
// as its SCRAM superuser): exit statuses, what each prints, and that the
// password goes in the request body only, never in a URL or the output.
func TestUserCommands(t *testing.T) {
	isolate(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser(kafkaclient.MechanismSCRAM512, "kennel-admin", "admin-secret"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	addrs := c.ListenAddrs()
	sec := kafkaclient.Security{SCRAM: &kafkaclient.SCRAM{User: "kennel-admin", Password: "admin-secret"}}
	r := chi.NewRouter()
	for _, rt := range topics.UserRoutes(func(context.Context) ([]string, kafkaclient.Security, error) { return addrs, sec, nil }) {
		r.Method(rt.Method, "/v1/"+rt.Path, rt.Handler)
	}
	var mu sync.Mutex
	var uris []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		uris = append(uris, req.Method+" "+req.URL.RequestURI())
		mu.Unlock()
		r.ServeHTTP(w, req)
	}))
	t.Cleanup(api.Close)
	file := filepath.Join(t.TempDir(), "alice.password")
	if err := os.WriteFile(file, []byte("wonderland\nsecond line ignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	requests := func() int { mu.Lock(); defer mu.Unlock(); return len(uris) }
	for _, step := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"user", "list"}, 0, `"kennel-admin"`},
		{[]string{"user", "add", "alice", "--password-file", file}, 0, "User alice has SCRAM-SHA-512 credentials"},
		{[]string{"user", "list"}, 0, `"alice"`},
		// Refused before any request (the binary exits 2: a usage error).
		{[]string{"user", "add", "alice", "--password-file", filepath.Join(t.TempDir(), "missing")}, 1, ""},
		{[]string{"user", "add", "", "--password-file", file}, 1, ""},
		{[]string{"user", "remove", "alice"}, 0, "User alice removed"},
		{[]string{"user", "remove", "alice"}, 1, ""},
	} {
		before := requests()
		out, errOut, code := runAs(t, "kennel", append(step.args, "--url", api.URL)...)
		if sent := requests() > before; sent != (step.want != "" || step.args[1] == "remove") {
			t.Errorf("kennel %v: a request sent: %v", step.args, sent)
		}
		if code != step.code || !strings.Contains(out, step.want) {
			t.Errorf("kennel %v: exit %d, printed %q %q; want exit %d and %q", step.args, code, out, errOut, step.code, step.want)
		}
		if strings.Contains(out+errOut, "wonderland") {
			t.Errorf("kennel %v printed the password: %q %q", step.args, out, errOut)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if joined := strings.Join(uris, "\n"); strings.Contains(joined, "wonderland") || !strings.Contains(joined, "PUT /v1/users/alice") {
		t.Errorf("requests:\n%s", joined)
	}
}

func TestReadPassword(t *testing.T) {
	for _, c := range []struct {
		in, want string
		err      error
	}{
		{"s3cret\n", "s3cret", nil},
		{"s3cret\r\nmore\n", "s3cret", nil},
		{"no newline", "no newline", nil},
		{"", "", errNoPassword},
		{"\nlater\n", "", errNoPassword},
	} {
		got, err := readPassword(strings.NewReader(c.in), "")
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("readPassword(%q) = %q, %v; want %q, %v", c.in, got, err, c.want, c.err)
		}
	}
}
