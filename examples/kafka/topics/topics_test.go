package topics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
)

// server serves the routes, mounted as the API mounts a service's routes,
// for the brokers at addrs.
func server(t testing.TB, addrs []string) *httptest.Server {
	t.Helper()
	r := chi.NewRouter()
	boot := func(context.Context) ([]string, kafkaclient.Security, error) {
		return addrs, kafkaclient.Security{}, nil
	}
	for _, rt := range Routes(boot, time.Now) {
		r.Method(rt.Method, "/v1/"+rt.Path, rt.Handler)
	}
	s := httptest.NewServer(r)
	t.Cleanup(s.Close)
	return s
}

// kfakeCluster is an in-process Kafka cluster of n brokers.
func kfakeCluster(t testing.TB, n int) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(n))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

func call(t testing.TB, method, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRoutes drives every route against a kfake cluster of 3 brokers, in
// order: each step's status and what its body must hold (a Kafka error's
// name among them).
func TestRoutes(t *testing.T) {
	s := server(t, kfakeCluster(t, 3))
	steps := []struct {
		method, path string
		code         int
		want         []string
	}{
		{"GET", "/v1/topics", 200, []string{"["}},
		{"PUT", "/v1/topics/orders?partitions=3&replication=3&config=retention.ms=60000,cleanup.policy=[compact,delete]", 200, []string{`Created topic \"orders\"`}},
		{"PUT", "/v1/topics/orders?partitions=3&replication=3", 409, []string{`"error": "TOPIC_ALREADY_EXISTS"`}},
		{"POST", "/v1/topics/too-many?partitions=1&replication=4", 400, []string{`"error": "INVALID_REPLICATION_FACTOR"`}},
		{"PUT", "/v1/topics/bad?partitions=x", 400, []string{`partitions=\"x\": want a number`}},
		{"PUT", "/v1/topics/bad?replication=0", 400, []string{`replication=\"0\"`}},
		{"PUT", "/v1/topics/bad?config=novalue", 400, []string{"bad topic config", "novalue"}},
		{"PUT", "/v1/topics/bad?value=1", 400, []string{"value: given without key"}},
		{"PUT", "/v1/topics/my.topic_x?partitions=1&replication=1", 200, []string{"WARNING", `Created topic \"my.topic_x\"`}},
		{"GET", "/v1/topics", 200, []string{`"my.topic_x"`, `"orders"`}},
		{"GET", "/v1/topics/orders", 200, []string{`"0": {`, `"2": {`, `"replicas": [`, `"isr": [`}},
		{"GET", "/v1/topics/nope", 404, []string{`"error": "UNKNOWN_TOPIC_OR_PARTITION"`}},
		{"GET", "/v1/topics/orders/config", 200, []string{`"name": "retention.ms"`, `"value": "60000"`, `"value": "compact,delete"`}},
		{"PUT", "/v1/topics/orders/operation/config?key=retention.ms&value=1000", 200, []string{`Updated config for topic \"orders\"`}},
		{"GET", "/v1/topics/orders/config", 200, []string{`"value": "1000"`}},
		{"PUT", "/v1/topics/orders/config?config=max.message.bytes=2048", 200, []string{"Updated config"}},
		{"PUT", "/v1/topics/orders/operation/config", 400, []string{"a config to set is required"}},
		{"DELETE", "/v1/topics/orders/operation/config?key=retention.ms&key=max.message.bytes", 200, []string{"Updated config"}},
		{"DELETE", "/v1/topics/orders/operation/config", 400, []string{"the config to delete is required"}},
		{"PUT", "/v1/topics/nope/operation/config?key=retention.ms&value=1", 404, []string{"UNKNOWN_TOPIC_OR_PARTITION"}},
		{"PUT", "/v1/topics/orders/operation/partitions?partitions=2", 400, []string{`"error": "INVALID_PARTITIONS"`}},
		{"PUT", "/v1/topics/orders/operation/partitions", 400, []string{"the new partition count is required"}},
		{"PUT", "/v1/topics/orders/operation/partitions?partitions=4", 200, []string{"Adding partitions succeeded"}},
		{"PUT", "/v1/topics/orders/partitions?partitions=5", 200, []string{"Adding partitions succeeded"}},
		{"PUT", "/v1/topics/nope/operation/partitions?partitions=5", 404, []string{"UNKNOWN_TOPIC_OR_PARTITION"}},
		{"GET", "/v1/topics/orders", 200, []string{`"4": {`}},
		{"PUT", "/v1/topics/orders/operation/producer-test?messages=50", 200, []string{"50 records sent"}},
		{"PUT", "/v1/topics/orders/operation/producer-test?messages=0", 400, []string{"messages="}},
		{"PUT", "/v1/topics/nope/operation/producer-test?messages=1", 404, []string{"UNKNOWN_TOPIC_OR_PARTITION"}},
		{"PUT", "/v1/topics/orders/operation/producer-test-tls", 400, []string{"no TLS listener"}},
		{"GET", "/v1/topics/orders/offsets?time=first", 200, []string{`"0": "0"`, `"4": "0"`}},
		{"GET", "/v1/topics/orders/offsets?time=last", 200, []string{`"4": "`}},
		{"GET", "/v1/topics/orders/offsets?time=yesterday", 400, []string{"bad offsets time"}},
		{"GET", "/v1/topics/nope/offsets", 404, []string{"UNKNOWN_TOPIC_OR_PARTITION"}},
		{"GET", "/v1/topics/under_replicated_partitions", 200, []string{`"partitions": []`}},
		{"GET", "/v1/topics/unavailable_partitions", 200, []string{`"partitions": []`}},
		{"DELETE", "/v1/topics/orders", 200, []string{"Topic orders is marked for deletion"}},
		{"DELETE", "/v1/topics/orders", 404, []string{"UNKNOWN_TOPIC_OR_PARTITION"}},
		{"GET", "/v1/topics/orders", 404, []string{"UNKNOWN_TOPIC_OR_PARTITION"}},
	}
	for _, st := range steps {
		code, body := call(t, st.method, s.URL+st.path)
		if code != st.code {
			t.Errorf("%s %s: %d, want %d: %s", st.method, st.path, code, st.code, body)
			continue
		}
		for _, w := range st.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s %s: body lacks %q:\n%s", st.method, st.path, w, body)
			}
		}
	}
}

