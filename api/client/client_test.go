package client_test

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kennel-sdk/kennel/api/client"
)

// received is one request the fake scheduler got.
type received struct {
	method, path, query, body string
	header                    http.Header
}

// reply is what the fake scheduler answers every request with.
type reply struct {
	code  int
	body  string
	ctype string // default application/json
}

// fakeScheduler serves rep to every request and records the requests.
type fakeScheduler struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []received
}

func newFakeScheduler(t *testing.T, rep reply) *fakeScheduler {
	t.Helper()
	f := &fakeScheduler{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, received{method: r.Method, path: r.URL.EscapedPath(), query: r.URL.RawQuery, body: string(body), header: r.Header.Clone()})
		f.mu.Unlock()
		ctype := rep.ctype
		if ctype == "" {
			ctype = "application/json"
		}
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(rep.code)
		io.WriteString(w, rep.body)
	}))
	t.Cleanup(f.Close)
	return f
}

// only returns the one request the fake got.
func (f *fakeScheduler) only(t *testing.T) received {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) != 1 {
		t.Fatalf("the scheduler got %d requests, want 1: %+v", len(f.reqs), f.reqs)
	}
	return f.reqs[0]
}

// fixture returns a recorded response body from testdata/responses.
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "responses", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustNew(t *testing.T, base string, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(base, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAuthorizationHeaderAndPathPrefix(t *testing.T) {
	for _, tc := range []struct {
		name     string
		prefix   string
		opts     []client.Option
		wantAuth string
		wantPath string
	}{
		{"no token", "", nil, "", "/v1/plans"},
		{"bearer", "", []client.Option{client.WithBearerToken("s3cret")}, "Bearer s3cret", "/v1/plans"},
		{"dcos", "/service/kafka", []client.Option{client.WithDCOSToken("eyJ0")}, "token=eyJ0", "/service/kafka/v1/plans"},
		{"prefix with trailing slash", "/service/folder/kafka/", nil, "", "/service/folder/kafka/v1/plans"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeScheduler(t, reply{code: 200, body: `["deploy"]`})
			c := mustNew(t, srv.URL+tc.prefix, tc.opts...)
			if _, err := c.Plans(context.Background()); err != nil {
				t.Fatal(err)
			}
			req := srv.only(t)
			if got := req.header.Get("Authorization"); got != tc.wantAuth {
				t.Errorf("Authorization = %q, want %q", got, tc.wantAuth)
			}
			if req.path != tc.wantPath {
				t.Errorf("path = %q, want %q", req.path, tc.wantPath)
			}
		})
	}
}

func TestNewRefusesBadBaseURLs(t *testing.T) {
	for _, base := range []string{"", "localhost:8080", "ftp://host/x", "http://", "http://host/?q=1", "http://host/#/"} {
		if _, err := client.New(base); err == nil {
			t.Errorf("New(%q) accepted it", base)
		}
	}
	if _, err := client.New("http://host", client.WithHTTPClient(&http.Client{}), client.WithInsecureSkipVerify()); err == nil {
		t.Error("New accepted TLS options with a caller's HTTP client")
	}
	if _, err := client.New("https://host", client.WithCAFile(filepath.Join(t.TempDir(), "missing.pem"))); err == nil {
		t.Error("New accepted a missing CA file")
	}
}

func TestErrorsCarryStatusAndMessage(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rep      reply
		sentinel error
		wantMsg  string
	}{
		{"404 JSON", reply{code: 404, body: `{"message":"Plan nope not found"}`}, client.ErrNotFound, "Plan nope not found"},
		{"404 text", reply{code: 404, body: "Plan nope not found\n", ctype: "text/plain"}, client.ErrNotFound, "Plan nope not found"},
		{"401", reply{code: 401, body: `{"title":"Unauthorized"}`}, client.ErrUnauthorized, `{"title":"Unauthorized"}`},
		{"403", reply{code: 403, body: ""}, client.ErrUnauthorized, "Forbidden"},
		{"500 empty", reply{code: 500}, nil, "Internal Server Error"},
		{"400", reply{code: 400, body: "Couldn't parse parameters: x", ctype: "text/plain"}, nil, "Couldn't parse parameters: x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeScheduler(t, tc.rep)
			_, _, err := mustNew(t, srv.URL).Plan(context.Background(), "nope")
			var apiErr *client.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want a *client.Error", err)
			}
			if apiErr.Code != tc.rep.code || apiErr.Message != tc.wantMsg {
				t.Errorf("got %d %q, want %d %q", apiErr.Code, apiErr.Message, tc.rep.code, tc.wantMsg)
			}
			for _, s := range []error{client.ErrNotFound, client.ErrUnauthorized, client.ErrAlreadyReported} {
				if got, want := errors.Is(err, s), s == tc.sentinel; got != want {
					t.Errorf("errors.Is(err, %v) = %t, want %t", s, got, want)
				}
			}
		})
	}
}

