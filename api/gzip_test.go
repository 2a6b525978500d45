package api_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/api"
	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/plans"
)

// liveSnapshot serves the latest snapshot stored, as the scheduler does
// between publications.
type liveSnapshot struct {
	*fakeScheduler
	snap atomic.Pointer[wire.Snapshot]
}

func (l *liveSnapshot) Snapshot() *wire.Snapshot { return l.snap.Load() }

// getRaw sends GET path with the Accept-Encoding given (none if ""), the
// body read as it is on the wire.
func getRaw(t *testing.T, url, acceptEncoding string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// identity is the body GET /v1/plans/{plan} has always had.
func identity(t *testing.T, info plans.PlanInfo) []byte {
	t.Helper()
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func gunzip(t *testing.T, gz []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr) // checks the trailer's CRC-32 and length
	if err != nil {
		t.Fatalf("the gzip body does not decompress: %v", err)
	}
	return out
}

// TestPlanGzip serves a large plan to clients that ask for gzip and to
// clients that do not, over a real connection.
func TestPlanGzip(t *testing.T) {
	snap := bigSnapshot(3000)
	want := identity(t, snap.Plans["deploy"].Info())
	// Read twice before: the chunks are deflated at their second read,
	// stored before (package wire's tests check both).
	snap.Plans["deploy"].GzipLen()
	snap.Plans["deploy"].GzipLen()
	srv := httptest.NewServer(api.Handler(fixedSnapshot{newFake(t), snap}, api.Options{Service: "hello-world", Store: newStore("fw-1")}))
	defer srv.Close()
	tests := []struct {
		path, acceptEncoding string
		gzip                 bool
	}{
		{"/v1/plans/deploy", "", false},
		{"/v1/plans/deploy", "gzip", true},
		{"/v1/plans/deploy", "gzip;q=0", false},
		{"/v1/plans/deploy", "identity", false},
		{"/v1/plans/deploy", "deflate, br", false},
		{"/v1/plans/deploy", "br;q=1.0, gzip;q=0.8", true},
		{"/v1/plans/deploy", "*", true},
		{"/v1/plans/deploy", "*, gzip;q=0", false},
		{"/v1/plan", "gzip", true},
		{"/service/hello-world/v1/plans/deploy", "gzip", true},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.acceptEncoding, func(t *testing.T) {
			resp, body := getRaw(t, srv.URL+tt.path, tt.acceptEncoding)
			if resp.StatusCode != http.StatusAccepted || resp.Header.Get("Content-Type") != "application/json" ||
				resp.Header.Get("Vary") != "Accept-Encoding" {
				t.Fatalf("status %d, headers %v", resp.StatusCode, resp.Header)
			}
			if got := resp.Header.Get("Content-Length"); got != strconv.Itoa(len(body)) {
				t.Fatalf("Content-Length %s, body %d bytes", got, len(body))
			}
			if enc := resp.Header.Get("Content-Encoding"); tt.gzip != (enc == "gzip") || !tt.gzip && enc != "" {
				t.Fatalf("Content-Encoding %q, want gzip: %v", enc, tt.gzip)
			}
			if tt.gzip {
				if len(body)*10 > len(want) {
					t.Fatalf("gzip body %d bytes for %d", len(body), len(want))
				}
				body = gunzip(t, body)
			}
			if !bytes.Equal(body, want) {
				t.Fatalf("the body (gzip %v) differs from the plan's JSON: %d bytes, want %d", tt.gzip, len(body), len(want))
			}
		})
	}
	// Go's default client asks for gzip and decompresses.
	resp, err := http.Get(srv.URL + "/v1/plans/deploy")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || !resp.Uncompressed || !bytes.Equal(body, want) {
		t.Fatalf("the default client: %v, decompressed %v, body as the JSON %v", err, resp.Uncompressed, bytes.Equal(body, want))
	}
}

