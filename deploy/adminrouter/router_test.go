package adminrouter_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kennel-sdk/kennel/deploy/adminrouter"
)

// fakeApps is an adminrouter.Apps whose apps the test sets, counting calls.
type fakeApps struct {
	mu    sync.Mutex
	apps  []adminrouter.App
	err   error
	calls int
}

func (f *fakeApps) Apps(context.Context) ([]adminrouter.App, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return f.apps, f.err
}

func (f *fakeApps) set(apps []adminrouter.App, err error) {
	f.mu.Lock()
	f.apps, f.err = apps, err
	f.mu.Unlock()
}

func (f *fakeApps) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// seen is a request as the upstream received it.
type seen struct {
	method, path, query, body, host string
	header                          http.Header
}

// upstream is a real HTTP server recording what it receives; it answers
// with the status in the "code" query parameter (default 200), a Location
// from "location", and "upstream <name>" as the body.
type upstream struct {
	*httptest.Server
	name string
	mu   sync.Mutex
	reqs []seen
}

func newUpstream(t *testing.T, name string) *upstream {
	u := &upstream{name: name}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.reqs = append(u.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, string(body), r.Host, r.Header.Clone()})
		u.mu.Unlock()
		if loc := r.URL.Query().Get("location"); loc != "" {
			w.Header().Set("Location", loc)
		}
		code := http.StatusOK
		if c := r.URL.Query().Get("code"); c != "" {
			code, _ = strconv.Atoi(c)
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, "upstream "+name)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) last(t *testing.T) seen {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.reqs) == 0 {
		t.Fatal("the upstream got no request")
	}
	return u.reqs[len(u.reqs)-1]
}

// appAt is an app named name whose running task is the server at rawURL.
func appAt(t *testing.T, id, name, rawURL string, changes ...string) adminrouter.App {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return adminrouter.App{ID: id, Labels: labels(name, changes...), Tasks: []adminrouter.Task{running(u.Hostname(), port)}}
}

// frontDoor serves a Router over apps.
func frontDoor(t *testing.T, apps adminrouter.Apps, opts adminrouter.Options) *httptest.Server {
	s := httptest.NewServer(adminrouter.New(apps, opts))
	t.Cleanup(s.Close)
	return s
}

// noRedirects is a client that returns redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func do(t *testing.T, method, rawURL, body string, header ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