// TestOffsetsCountRecords: the last offsets after a producer test add up
// to the records it wrote.
func TestOffsetsCountRecords(t *testing.T) {
	s := server(t, kfakeCluster(t, 3))
	if code, body := call(t, "PUT", s.URL+"/v1/topics/counted?partitions=3&replication=3"); code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, body := call(t, "PUT", s.URL+"/v1/topics/counted/operation/producer-test?messages=30"); code != 200 {
		t.Fatalf("producer-test: %d %s", code, body)
	}
	code, body := call(t, "GET", s.URL+"/v1/topics/counted/offsets?time=-1")
	var offs []map[string]string
	if code != 200 || json.Unmarshal([]byte(body), &offs) != nil || len(offs) != 3 {
		t.Fatalf("offsets: %d %s", code, body)
	}
	total := 0
	for _, m := range offs {
		for _, v := range m {
			var n int
			fmt.Sscan(v, &n)
			total += n
		}
	}
	if total != 30 {
		t.Errorf("last offsets add up to %d, want 30: %s", total, body)
	}
}

// TestNoBrokers: a cluster without a running broker is 503, with no Kafka
// error named.
func TestNoBrokers(t *testing.T) {
	for _, addrs := range [][]string{nil, {"127.0.0.1:1"}} {
		s := server(t, addrs)
		code, body := call(t, "GET", s.URL+"/v1/topics")
		if code != http.StatusServiceUnavailable || strings.Contains(body, `"error"`) {
			t.Errorf("brokers %v: %d %s, want 503 without an error name", addrs, code, body)
		}
	}
}

// TestErrorStatus: Kafka's errors map to statuses by name; a request error
// is 400; anything else 503.
func TestErrorStatus(t *testing.T) {
	for _, c := range []struct {
		err  error
		code int
		name string
	}{
		{fmt.Errorf("create: %w", kafka.TopicAlreadyExists), 409, "TOPIC_ALREADY_EXISTS"},
		{kafka.UnknownTopicOrPartition, 404, "UNKNOWN_TOPIC_OR_PARTITION"},
		{kafka.InvalidPartitionNumber, 400, "INVALID_PARTITIONS"},
		{kafka.InvalidReplicationFactor, 400, "INVALID_REPLICATION_FACTOR"},
		{kafka.InvalidTopic, 400, "INVALID_TOPIC_EXCEPTION"},
		{kafka.InvalidConfiguration, 400, "INVALID_CONFIG"},
		{kafka.TopicAuthorizationFailed, 403, "TOPIC_AUTHORIZATION_FAILED"},
		{kafka.NotController, 503, "NOT_CONTROLLER"},
		{kafka.RequestTimedOut, 503, "REQUEST_TIMED_OUT"},
		{badRequest{errors.New("partitions: x")}, 400, ""},
		{errors.New("dial tcp: refused"), 503, ""},
	} {
		code, msg := errorStatus(c.err)
		if code != c.code || msg.Error != c.name {
			t.Errorf("%v: %d %q, want %d %q", c.err, code, msg.Error, c.code, c.name)
		}
	}
}

// BenchmarkCreateTopic: topics created per second through PUT
// /v1/topics/{name} (HTTP, the handler, the Admin API) on kfake clusters
// of 1 and 3 brokers, replication factor the broker count.
func BenchmarkCreateTopic(b *testing.B) {
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("brokers=%d", n), func(b *testing.B) {
			s := server(b, kfakeCluster(b, n))
			b.ResetTimer()
			for i := range b.N {
				url := fmt.Sprintf("%s/v1/topics/bench-%d?partitions=3&replication=%d", s.URL, i, n)
				if code, body := call(b, "PUT", url); code != 200 {
					b.Fatalf("create: %d %s", code, body)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "topics/s")
		})
	}
}
