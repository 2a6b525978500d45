package api_test

import (
	"net/http/httptest"
	"testing"

	"github.com/kennel-sdk/kennel/api"
	"github.com/kennel-sdk/kennel/api/wire"
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