// TestGzipOnlyPlans: errors and the other endpoints are served as before
// to a client that asks for gzip.
func TestGzipOnlyPlans(t *testing.T) {
	srv := httptest.NewServer(api.Handler(newFake(t), api.Options{Service: "hello-world", Store: newStore("fw-1")}))
	defer srv.Close()
	for _, tt := range []struct {
		path string
		code int
	}{
		{"/v1/plans/nope", http.StatusNotFound},
		{"/v1/plans", http.StatusOK},
		{"/v1/pod", http.StatusOK},
		{"/v1/nope", http.StatusNotFound},
	} {
		gz, gzBody := getRaw(t, srv.URL+tt.path, "gzip")
		plain, plainBody := getRaw(t, srv.URL+tt.path, "")
		if gz.StatusCode != tt.code || plain.StatusCode != tt.code || gz.Header.Get("Content-Encoding") != "" || !bytes.Equal(gzBody, plainBody) {
			t.Fatalf("%s: %d %q %q; without gzip %d %q", tt.path, gz.StatusCode, gz.Header.Get("Content-Encoding"), gzBody, plain.StatusCode, plainBody)
		}
	}
}

// TestGzipNeverStale publishes a step's changes between requests: each
// encoding serves the plan as last published, the unchanged chunks'
// compression reused.
func TestGzipNeverStale(t *testing.T) {
	ph := &plans.Phase{Name: "web", ID: "ph", Strategy: "parallel", Status: plans.InProgress}
	for i := range 500 {
		ph.Steps = append(ph.Steps, &plans.Step{ID: strconv.Itoa(i), Name: "web-" + strconv.Itoa(i) + ":[server]", Display: "PENDING"})
	}
	p := &plans.Plan{Name: "deploy", Strategy: "serial", Status: plans.InProgress, Phases: []*plans.Phase{ph}}
	var pub wire.Publisher
	live := &liveSnapshot{fakeScheduler: newFake(t)}
	srv := httptest.NewServer(api.Handler(live, api.Options{Service: "hello-world", Store: newStore("fw-1")}))
	defer srv.Close()
	for i := range 20 {
		live.snap.Store(pub.Snapshot("fw-1", []*plans.Plan{p}))
		want := identity(t, p.Info())
		for _, enc := range []string{"gzip", "", "gzip"} {
			_, body := getRaw(t, srv.URL+"/v1/plans/deploy", enc)
			if enc == "gzip" {
				body = gunzip(t, body)
			}
			if !bytes.Equal(body, want) {
				t.Fatalf("publication %d, Accept-Encoding %q: the body is not the plan as published", i, enc)
			}
		}
		st := *ph.Steps[i*37%len(ph.Steps)]
		at := t0.Add(time.Duration(i) * time.Second)
		st.Display, st.Started = "STARTING", &at
		ph.Steps[i*37%len(ph.Steps)] = &st
	}
}

// BenchmarkGetPlan10kGzip is GET /v1/plans/deploy of a 10,000-step plan
// over loopback TCP in each encoding, the body read whole: by a client
// that does not decompress it (what the server's writes cost), and by
// Go's default transport, which asks for gzip and decompresses (what a
// Go client waits for).
func BenchmarkGetPlan10kGzip(b *testing.B) {
	snap := bigSnapshot(10000)
	srv := httptest.NewServer(api.Handler(fixedSnapshot{newFake(b), snap}, api.Options{Service: "hello-world", Store: newStore("fw-1")}))
	defer srv.Close()
	for _, tt := range []struct {
		name, enc  string
		decompress bool
	}{{"identity", "identity", false}, {"gzip", "gzip", false}, {"gzip-decompressed", "", true}} {
		b.Run(tt.name, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{DisableCompression: !tt.decompress}}
			req, err := http.NewRequest("GET", srv.URL+"/v1/plans/deploy", nil)
			if err != nil {
				b.Fatal(err)
			}
			if tt.enc != "" {
				req.Header.Set("Accept-Encoding", tt.enc)
			}
			b.ReportAllocs()
			var n int64
			for b.Loop() {
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				n, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			b.ReportMetric(float64(n), "body-bytes")
		})
	}
}