func TestCommand208IsAlreadyReported(t *testing.T) {
	srv := newFakeScheduler(t, reply{code: 208, body: "Command has already been reported or completed", ctype: "text/plain"})
	_, err := mustNew(t, srv.URL).PlanContinue(context.Background(), "deploy", "")
	if !errors.Is(err, client.ErrAlreadyReported) {
		t.Fatalf("err = %v, want ErrAlreadyReported", err)
	}
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.Code != 208 {
		t.Fatalf("err = %#v, want a *client.Error with code 208", err)
	}
}

func TestUnreachableSchedulerNamesTheURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := mustNew(t, url).Pods(context.Background())
	if !errors.Is(err, client.ErrUnreachable) || !strings.Contains(err.Error(), url+"/v1/pod") {
		t.Fatalf("err = %v, want ErrUnreachable naming %s/v1/pod", err, url)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = mustNew(t, url).Pods(ctx)
	if !errors.Is(err, context.Canceled) || errors.Is(err, client.ErrUnreachable) {
		t.Fatalf("canceled: err = %v, want context.Canceled only", err)
	}
}

func TestTLSOptions(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, `["deploy"]`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		opts   []client.Option
		wantOK bool
	}{
		{"system roots", nil, false},
		{"insecure", []client.Option{client.WithInsecureSkipVerify()}, true},
		{"CA file", []client.Option{client.WithCAFile(ca)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mustNew(t, srv.URL, tc.opts...).Plans(context.Background())
			if tc.wantOK && err != nil {
				t.Fatal(err)
			}
			if !tc.wantOK && !errors.Is(err, client.ErrUnreachable) {
				t.Fatalf("err = %v, want ErrUnreachable (certificate not trusted)", err)
			}
		})
	}
}

func TestBadResponseBodies(t *testing.T) {
	for _, tc := range []struct {
		name string
		rep  reply
		call func(context.Context, *client.Client) error
	}{
		{"plans not JSON", reply{code: 200, body: "<html>"}, func(ctx context.Context, c *client.Client) error {
			_, err := c.Plans(ctx)
			return err
		}},
		{"pod info not JSON", reply{code: 200, body: "oops"}, func(ctx context.Context, c *client.Client) error {
			_, err := c.PodInfo(ctx, "hello-0")
			return err
		}},
		{"two target ids", reply{code: 200, body: `["a","b"]`}, func(ctx context.Context, c *client.Client) error {
			_, err := c.TargetID(ctx)
			return err
		}},
		{"health without value", reply{code: 200, body: `{}`}, func(ctx context.Context, c *client.Client) error {
			_, _, err := c.Health(ctx)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeScheduler(t, tc.rep)
			if err := tc.call(context.Background(), mustNew(t, srv.URL)); !errors.Is(err, client.ErrBadResponse) {
				t.Fatalf("err = %v, want ErrBadResponse", err)
			}
		})
	}
}

// TestHealthOfARealServer runs Health against a real HTTP server, which
// sends no body with a 204 or a 304 whatever the handler writes: an empty
// body's health is the status code.
func TestHealthOfARealServer(t *testing.T) {
	for _, tc := range []struct {
		name      string
		handler   http.HandlerFunc
		want      client.Health
		wantCode  int
		wantError error
	}{
		{"204 deploy steps pending", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) },
			client.Health{Value: 204}, 204, nil},
		{"204 whose body the server drops", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(204)
			io.WriteString(w, `{"value":204,"reasons":["deploy steps pending"]}`)
		}, client.Health{Value: 204}, 204, nil},
		{"304", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(304) }, client.Health{Value: 304}, 304, nil},
		{"503 empty", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }, client.Health{Value: 503}, 503, nil},
		{"208 with a value", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(208)
			io.WriteString(w, `{"value":208,"reasons":["a step is delayed"]}`)
		}, client.Health{Value: 208, Reasons: []string{"a step is delayed"}}, 208, nil},
		{"401 empty is a refusal", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(401) },
			client.Health{}, 401, client.ErrUnauthorized},
		{"404 empty is no health endpoint", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(404) },
			client.Health{}, 404, client.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			h, code, err := mustNew(t, srv.URL).Health(context.Background())
			if tc.wantError != nil {
				if !errors.Is(err, tc.wantError) {
					t.Fatalf("err = %v, want %v", err, tc.wantError)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.wantCode || h.Value != tc.want.Value || strings.Join(h.Reasons, "|") != strings.Join(tc.want.Reasons, "|") {
				t.Errorf("got %+v, %d; want %+v, %d", h, code, tc.want, tc.wantCode)
			}
		})
	}
}
