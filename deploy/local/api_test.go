package local_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSchedulerAPIStatusCodes checks the HTTP answers Mesos gives to bad
// requests, with plain HTTP as curl would send them.
func TestSchedulerAPIStatusCodes(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	url := c.URL() + "/api/v1/scheduler"
	sub := `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"curl"}}}`
	for _, tc := range []struct {
		name, method, contentType, accept, streamID, body string
		want                                              int
		message                                           string
	}{
		{"GET", "GET", "application/json", "", "", "", 405, "Expecting 'POST'"},
		{"unsupported content type", "POST", "text/plain", "", "", sub, 415, ""},
		{"unacceptable accept", "POST", "application/json", "text/html", "", sub, 406, ""},
		{"malformed JSON", "POST", "application/json", "", "", `{"type":`, 400, ""},
		{"no framework id", "POST", "application/json", "", "", `{"type":"DECLINE"}`, 400, "'framework_id'"},
		{"unknown framework", "POST", "application/json", "", "x", `{"type":"REVIVE","framework_id":{"value":"nope"}}`, 400, "Framework cannot be found"},
		{"stream id on SUBSCRIBE", "POST", "application/json", "", "x", sub, 400, "Mesos-Stream-Id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), tc.method, url, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			if tc.streamID != "" {
				req.Header.Set("Mesos-Stream-Id", tc.streamID)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.want || !strings.Contains(string(body), tc.message) {
				t.Errorf("%d %q, want %d containing %q", resp.StatusCode, body, tc.want, tc.message)
			}
		})
	}
}

// TestJSONSubscribeStream reads the event stream as raw bytes: RecordIO
// records of Mesos JSON, with the headers a scheduler relies on; then a
// call with the wrong stream id is refused.
func TestJSONSubscribeStream(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	body := `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"curl","roles":["r"],` +
		`"capabilities":[{"type":"MULTI_ROLE"}]}}}`
	req, _ := http.NewRequestWithContext(t.Context(), "POST", c.URL()+"/api/v1/scheduler", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Mesos-Stream-Id") == "" {
		t.Fatalf("SUBSCRIBE: %d, Content-Type %q, Mesos-Stream-Id %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Mesos-Stream-Id"))
	}
	r := bufio.NewReader(resp.Body)
	record := func() map[string]any {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.Atoi(strings.TrimSpace(line))
		if err != nil {
			t.Fatalf("RecordIO length %q: %v", line, err)
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(r, buf); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(buf), "null") {
			t.Errorf("Mesos JSON never holds null: %s", buf)
		}
		var ev map[string]any
		if err := json.Unmarshal(buf, &ev); err != nil {
			t.Fatalf("record %s: %v", buf, err)
		}
		return ev
	}
	ev := record()
	if ev["type"] != "SUBSCRIBED" {
		t.Fatalf("first event %v", ev)
	}
	subscribed := ev["subscribed"].(map[string]any)
	fid := subscribed["framework_id"].(map[string]any)["value"].(string)
	if hb, _ := subscribed["heartbeat_interval_seconds"].(float64); hb <= 0 || hb > 15 {
		t.Errorf("heartbeat_interval_seconds %v", subscribed["heartbeat_interval_seconds"])
	}
	for ev = record(); ev["type"] != "OFFERS"; ev = record() {
	}
	offer := ev["offers"].(map[string]any)["offers"].([]any)[0].(map[string]any)
	for _, key := range []string{"id", "framework_id", "agent_id", "hostname", "resources", "allocation_info", "domain"} {
		if offer[key] == nil {
			t.Errorf("offer lacks %q: %v", key, offer)
		}
	}

	call := func(streamID string) int {
		req, _ := http.NewRequestWithContext(t.Context(), "POST", c.URL()+"/api/v1/scheduler",
			strings.NewReader(`{"type":"REVIVE","framework_id":{"value":"`+fid+`"}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Mesos-Stream-Id", streamID)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := call("wrong"); code != 400 {
		t.Errorf("a call with the wrong stream id: %d, want 400", code)
	}
	if code := call(resp.Header.Get("Mesos-Stream-Id")); code != 202 {
		t.Errorf("a call with the right stream id: %d, want 202", code)
	}
}

func TestAdminAPI(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	post := func(path string) (int, string) {
		req, _ := http.NewRequestWithContext(t.Context(), "POST", c.URL()+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/local/v1/agents/agent-9/stop", 404},
		{"/local/v1/agents/agent-1/explode", 400},
		{"/local/v1/tasks/nope/kill", 404},
		{"/local/v1/frameworks/nope/stall", 404},
		{"/local/v1/frameworks/nope/sideways", 404},
		{"/local/v1/agents/agent-1/partition", 200},
		{"/local/v1/agents/agent-1/heal", 200},
		{"/local/v1/master/restart", 200},
	} {
		if code, body := post(tc.path); code != tc.want || !strings.Contains(body, `"message"`) {
			t.Errorf("POST %s: %d %s, want %d with a message", tc.path, code, body, tc.want)
		}
	}
	agents, err := localClient(c).Agents(t.Context())
	if err != nil || len(agents) != 1 || agents[0].Name != "agent-1" || agents[0].ID == "" {
		t.Fatalf("agents: %+v, %v", agents, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		s, err := localClient(c).State(t.Context())
		if err == nil && len(s.Slaves) == 1 {
			if s.Slaves[0].Resources["ports"] != "[31000-31999]" {
				t.Errorf("agent ports in /master/state: %v", s.Slaves[0].Resources["ports"])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/master/state: %+v, %v", s, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
