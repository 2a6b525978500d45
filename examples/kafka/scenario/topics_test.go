package scenario_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/plans"
)

// TestTopics: the Kafka scheduler's topic API on the local cluster with
// one test broker, through the CLI (kennel topic …) and through plain
// HTTP (as curl): create, list, describe, the error of a second create,
// producer test and offsets, delete. It logs how many topics per second
// `topic create` sustained through the scheduler.
func TestTopics(t *testing.T) {
	if !hasCommand("kafka", "test-broker") || !hasCommand("topic", "create") {
		t.Skip("SKIPPED: this kennel has no `kafka test-broker` or `topic` commands")
	}
	t.Parallel()
	e := newEnv(t, 1, nil)
	e.vars["BROKER_COUNT"] = "1"
	e.startScheduler()
	e.waitPlan("deploy", plans.Complete, deployTimeout)
	e.testBrokerOf(0)

	// Through the CLI.
	if out := e.cli("topic", "create", "cli-topic", "-p", "2", "-r", "1"); !strings.Contains(out, `Created topic \"cli-topic\"`) {
		t.Errorf("topic create: %s", out)
	}
	var names []string
	if err := json.Unmarshal([]byte(e.cli("topic", "list")), &names); err != nil || !slices.Contains(names, "cli-topic") {
		t.Errorf("topic list: %v %v", names, err)
	}
	var desc struct {
		Partitions []map[string]struct{ Leader int32 } `json:"partitions"`
	}
	if err := json.Unmarshal([]byte(e.cli("topic", "describe", "cli-topic")), &desc); err != nil || len(desc.Partitions) != 2 ||
		desc.Partitions[1]["1"].Leader != 0 {
		t.Errorf("topic describe: %+v %v", desc, err)
	}
	if out := e.cli("topic", "producer_test", "cli-topic", "20"); !strings.Contains(out, "20 records sent") {
		t.Errorf("topic producer_test: %s", out)
	}
	if out := e.cli("topic", "offsets", "cli-topic", "--time", "last"); !strings.Contains(out, `"1": "`) {
		t.Errorf("topic offsets: %s", out)
	}
	if out := e.cli("topic", "delete", "cli-topic"); !strings.Contains(out, "marked for deletion") {
		t.Errorf("topic delete: %s", out)
	}
	if err := json.Unmarshal([]byte(e.cli("topic", "list")), &names); err != nil || slices.Contains(names, "cli-topic") {
		t.Errorf("topic list after delete: %v %v", names, err)
	}

	// Through plain HTTP, as curl.
	for _, c := range []struct {
		method, path string
		code         int
		want         string
	}{
		{"PUT", "/v1/topics/http-topic?partitions=1&replication=1", 200, "Created topic"},
		{"PUT", "/v1/topics/http-topic?partitions=1&replication=1", 409, "TOPIC_ALREADY_EXISTS"},
		{"GET", "/v1/topics", 200, `"http-topic"`},
		{"GET", "/v1/topics/http-topic", 200, `"0": {`},
		{"GET", "/service/kafka/v1/topics/http-topic", 200, `"leader": 0`},
		{"GET", "/v1/topics/under_replicated_partitions", 200, `"partitions": []`},
		{"DELETE", "/v1/topics/http-topic", 200, "marked for deletion"},
		{"GET", "/v1/topics/http-topic", 404, "UNKNOWN_TOPIC_OR_PARTITION"},
		{"GET", "/v1/brokers", 200, `"0"`},
	} {
		code, body := e.do(c.method, c.path)
		if code != c.code || !strings.Contains(body, c.want) {
			t.Errorf("%s %s: %d %s, want %d with %q", c.method, c.path, code, body, c.code, c.want)
		}
	}

	// Topics per second through the scheduler (a figure, not asserted).
	const n = 50
	start := time.Now()
	for i := range n {
		if code, body := e.do("PUT", fmt.Sprintf("/v1/topics/rate-%d?partitions=1&replication=1", i)); code != 200 {
			t.Fatalf("create rate-%d: %d %s", i, code, body)
		}
	}
	t.Logf("topic create through the scheduler: %d topics in %s, %.0f topics/s", n, time.Since(start).Round(time.Millisecond),
		n/time.Since(start).Seconds())
}

// do sends method to <api><path> and returns the status and body.
func (e *env) do(method, path string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.api+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