func TestRouting(t *testing.T) {
	kafka, dev, devKafka, raw := newUpstream(t, "kafka"), newUpstream(t, "dev"), newUpstream(t, "dev/kafka"), newUpstream(t, "raw")
	other := newUpstream(t, "other/kafka")
	apps := &fakeApps{}
	apps.set([]adminrouter.App{
		appAt(t, "/kafka", "kafka", kafka.URL),
		appAt(t, "/dev", "dev", dev.URL),
		appAt(t, "/dev/kafka", "/dev/kafka", devKafka.URL),
		appAt(t, "/other/kafka", "other/kafka", other.URL),
		appAt(t, "/raw", "raw", raw.URL, "DCOS_SERVICE_REWRITE_REQUEST_URLS", "false"),
	}, nil)
	door := frontDoor(t, apps, adminrouter.Options{})
	for _, tc := range []struct {
		method, path, body string
		to                 *upstream
		wantPath, query    string
		code               int
	}{
		{"GET", "/service/kafka/v1/plans", "", kafka, "/v1/plans", "", 200},
		{"GET", "/service/kafka/v1/plans/deploy", "", kafka, "/v1/plans/deploy", "", 200},
		{"GET", "/service/kafka/", "", kafka, "/", "", 200},
		{"GET", "/service/kafka//v1//pod/", "", kafka, "/v1/pod/", "", 200},
		{"POST", "/service/kafka/v1/plans/deploy/restart?phase=broker&step=kafka-0%3A%5Bbroker%5D", "", kafka, "/v1/plans/deploy/restart", "phase=broker&step=kafka-0%3A%5Bbroker%5D", 200},
		{"POST", "/service/kafka/v1/plans/backup/start", `{"SNAPSHOT":"x"}`, kafka, "/v1/plans/backup/start", "", 200},
		{"PUT", "/service/kafka/v1/state/refresh", "", kafka, "/v1/state/refresh", "", 200},
		{"DELETE", "/service/kafka/v1/x", "", kafka, "/v1/x", "", 200},
		{"GET", "/service/kafka/v1/plans/deploy?code=417", "", kafka, "/v1/plans/deploy", "code=417", 417},
		{"GET", "/service/kafka/v1/plans/nope?code=404", "", kafka, "/v1/plans/nope", "code=404", 404},
		{"GET", "/service/kafka/v1/x?code=500", "", kafka, "/v1/x", "code=500", 500},
		// shortest name first: "dev" wins over "dev/kafka"
		{"GET", "/service/dev/kafka/v1/plans", "", dev, "/kafka/v1/plans", "", 200},
		{"GET", "/service/other/kafka/v1/plans", "", other, "/v1/plans", "", 200},
		{"GET", "/service/other/kafka", "", other, "/", "", 200},
		{"GET", "/service//other//kafka/v1", "", other, "/v1", "", 200},
		{"GET", "/service/raw/v1/plans", "", raw, "/service/raw/v1/plans", "", 200},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			code, body, _ := do(t, tc.method, door.URL+tc.path, tc.body)
			if code != tc.code || body != "upstream "+tc.to.name {
				t.Fatalf("%d %q; want %d from the upstream", code, body, tc.code)
			}
			got := tc.to.last(t)
			if got.method != tc.method || got.path != tc.wantPath || got.query != tc.query || got.body != tc.body {
				t.Fatalf("upstream got %s %s ? %s body %q; want %s %s ? %s body %q",
					got.method, got.path, got.query, got.body, tc.method, tc.wantPath, tc.query, tc.body)
			}
		})
	}
	// devKafka is only reachable once "dev" is gone
	apps.set([]adminrouter.App{appAt(t, "/dev/kafka", "dev/kafka", devKafka.URL)}, nil)
	door2 := frontDoor(t, apps, adminrouter.Options{})
	if code, body, _ := do(t, "GET", door2.URL+"/service/dev/kafka/v1/plans", ""); code != 200 || body != "upstream dev/kafka" {
		t.Fatalf("%d %q", code, body)
	}
	if got := devKafka.last(t); got.path != "/v1/plans" {
		t.Fatalf("dev/kafka got %s", got.path)
	}
}

func TestHeaders(t *testing.T) {
	up := newUpstream(t, "kafka")
	apps := &fakeApps{}
	apps.set([]adminrouter.App{appAt(t, "/kafka", "kafka", up.URL)}, nil)
	door := frontDoor(t, apps, adminrouter.Options{})
	code, _, _ := do(t, "GET", door.URL+"/service/kafka/v1/plans", "",
		"Authorization", "token=abc", "X-Forwarded-For", "10.9.9.9", "Accept-Encoding", "br", "X-Custom", "kept")
	if code != 200 {
		t.Fatalf("%d", code)
	}
	got := up.last(t)
	doorHost := strings.TrimPrefix(door.URL, "http://")
	for k, want := range map[string]string{
		"Authorization":     "token=abc",
		"X-Forwarded-For":   "10.9.9.9, 127.0.0.1",
		"X-Forwarded-Proto": "http",
		"X-Real-Ip":         "127.0.0.1",
		"X-Custom":          "kept",
	} {
		if v := got.header.Get(k); v != want {
			t.Errorf("%s: %q; want %q", k, v, want)
		}
	}
	if v := got.header.Get("Accept-Encoding"); v == "br" {
		t.Errorf("Accept-Encoding %q reached the upstream; Admin Router clears it", v)
	}
	if got.host != doorHost {
		t.Errorf("Host %q; want the client's %q", got.host, doorHost)
	}
}

