package frontdoor

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

// TestAgentStateCache: a listed agent's address is used for agentStateTTL;
// an unlisted id, or an older state, reads the master's state again.
func TestAgentStateCache(t *testing.T) {
	var mu sync.Mutex
	reads := 0
	slaves := []map[string]any{{"id": "S0", "hostname": "10.0.0.1", "port": 5051}}
	master := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		reads++
		_ = json.NewEncoder(w).Encode(map[string]any{"slaves": slaves})
	}))
	t.Cleanup(master.Close)
	u, err := url.Parse(master.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := newAgentProxy(u)
	clock := time.Unix(1000, 0)
	p.now = func() time.Time { return clock }
	for _, step := range []struct {
		advance   time.Duration
		id, addr  string
		reads     int
		dropAgent bool
	}{
		{0, "S0", "10.0.0.1:5051", 1, false},
		{agentStateTTL - time.Nanosecond, "S0", "10.0.0.1:5051", 1, false},
		{time.Nanosecond, "S0", "10.0.0.1:5051", 2, false},
		{0, "S9", "", 3, false},
		{0, "S0", "10.0.0.1:5051", 3, true}, // the master no longer lists it: cached still
		{agentStateTTL, "S0", "", 4, false},
	} {
		clock = clock.Add(step.advance)
		if step.dropAgent {
			mu.Lock()
			slaves = nil
			mu.Unlock()
		}
		addr, err := p.lookup(t.Context(), step.id)
		mu.Lock()
		n := reads
		mu.Unlock()
		if err != nil || addr != step.addr || n != step.reads {
			t.Errorf("after %v, %s: %q, %v, %d reads; want %q, %d reads", step.advance, step.id, addr, err, n, step.addr, step.reads)
		}
	}
}
