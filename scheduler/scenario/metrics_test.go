package scenario_test

import (
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/plans"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestMetricsAfterDeploy deploys the scenario service on the local cluster
// and checks what its scheduler's /v1/metrics/prometheus says against the
// plan, the stored tasks and the master's own view.
func TestMetricsAfterDeploy(t *testing.T) {
	e := newEnv(t, "file")
	e.startScheduler()
	deploy := e.waitPlan(plans.DeployPlan, plans.Complete, deployTimeout)
	steps := 0
	for _, ph := range deploy.Phases {
		steps += len(ph.Steps)
	}

	// The scheduler suppresses offers once it has nothing to do.
	var m metricSamples
	e.waitFor(time.Minute, "a SUPPRESS after the deploy", func() bool {
		m = e.metrics()
		return m.get("kennel_suppresses_total", nil) >= 1
	})

	// Plans: deploy COMPLETE, every step counted once.
	m.want(t, "kennel_plan_status", map[string]string{"plan": "deploy", "status": "COMPLETE"}, 1)
	m.want(t, "kennel_plan_steps", map[string]string{"plan": "deploy", "status": "COMPLETE"}, float64(steps))
	for _, s := range m {
		if s.name == "kennel_plan_steps" && s.labels["plan"] == "deploy" && s.labels["status"] != "COMPLETE" && s.value != 0 {
			t.Errorf("deploy has %v steps %s after it completed", s.value, s.labels["status"])
		}
	}

	// Tasks: the servers run, as the master says, and the inits finished.
	running := 0
	for _, f := range e.masterState().Frameworks {
		if f.Name != "scenario" {
			continue
		}
		for _, task := range f.Tasks {
			if task.State == "TASK_RUNNING" {
				running++
			}
		}
	}
	if running != 3 {
		t.Fatalf("the master runs %d tasks of the service; want the 3 servers", running)
	}
	m.want(t, "kennel_tasks", map[string]string{"state": "task_running"}, float64(running))
	m.want(t, "kennel_tasks", map[string]string{"state": "task_finished"}, 2)
	const stored = 5 // hello-0 and hello-1: init and server; world-0: server
	tasks := 0.0
	for _, s := range m {
		if s.name == "kennel_tasks" {
			tasks += s.value
		}
	}
	if tasks != float64(stored) {
		t.Errorf("kennel_tasks adds up to %v; the service has %d tasks", tasks, stored)
	}
	if m.get("kennel_task_status_updates_total", map[string]string{"state": "task_running"}) < 3 ||
		m.get("kennel_task_status_updates_total", map[string]string{"state": "task_finished"}) < 2 {
		t.Errorf("status updates counted: running %v, finished %v; want at least 3 and 2",
			m.get("kennel_task_status_updates_total", map[string]string{"state": "task_running"}),
			m.get("kennel_task_status_updates_total", map[string]string{"state": "task_finished"}))
	}

	// Offers and operations: a LAUNCH_GROUP per step at least (more if a
	// launch failed and was retried); every offer accepted or declined at
	// most once.
	launches := m.get("kennel_operations_total", map[string]string{"type": "launch_group"})
	if launches < float64(steps) {
		t.Errorf("%v LAUNCH_GROUP operations for %d steps", launches, steps)
	}
	if m.get("kennel_operations_total", map[string]string{"type": "reserve"}) < 1 ||
		m.get("kennel_operations_total", map[string]string{"type": "create"}) < 2 {
		t.Errorf("RESERVE %v, CREATE %v: want reservations and the two hello volumes",
			m.get("kennel_operations_total", map[string]string{"type": "reserve"}),
			m.get("kennel_operations_total", map[string]string{"type": "create"}))
	}
	received := m.get("kennel_offers_received_total", nil)
	accepted := m.get("kennel_offers_accepted_total", nil)
	declined := m.get("kennel_offers_declined_total", nil)
	if accepted < 1 || received < accepted+declined {
		t.Errorf("offers: received %v, accepted %v, declined %v", received, accepted, declined)
	}
	if n := m.get("kennel_offer_evaluation_seconds_count", nil); n < 1 {
		t.Errorf("no offer evaluation timed (%v)", n)
	}
	if n := m.get("kennel_state_write_seconds_count", nil); n < float64(steps) {
		t.Errorf("%v state writes timed for %d steps", n, steps)
	}
	m.want(t, "kennel_offers_received_total", map[string]string{"service": "scenario"}, received)
}

// metricSamples are the samples of one scrape.
type metricSamples []metricSample

type metricSample struct {
	name   string
	labels map[string]string
	value  float64
}

// metrics scrapes the scheduler's /v1/metrics/prometheus.
func (e *env) metrics() metricSamples {
	e.t.Helper()
	resp, err := http.Get(e.api + "/v1/metrics/prometheus")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET /v1/metrics/prometheus: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		e.t.Fatalf("GET /v1/metrics/prometheus: %v", err)
	}
	vec, err := expfmt.ExtractSamples(&expfmt.DecodeOptions{Timestamp: model.Now()}, slices.Collect(maps.Values(families))...)
	if err != nil {
		e.t.Fatal(err)
	}
	var out metricSamples
	for _, s := range vec {
		ms := metricSample{name: string(s.Metric[model.MetricNameLabel]), labels: map[string]string{}, value: float64(s.Value)}
		for k, v := range s.Metric {
			if k != model.MetricNameLabel {
				ms.labels[string(k)] = string(v)
			}
		}
		out = append(out, ms)
	}
	return out
}

// lookup is the sample of name whose labels include labels.
func (m metricSamples) lookup(name string, labels map[string]string) (float64, bool) {
	for _, s := range m {
		if s.name != name {
			continue
		}
		match := true
		for k, v := range labels {
			match = match && s.labels[k] == v
		}
		if match {
			return s.value, true
		}
	}
	return 0, false
}

// get is lookup's value, 0 when absent.
func (m metricSamples) get(name string, labels map[string]string) float64 {
	v, _ := m.lookup(name, labels)
	return v
}

// want checks that the sample is present with value want.
func (m metricSamples) want(t *testing.T, name string, labels map[string]string, want float64) {
	t.Helper()
	v, ok := m.lookup(name, labels)
	if !ok || v != want {
		t.Errorf("%s%v = %v (present %v), want %v", name, labels, v, ok, want)
	}
}
