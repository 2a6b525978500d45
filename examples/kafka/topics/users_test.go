package topics

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
)

// TestUserRoutes: the user routes against three kfake brokers that
// require SASL, the scheduler authenticated as their SCRAM superuser:
// statuses and bodies of each request, no password ever in an answer,
// and a user added through the API logs in to every broker.
func TestUserRoutes(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.EnableSASL(), kfake.Superuser(kafkaclient.MechanismSCRAM512, "kennel-admin", "admin-secret"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	addrs := c.ListenAddrs()
	admin := kafkaclient.Security{SCRAM: &kafkaclient.SCRAM{User: "kennel-admin", Password: "admin-secret"}}
	r := chi.NewRouter()
	for _, rt := range UserRoutes(func(context.Context) ([]string, kafkaclient.Security, error) { return addrs, admin, nil }) {
		r.Method(rt.Method, "/v1/"+rt.Path, rt.Handler)
	}
	s := httptest.NewServer(r)
	t.Cleanup(s.Close)

	long := strings.Repeat("u", 256)
	for _, step := range []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"GET", "users", "", 200, `["kennel-admin"]`},
		{"PUT", "users/alice", `{"password": "wonderland"}`, 200, "User alice has SCRAM-SHA-512 credentials"},
		{"GET", "users", "", 200, `["alice","kennel-admin"]`},
		{"POST", "users/alice", `{"password": "looking-glass"}`, 200, "User alice has SCRAM-SHA-512 credentials"},
		{"PUT", "users/bob", ``, 400, `the body must be a JSON object`},
		{"PUT", "users/bob", `{"password": "wonderland", "admin": true}`, 400, `the body must be a JSON object`},
		{"PUT", "users/bob", `{"password": wonderland}`, 400, `the body must be a JSON object`},
		{"PUT", "users/bob", `{"password": ""}`, 400, "the password is empty"},
		{"PUT", "users/" + long, `{"password": "wonderland"}`, 400, "bad user name"},
		{"DELETE", "users/bob", "", 404, "RESOURCE_NOT_FOUND"},
		{"DELETE", "users/alice", "", 200, "User alice removed"},
		{"GET", "users", "", 200, `["kennel-admin"]`},
	} {
		code, body := callBody(t, step.method, s.URL+"/v1/"+step.path, step.body)
		if code != step.code || !strings.Contains(body, step.want) {
			t.Errorf("%s %.40s %s: %d %s, want %d with %q", step.method, step.path, step.body, code, body, step.code, step.want)
		}
		if strings.Contains(body, "wonderland") || strings.Contains(body, "looking-glass") || strings.Contains(body, "admin-secret") {
			t.Errorf("%s %s: a password in the answer: %s", step.method, step.path, body)
		}
	}

	// A user added through the API logs in.
	if code, body := callBody(t, "PUT", s.URL+"/v1/users/carol", `{"password": "c4rol"}`); code != 200 {
		t.Fatalf("add carol: %d %s", code, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, addr := range addrs {
		conn, err := kafkaclient.DialSecure(ctx, addr, kafkaclient.Security{SCRAM: &kafkaclient.SCRAM{User: "carol", Password: "c4rol"}})
		if err != nil {
			t.Fatalf("carol at %s: %v", addr, err)
		}
		conn.Close()
	}
}

func callBody(t testing.TB, method, url, body string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if json.Compact(&compact, raw) == nil {
		raw = compact.Bytes()
	}
	return resp.StatusCode, string(raw)
}