func TestRedirects(t *testing.T) {
	up := newUpstream(t, "kafka")
	apps := &fakeApps{}
	apps.set([]adminrouter.App{appAt(t, "/kafka", "kafka", up.URL), appAt(t, "/dev/kafka", "dev/kafka", up.URL)}, nil)
	door := frontDoor(t, apps, adminrouter.Options{})
	host, _, _ := strings.Cut(strings.TrimPrefix(door.URL, "http://"), ":")
	for _, tc := range []struct{ path, location string }{
		{"/service/kafka?a=1", "/service/kafka/?a=1"},
		{"/service/kafka/x?location=/v1/plans", "/service/kafka/v1/plans"},
		{"/service/kafka/x?location=" + url.QueryEscape("http://"+host+"/v1/plans"), "/service/kafka/v1/plans"},
		{"/service/kafka/x?location=" + url.QueryEscape("http://"+host+"/service/kafka/v1/plans"), "/service/kafka/v1/plans"},
		{"/service/kafka/x?location=" + url.QueryEscape("http://elsewhere/v1"), "http://elsewhere/v1"},
		{"/service/dev/kafka/x?location=/v1", "/service/dev/kafka/v1"},
	} {
		code, _, h := do(t, "GET", door.URL+tc.path, "")
		if loc := h.Get("Location"); loc != tc.location || (code != 301 && code != 200) {
			t.Errorf("%s: %d Location %q; want %q", tc.path, code, loc, tc.location)
		}
	}
}

func TestErrors(t *testing.T) {
	up := newUpstream(t, "kafka")
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close() // refuses connections
	apps := &fakeApps{}
	apps.set([]adminrouter.App{
		appAt(t, "/kafka", "kafka", up.URL),
		appAt(t, "/gone", "gone", gone.URL),
		{ID: "/staging", Labels: labels("staging"), Tasks: []adminrouter.Task{{ID: "s", State: "TASK_STAGING", Host: "127.0.0.1", Ports: []int{1}}}},
		appAt(t, "/unlabelled", "unlabelled", up.URL, "DCOS_SERVICE_PORT_INDEX", "-"),
	}, nil)
	door := frontDoor(t, apps, adminrouter.Options{})
	for _, tc := range []struct {
		path string
		code int
		body string
	}{
		{"/service/nope/v1/plans", 404, "404 Not Found: service not found.\n"},
		{"/service/", 404, "404 Not Found: service not found.\n"},
		{"/service/staging/v1/plans", 404, "404 Not Found: service not found.\n"},
		{"/service/unlabelled/v1/plans", 404, "404 Not Found: service not found.\n"},
		{"/service/gone/v1/plans", 502, "Bad gateway"},
	} {
		code, body, _ := do(t, "GET", door.URL+tc.path, "")
		if code != tc.code || !strings.Contains(body, tc.body) {
			t.Errorf("%s: %d %q; want %d %q", tc.path, code, body, tc.code, tc.body)
		}
	}

	broken := &fakeApps{}
	broken.set(nil, errors.New("marathon is down"))
	door = frontDoor(t, broken, adminrouter.Options{})
	if code, body, _ := do(t, "GET", door.URL+"/service/kafka/v1/plans", ""); code != 503 ||
		body != "503 Service Unavailable: invalid Marathon svcapps cache\n" {
		t.Fatalf("no table: %d %q", code, body)
	}
	// once a table is fetched, a failing Marathon leaves it in use
	broken.set([]adminrouter.App{appAt(t, "/kafka", "kafka", up.URL)}, nil)
	if code, _, _ := do(t, "GET", door.URL+"/service/kafka/v1/plans", ""); code != 200 {
		t.Fatalf("%d", code)
	}
	broken.set(nil, errors.New("marathon is down"))
	if code, _, _ := do(t, "GET", door.URL+"/service/nope/v1/plans", ""); code != 404 {
		t.Fatalf("a miss with Marathon down: %d; want 404 from the last table", code)
	}
	if code, _, _ := do(t, "GET", door.URL+"/service/kafka/v1/plans", ""); code != 200 {
		t.Fatalf("with Marathon down: %d; want the last table's route", code)
	}
}

