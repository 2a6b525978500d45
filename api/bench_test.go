package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/kennel-sdk/kennel/api"
	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/api/wire/wiretest"
	"github.com/kennel-sdk/kennel/plans"
)

// fixedSnapshot publishes one snapshot, as the scheduler does between
// events: reads are served from it without encoding again.
type fixedSnapshot struct {
	*fakeScheduler
	snap *wire.Snapshot
}

func (f fixedSnapshot) Snapshot() *wire.Snapshot { return f.snap }

// BenchmarkGetPlan measures GET /v1/plans/deploy in process, from routing
// to the written body.
func BenchmarkGetPlan(b *testing.B) {
	fake := newFake(b)
	h := api.Handler(fixedSnapshot{fake, fake.Snapshot()}, api.Options{Service: "hello-world", Store: newStore("fw-1")})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", "/v1/plans/deploy", nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 202 {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}

// bigSnapshot is a published deploy plan of one phase of n steps, half of
// them complete.
func bigSnapshot(n int) *wire.Snapshot {
	var pub wire.Publisher
	return pub.Snapshot("fw-1", []*plans.Plan{wiretest.BigPlan(n, t0)})
}

// BenchmarkGetPlan10kLoopback is GET /v1/plans/deploy of a 10,000-step
// plan over loopback TCP, the body read whole by the client: "before"
// writes the body as one slice encoded once (PlanView.JSON until the
// Publisher), "after" is the handler writing the view's chunks.
func BenchmarkGetPlan10kLoopback(b *testing.B) {
	snap := bigSnapshot(10000)
	body := snap.Plans["deploy"].JSON()
	fake := newFake(b)
	for _, tt := range []struct {
		name string
		h    http.Handler
	}{
		{"before", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write(body)
		})},
		{"after", api.Handler(fixedSnapshot{fake, snap}, api.Options{Service: "hello-world", Store: newStore("fw-1")})},
	} {
		b.Run(tt.name, func(b *testing.B) {
			srv := httptest.NewServer(tt.h)
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				resp, err := client.Get(srv.URL + "/v1/plans/deploy")
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted || n != int64(len(body)) {
					b.Fatalf("status %d, %d bytes", resp.StatusCode, n)
				}
			}
		})
	}
}
