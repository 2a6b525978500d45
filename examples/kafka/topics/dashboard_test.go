package topics

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/api"
	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/scheduler"
)

// TestSectionLayout: the brokers (the controller named), the topics and
// the under-replicated partitions, counted per broker and per topic.
func TestSectionLayout(t *testing.T) {
	tests := []struct {
		name string
		m    kafkaclient.Metadata
		want wire.ViewSection
	}{
		{"empty cluster", kafkaclient.Metadata{Controller: -1}, wire.ViewSection{
			Status: "0 brokers · controller none · 0 topics · 0 under-replicated partitions",
			Tables: []wire.ViewTable{
				{Caption: "Brokers", Columns: []string{"Broker", "Address", "Rack", "Role", "Under-replicated partitions"}},
				{Caption: "Topics", Columns: []string{"Topic", "Partitions", "Replication", "Under-replicated partitions"}},
				{Caption: "Under-replicated partitions", Columns: []string{"Topic", "Partition", "Leader", "Replicas", "In sync"}},
			}}},
		{"broker 2 behind", kafkaclient.Metadata{Controller: 1,
			Brokers: []kafkaclient.Broker{{ID: 2, Host: "b2", Port: 9092, Rack: "r2"}, {ID: 1, Host: "b1", Port: 9092}},
			Partitions: []kafkaclient.Partition{
				{Topic: "orders", ID: 0, Leader: 1, Replicas: []int32{1, 2}, ISR: []int32{1}},
				{Topic: "orders", ID: 1, Leader: 2, Replicas: []int32{2, 1}, ISR: []int32{2, 1}},
				{Topic: "audit", ID: 0, Leader: 1, Replicas: []int32{1}, ISR: []int32{1}},
			}}, wire.ViewSection{
			Status: "2 brokers · controller 1 · 2 topics · 1 under-replicated partition", Error: true,
			Tables: []wire.ViewTable{
				{Caption: "Brokers", Columns: []string{"Broker", "Address", "Rack", "Role", "Under-replicated partitions"},
					Rows: [][]string{{"1", "b1:9092", "", "controller", "1"}, {"2", "b2:9092", "r2", "broker", "1"}}},
				{Caption: "Topics", Columns: []string{"Topic", "Partitions", "Replication", "Under-replicated partitions"},
					Rows: [][]string{{"audit", "1", "1", "0"}, {"orders", "2", "2", "1"}}},
				{Caption: "Under-replicated partitions", Columns: []string{"Topic", "Partition", "Leader", "Replicas", "In sync"},
					Rows: [][]string{{"orders", "0", "1", "1,2", "1"}}},
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := section(tt.m); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("section\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// viewOnly is the scheduler side the dashboard's view reads: a snapshot
// without plans and no tasks or offers.
type viewOnly struct{ api.Scheduler }

func (viewOnly) Snapshot() *wire.Snapshot                                  { return &wire.Snapshot{} }
func (viewOnly) Tasks(context.Context) ([]scheduler.TaskView, error)       { return nil, nil }
func (viewOnly) Outcomes(context.Context) ([]scheduler.StepOutcome, error) { return nil, nil }

// TestDashboardSection: the Kafka scheduler's API, over a kfake cluster
// of 3 brokers, shows in its dashboard's event stream the brokers, a
// topic created through /v1/topics and no under-replicated partition;
// without brokers the section says why.
func TestDashboardSection(t *testing.T) {
	addrs := kfakeCluster(t, 3)
	boot := func(context.Context) ([]string, kafkaclient.Security, error) {
		return addrs, kafkaclient.Security{}, nil
	}
	srv := httptest.NewServer(api.Handler(viewOnly{}, api.Options{Service: "kafka", UIInterval: 10 * time.Millisecond,
		Routes: Routes(boot, time.Now), Sections: []api.Section{Section(boot)}}))
	defer srv.Close()
	if code, body := call(t, "PUT", srv.URL+"/v1/topics/orders?partitions=2&replication=3"); code != 200 {
		t.Fatalf("PUT /v1/topics/orders: %d %s", code, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/ui/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := bufio.NewReader(resp.Body)
	var last wire.ViewSection
	for {
		var v wire.View
		if err := json.Unmarshal([]byte(nextView(t, events)), &v); err != nil {
			t.Fatal(err)
		}
		if len(v.Sections) != 1 || v.Sections[0].Name != "kafka" || v.Sections[0].Title != "Kafka" {
			t.Fatalf("sections %+v, want the Kafka section", v.Sections)
		}
		last = v.Sections[0]
		if len(last.Tables) == 3 && slices.ContainsFunc(last.Tables[1].Rows, func(r []string) bool { return r[0] == "orders" }) {
			break
		}
	}
	brokers, topics, urp := last.Tables[0], last.Tables[1], last.Tables[2]
	if len(brokers.Rows) != 3 || !slices.ContainsFunc(brokers.Rows, func(r []string) bool { return r[3] == "controller" }) {
		t.Errorf("brokers %v, want 3 with a controller", brokers.Rows)
	}
	if !slices.ContainsFunc(topics.Rows, func(r []string) bool { return reflect.DeepEqual(r, []string{"orders", "2", "3", "0"}) }) {
		t.Errorf("topics %v, want orders with 2 partitions of 3 replicas", topics.Rows)
	}
	if urp.Caption != "Under-replicated partitions" || len(urp.Rows) != 0 || last.Error ||
		!strings.Contains(last.Status, "3 brokers") || !strings.HasSuffix(last.Status, "0 under-replicated partitions") {
		t.Errorf("section %+v, want no under-replicated partition", last)
	}

	down := Section(func(context.Context) ([]string, kafkaclient.Security, error) { return nil, kafkaclient.Security{}, nil })
	if _, err := down.Build(ctx); !errors.Is(err, ErrNoBrokers) {
		t.Errorf("Build without brokers: %v, want ErrNoBrokers", err)
	}
}

// nextView reads the event stream up to its next "view" event and returns
// its data.
func nextView(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	event := ""
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the events: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: ") && event == "view":
			return strings.TrimPrefix(line, "data: ")
		case strings.HasPrefix(line, "data: "):
			t.Fatalf("event %s: %s", event, line)
		}
	}
}