func TestCache(t *testing.T) {
	up := newUpstream(t, "kafka")
	apps := &fakeApps{}
	door := frontDoor(t, apps, adminrouter.Options{})
	if code, _, _ := do(t, "GET", door.URL+"/service/kafka/v1/plans", ""); code != 404 {
		t.Fatalf("%d; want 404 before the app exists", code)
	}
	calls := apps.count()
	// the scheduler starts: the next request finds it at once
	apps.set([]adminrouter.App{appAt(t, "/kafka", "kafka", up.URL)}, nil)
	if code, _, _ := do(t, "GET", door.URL+"/service/kafka/v1/plans", ""); code != 200 {
		t.Fatalf("%d; want the new app found on the miss", code)
	}
	if apps.count() != calls+1 { // the cached table misses, and one fetch finds it
		t.Fatalf("%d fetches after %d; want %d", apps.count(), calls, calls+1)
	}
	calls = apps.count()
	for range 3 {
		if code, _, _ := do(t, "GET", door.URL+"/service/kafka/v1/plans", ""); code != 200 {
			t.Fatalf("%d", code)
		}
	}
	if apps.count() != calls {
		t.Fatalf("hits fetched the apps %d times; want the cached table", apps.count()-calls)
	}

	// a table older than MaxAge is fetched again
	fresh := &fakeApps{}
	fresh.set([]adminrouter.App{appAt(t, "/kafka", "kafka", up.URL)}, nil)
	door = frontDoor(t, fresh, adminrouter.Options{MaxAge: 1})
	for range 3 {
		if code, _, _ := do(t, "GET", door.URL+"/service/kafka/v1/plans", ""); code != 200 {
			t.Fatalf("%d", code)
		}
	}
	if fresh.count() != 3 {
		t.Fatalf("%d fetches; want one a request with MaxAge 1ns", fresh.count())
	}

	// an upstream that refuses drops the table: the next request looks again
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	moving := &fakeApps{}
	moving.set([]adminrouter.App{appAt(t, "/kafka", "kafka", gone.URL)}, nil)
	door = frontDoor(t, moving, adminrouter.Options{})
	if code, _, _ := do(t, "GET", door.URL+"/service/kafka/v1/plans", ""); code != 502 {
		t.Fatalf("%d; want 502", code)
	}
	moving.set([]adminrouter.App{appAt(t, "/kafka", "kafka", up.URL)}, nil)
	if code, body, _ := do(t, "GET", door.URL+"/service/kafka/v1/plans", ""); code != 200 || body != "upstream kafka" {
		t.Fatalf("%d %q; want the moved scheduler", code, body)
	}
}

func TestRequestBuffering(t *testing.T) {
	up := newUpstream(t, "kafka")
	apps := &fakeApps{}
	apps.set([]adminrouter.App{
		appAt(t, "/buffered", "buffered", up.URL),
		appAt(t, "/streamed", "streamed", up.URL, "DCOS_SERVICE_REQUEST_BUFFERING", "false"),
	}, nil)
	door := frontDoor(t, apps, adminrouter.Options{MaxBufferedBody: 8})
	if code, body, _ := do(t, "POST", door.URL+"/service/buffered/x", "12345678"); code != 200 || up.last(t).body != "12345678" {
		t.Fatalf("%d %q", code, body)
	}
	if code, body, _ := do(t, "POST", door.URL+"/service/buffered/x", "123456789"); code != 413 || !strings.Contains(body, "DCOS_SERVICE_REQUEST_BUFFERING") {
		t.Fatalf("%d %q; want 413", code, body)
	}
	if code, _, _ := do(t, "POST", door.URL+"/service/streamed/x", "123456789"); code != 200 || up.last(t).body != "123456789" {
		t.Fatalf("%d", code)
	}
}

// TestResponsesAreFlushed: each write of the upstream reaches the client
// while the upstream is still answering.
func TestResponsesAreFlushed(t *testing.T) {
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
		_, _ = io.WriteString(w, "second\n")
	}))
	t.Cleanup(up.Close)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	apps := &fakeApps{}
	apps.set([]adminrouter.App{appAt(t, "/kafka", "kafka", up.URL)}, nil)
	door := frontDoor(t, apps, adminrouter.Options{})
	resp, err := http.Get(door.URL + "/service/kafka/v1/debug/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rd := bufio.NewReader(resp.Body)
	if line, err := rd.ReadString('\n'); err != nil || line != "first\n" {
		t.Fatalf("%q %v; want the first line before the upstream ends", line, err)
	}
	close(release)
	if rest, err := io.ReadAll(rd); err != nil || string(rest) != "second\n" {
		t.Fatalf("%q %v", rest, err)
	}
}
