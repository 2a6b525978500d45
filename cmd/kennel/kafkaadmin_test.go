package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/examples/kafka/topics"
)

// topicAPI serves the Kafka scheduler's topic routes for an in-process
// kfake cluster of one broker (one broker: every leader is node 0, so the
// transcript is the same on every run), recording the requests.
func topicAPI(t *testing.T) (*httptest.Server, func() (int, string)) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	addrs := c.ListenAddrs()
	r := chi.NewRouter()
	for _, rt := range topics.Routes(func(context.Context) ([]string, kafkaclient.Security, error) {
		return addrs, kafkaclient.Security{}, nil
	}, time.Now) {
		r.Method(rt.Method, "/v1/"+rt.Path, rt.Handler)
	}
	var (
		mu   sync.Mutex
		n    int
		last string
	)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		n, last = n+1, req.Method+" "+req.URL.RequestURI()
		mu.Unlock()
		r.ServeHTTP(w, req)
	}))
	t.Cleanup(s.Close)
	return s, func() (int, string) { mu.Lock(); defer mu.Unlock(); return n, last }
}

// TestTopicCommands is the `kennel topic` transcript: each command, the
// request it made, what it printed and its exit status, against the real
// topic routes on kfake. Timings in producer_test's line are masked.
func TestTopicCommands(t *testing.T) {
	isolate(t)
	api, last := topicAPI(t)
	timing := regexp.MustCompile(`[0-9.]+ records/sec \([0-9.]+ MB/sec\), [0-9.]+ ms total`)
	var transcript strings.Builder
	for _, args := range [][]string{
		{"topic", "list"},
		{"topic", "create", "orders", "-p", "3", "-r", "1", "--config", "retention.ms=60000"},
		{"topic", "create", "orders", "-p", "3", "-r", "1"},
		{"topic", "create", "wide", "-r", "3"},
		{"topic", "create", "bad", "--config", "novalue"},
		{"topic", "list"},
		{"topic", "describe", "orders"},
		{"topic", "describe", "nope"},
		{"topic", "partitions", "orders", "2"},
		{"topic", "partitions", "orders", "4"},
		{"topic", "config", "orders", "retention.ms=1000", "segment.bytes=1048576"},
		{"topic", "delete-config", "orders", "segment.bytes"},
		{"topic", "producer_test", "orders", "8"},
		{"topic", "producer-test", "orders", "none"},
		{"topic", "offsets", "orders", "--time", "first"},
		{"topic", "offsets", "orders", "--time", "tomorrow"},
		{"topic", "under_replicated_partitions"},
		{"topic", "unavailable_partitions"},
		{"topic", "delete", "orders"},
		{"topic", "delete", "orders"},
	} {
		before, _ := last()
		out, errOut, code := runAs(t, "kennel", append(args, "--url", api.URL)...)
		after, sent := last()
		if after == before {
			sent = "(no request)"
		}
		fmt.Fprintf(&transcript, "$ kennel %s\n> %s\n%s%sexit %d\n\n", strings.Join(args, " "), sent,
			timing.ReplaceAllString(out, "<timing>"), errOut, code)
	}
	golden(t, "kafka-topic-commands.golden", transcript.String())
}

// TestBrokerCommands: broker list and get make DC/OS Kafka's requests.
func TestBrokerCommands(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t, map[string][]answer{
		"GET /v1/brokers":   {{code: 200, body: `["0","1"]`}},
		"GET /v1/brokers/1": {{code: 200, body: `{"id":1,"host":"10.0.0.2","port":9092}`}},
	})
	for _, c := range []struct {
		args []string
		path string
		want string
		code int
	}{
		{[]string{"broker", "list"}, "/v1/brokers", `"1"`, 0},
		{[]string{"broker", "get", "1"}, "/v1/brokers/1", `"host": "10.0.0.2"`, 0},
		{[]string{"broker", "get", "7"}, "/v1/brokers/7", "", 1},
	} {
		out, errOut, code := runAs(t, "kennel", append(c.args, "--url", api.URL)...)
		if code != c.code || !strings.Contains(out, c.want) || api.last(t).path != c.path {
			t.Errorf("%v: exit %d, sent %s, printed %q %q", c.args, code, api.last(t).path, out, errOut)
		}
	}
}

// TestBrokerPlanCommands: broker move and drain start the Kafka plans
// with the broker ids and the throttle as parameters; bad ids and
// throttles are refused before any request.
func TestBrokerPlanCommands(t *testing.T) {
	isolate(t)
	api := newFakeAPI(t, map[string][]answer{
		"POST /v1/plans/move-broker/start":   {{code: 200, body: `{"message":"Received cmd: start move-broker"}`}},
		"POST /v1/plans/drain-brokers/start": {{code: 200, body: `{"message":"Received cmd: start drain-brokers"}`}},
	})
	for _, c := range []struct {
		args []string
		path string
		body string
		code int
	}{
		{[]string{"broker", "move", "1"}, "/v1/plans/move-broker/start", `{"BROKER_ID":"1","THROTTLE":"52428800"}`, 0},
		{[]string{"broker", "move", "2", "--throttle", "1048576"}, "/v1/plans/move-broker/start", `{"BROKER_ID":"2","THROTTLE":"1048576"}`, 0},
		{[]string{"broker", "drain", "3", "4"}, "/v1/plans/drain-brokers/start", `{"BROKER_IDS":"3,4","THROTTLE":"52428800"}`, 0},
		{[]string{"broker", "move", "x"}, "", "", 1},
		{[]string{"broker", "move", "1", "--throttle", "0"}, "", "", 1},
		{[]string{"broker", "move"}, "", "", 1},
	} {
		before := sentCount(api)
		out, errOut, code := runAs(t, "kennel", append(c.args, "--url", api.URL)...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d: %q %q", c.args, code, c.code, out, errOut)
			continue
		}
		if c.path == "" {
			if sentCount(api) != before {
				t.Errorf("%v: sent a request", c.args)
			}
			continue
		}
		got := api.last(t)
		if got.path != c.path || strings.TrimSpace(got.body) != c.body || !strings.Contains(out, "Received cmd") {
			t.Errorf("%v: sent %s %q, printed %q %q", c.args, got.path, got.body, out, errOut)
		}
	}
}

// sentCount is how many requests api received.
func sentCount(api *fakeAPI) int {
	api.mu.Lock()
	defer api.mu.Unlock()
	return len(api.reqs)
}
