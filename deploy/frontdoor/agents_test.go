package frontdoor_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kennel-sdk/kennel/deploy/frontdoor"
)

// stateMaster is a Mesos master whose /master/state lists agents (id →
// URL), by pid for ids ending in "-pid", by hostname and port otherwise.
type stateMaster struct {
	mu     sync.Mutex
	agents map[string]string
}

func (m *stateMaster) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/master/state" {
		http.NotFound(w, r)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var slaves []map[string]any
	for id, raw := range m.agents {
		u, _ := url.Parse(raw)
		host, port, _ := net.SplitHostPort(u.Host)
		p, _ := strconv.Atoi(port)
		s := map[string]any{"id": id, "hostname": host, "port": p}
		if strings.HasSuffix(id, "-pid") {
			s = map[string]any{"id": id, "pid": "slave(1)@" + u.Host, "hostname": "elsewhere.invalid", "port": 1}
		}
		slaves = append(slaves, s)
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"slaves": slaves})
}

func (m *stateMaster) add(id, u string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.agents[id] = u
}

func TestAgentRoutes(t *testing.T) {
	a1 := httptest.NewServer(part("agent1"))
	t.Cleanup(a1.Close)
	a2 := httptest.NewServer(part("agent2"))
	t.Cleanup(a2.Close)
	m := &stateMaster{agents: map[string]string{"S0": a1.URL, "ab-12-S1-pid": a2.URL}}
	master := httptest.NewServer(m)
	t.Cleanup(master.Close)
	u, err := url.Parse(master.URL)
	if err != nil {
		t.Fatal(err)
	}
	door := httptest.NewServer(frontdoor.Handler(frontdoor.Parts{Mesos: u}))
	t.Cleanup(door.Close)
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/agent/S0/files/read?path=%2Fsb%2Fstdout&offset=-1", 200, "agent1 GET /files/read?path=%2Fsb%2Fstdout&offset=-1"},
		{"/slave/S0/state", 200, "agent1 GET /state?"},
		{"/agent/S0/", 200, "agent1 GET /?"},
		{"/agent/ab-12-S1-pid/files/browse?path=%2F", 200, "agent2 GET /files/browse?path=%2F"},
		{"/slave/ab-12-S1-pid/state", 200, "agent2 GET /state?"},
		{"/agent/S9/state", 404, "404 Not Found: agent `S9` unknown.\n"},
		{"/slave/S9/files/read", 404, "404 Not Found: agent `S9` unknown.\n"},
		{"/agent/S0", 404, "404 Not Found: /agent/S0 is not served here\n"},
		{"/agent/S_0/state", 404, "404 Not Found: /agent/S_0/state is not served here\n"},
		{"/agent//state", 404, "404 Not Found: /agent//state is not served here\n"},
		{"/agents/S0/state", 404, "404 Not Found: /agents/S0/state is not served here\n"},
	} {
		code, body, _ := get(t, door.URL+tc.path)
		if code != tc.code || body != tc.want {
			t.Errorf("%s: %d %q; want %d %q", tc.path, code, body, tc.code, tc.want)
		}
	}

	// an agent registered after the state was read is found at once
	a3 := httptest.NewServer(part("agent3"))
	t.Cleanup(a3.Close)
	m.add("S3", a3.URL)
	if code, body, _ := get(t, door.URL+"/agent/S3/state"); code != 200 || body != "agent3 GET /state?" {
		t.Errorf("new agent: %d %q", code, body)
	}
	master.Close()
	if code, body, _ := get(t, door.URL+"/agent/S7/state"); code != 503 || !strings.HasPrefix(body, "503 Service Unavailable: invalid Mesos state: ") {
		t.Errorf("master down: %d %q; want 503", code, body)
	}
}

// TestAgentStream: an agent's answer passes through as it is written.
func TestAgentStream(t *testing.T) {
	next := make(chan struct{})
	agent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "first")
		w.(http.Flusher).Flush()
		<-next
		fmt.Fprintln(w, "second")
	}))
	t.Cleanup(agent.Close)
	master := httptest.NewServer(&stateMaster{agents: map[string]string{"S0": agent.URL}})
	t.Cleanup(master.Close)
	u, err := url.Parse(master.URL)
	if err != nil {
		t.Fatal(err)
	}
	door := httptest.NewServer(frontdoor.Handler(frontdoor.Parts{Mesos: u}))
	t.Cleanup(door.Close)
	resp, err := http.Get(door.URL + "/agent/S0/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	if !lines.Scan() || lines.Text() != "first" {
		t.Fatalf("first line %q, %v", lines.Text(), lines.Err())
	}
	close(next)
	if !lines.Scan() || lines.Text() != "second" {
		t.Fatalf("second line %q, %v", lines.Text(), lines.Err())
	}
}
