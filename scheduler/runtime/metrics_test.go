package runtime

import (
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	sched "github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler"
)

// sample is one sample of the Prometheus text exposition.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// scrape reads h's exposition and parses its samples.
func scrape(t *testing.T, h http.Handler) []sample {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := parseExposition(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// value is the sample of name whose labels include want; ok is false
// when there is none.
func value(samples []sample, name string, want map[string]string) (float64, bool) {
	for _, s := range samples {
		if s.name != name {
			continue
		}
		match := true
		for k, v := range want {
			match = match && s.labels[k] == v
		}
		if match {
			return s.value, true
		}
	}
	return 0, false
}

func deploySnapshot() *wire.Snapshot {
	deploy := plans.PlanInfo{Status: plans.InProgress, Strategy: "serial", Phases: []plans.PhaseInfo{{
		Name: "hello", Status: plans.InProgress, Steps: []plans.StepInfo{
			{Name: "hello-0:[server]", Status: "COMPLETE"}, {Name: "hello-1:[server]", Status: "COMPLETE"},
			{Name: "hello-2:[server]", Status: "DELAYED"},
		}}}}
	recovery := plans.PlanInfo{Status: plans.Complete, Strategy: "serial", Phases: []plans.PhaseInfo{}}
	return &wire.Snapshot{FrameworkID: "fw", PlanNames: []string{"deploy", "recovery"},
		Plans: map[string]*wire.PlanView{"deploy": wire.NewPlanView(deploy), "recovery": wire.NewPlanView(recovery)}}
}

func TestMetricsCountWhatTheSchedulerDoes(t *testing.T) {
	tasksOK := true
	m := newMetrics("svc", deploySnapshot, func() (map[string]int, bool) {
		return map[string]int{"task_running": 2, "none": 1}, tasksOK
	})
	accept := &sched.Call{Type: sched.Call_ACCEPT, Accept: &sched.Call_Accept{
		OfferIDs: []mesos.OfferID{{Value: "o1"}, {Value: "o2"}},
		Operations: []mesos.Offer_Operation{
			{Type: mesos.Offer_Operation_RESERVE}, {Type: mesos.Offer_Operation_CREATE},
			{Type: mesos.Offer_Operation_RESERVE}, {Type: mesos.Offer_Operation_LAUNCH_GROUP},
		}}}
	for _, c := range []*sched.Call{
		accept,
		{Type: sched.Call_DECLINE, Decline: &sched.Call_Decline{OfferIDs: []mesos.OfferID{{Value: "o3"}, {Value: "o4"}, {Value: "o5"}}}},
		{Type: sched.Call_REVIVE}, {Type: sched.Call_SUPPRESS}, {Type: sched.Call_SUPPRESS}, {Type: sched.Call_KILL},
		{Type: sched.Call_ACKNOWLEDGE}, // not counted
	} {
		m.call(c)
	}
	m.offers(5, time.Millisecond)
	m.update(mesos.TASK_RUNNING)
	m.update(mesos.TASK_RUNNING)
	m.update(mesos.TASK_FAILED)
	m.stateWrite(time.Millisecond)

	got := scrape(t, m.handler())
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"kennel_offers_received_total", nil, 5},
		{"kennel_offers_accepted_total", nil, 2},
		{"kennel_offers_declined_total", nil, 3},
		{"kennel_operations_total", map[string]string{"type": "reserve"}, 2},
		{"kennel_operations_total", map[string]string{"type": "create"}, 1},
		{"kennel_operations_total", map[string]string{"type": "launch_group"}, 1},
		{"kennel_revives_total", nil, 1},
		{"kennel_suppresses_total", nil, 2},
		{"kennel_kills_total", nil, 1},
		{"kennel_task_status_updates_total", map[string]string{"state": "task_running"}, 2},
		{"kennel_task_status_updates_total", map[string]string{"state": "task_failed"}, 1},
		{"kennel_offer_evaluation_seconds_count", nil, 1},
		{"kennel_state_write_seconds_count", nil, 1},
		{"kennel_plan_steps", map[string]string{"plan": "deploy", "status": "COMPLETE"}, 2},
		{"kennel_plan_steps", map[string]string{"plan": "deploy", "status": "DELAYED"}, 1},
		{"kennel_plan_status", map[string]string{"plan": "deploy", "status": "IN_PROGRESS"}, 1},
		{"kennel_plan_status", map[string]string{"plan": "recovery", "status": "COMPLETE"}, 1},
		{"kennel_tasks", map[string]string{"state": "task_running"}, 2},
		{"kennel_tasks", map[string]string{"state": "none"}, 1},
		{"kennel_offers_received_total", map[string]string{"service": "svc"}, 5},
	} {
		v, ok := value(got, tc.name, tc.labels)
		if !ok || v != tc.want {
			t.Errorf("%s%v = %v (present %v), want %v", tc.name, tc.labels, v, ok, tc.want)
		}
	}
	if _, ok := value(got, "kennel_plan_status", map[string]string{"plan": "deploy", "status": "COMPLETE"}); ok {
		t.Error("kennel_plan_status reports a status the plan does not have")
	}

	tasksOK = false
	if v, ok := value(scrape(t, m.handler()), "kennel_tasks", nil); ok {
		t.Errorf("kennel_tasks = %v while the tasks cannot be read; want it left out", v)
	}
}

func TestMetricsBeforeTheFirstSnapshot(t *testing.T) {
	m := newMetrics("svc", func() *wire.Snapshot { return nil }, func() (map[string]int, bool) { return nil, false })
	got := scrape(t, m.handler())
	for _, name := range []string{"kennel_plan_steps", "kennel_plan_status", "kennel_tasks"} {
		if _, ok := value(got, name, nil); ok {
			t.Errorf("%s reported without a snapshot", name)
		}
	}
	if v, ok := value(got, "kennel_offers_received_total", nil); !ok || v != 0 {
		t.Errorf("kennel_offers_received_total = %v (present %v), want 0", v, ok)
	}
}

func TestTaskStates(t *testing.T) {
	running := mesos.TASK_RUNNING
	views := []scheduler.TaskView{
		{Name: "a", Status: &mesos.TaskStatus{State: &running}},
		{Name: "b", Status: &mesos.TaskStatus{State: &running}},
		{Name: "c"},
	}
	got := taskStates(views)
	if len(got) != 2 || got["task_running"] != 2 || got["none"] != 1 {
		t.Errorf("taskStates = %v", got)
	}
}

// parseExposition parses the Prometheus text format with Prometheus's own
// parser; histograms and summaries give their _count, _sum and _bucket
// (or quantile) samples.
func parseExposition(r io.Reader) ([]sample, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, err
	}
	vec, err := expfmt.ExtractSamples(&expfmt.DecodeOptions{Timestamp: model.Now()}, slices.Collect(maps.Values(families))...)
	if err != nil {
		return nil, err
	}
	out := make([]sample, 0, len(vec))
	for _, s := range vec {
		e := sample{name: string(s.Metric[model.MetricNameLabel]), labels: map[string]string{}, value: float64(s.Value)}
		for k, v := range s.Metric {
			if k != model.MetricNameLabel {
				e.labels[string(k)] = string(v)
			}
		}
		out = append(out, e)
	}
	return out, nil
}
