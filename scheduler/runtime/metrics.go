package runtime

import (
	"net/http"
	"strings"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	sched "github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kennel-sdk/kennel/api"
)

// metrics are the scheduler's Prometheus metrics, named kennel_*. The loop
// goroutine records them; the API serves them.
type metrics struct {
	reg            *prometheus.Registry
	offersReceived prometheus.Counter
	offersAccepted prometheus.Counter
	offersDeclined prometheus.Counter
	operations     *prometheus.CounterVec
	updates        *prometheus.CounterVec
	revives        prometheus.Counter
	suppresses     prometheus.Counter
	kills          prometheus.Counter
	steps          *prometheus.GaugeVec
	offerEval      prometheus.Histogram
	stateWrites    prometheus.Histogram
}

func newMetrics(service string) *metrics {
	reg := prometheus.NewRegistry()
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	labels := prometheus.Labels{"service": service}
	counter := func(name, help string) prometheus.Counter {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: "kennel_" + name, Help: help, ConstLabels: labels})
		f(c)
		return c
	}
	m := &metrics{
		reg:            reg,
		offersReceived: counter("offers_received_total", "Offers received from Mesos."),
		offersAccepted: counter("offers_accepted_total", "Offers accepted (with operations)."),
		offersDeclined: counter("offers_declined_total", "Offers declined."),
		revives:        counter("revives_total", "REVIVE calls sent."),
		suppresses:     counter("suppresses_total", "SUPPRESS calls sent."),
		kills:          counter("kills_total", "KILL calls sent."),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kennel_operations_total",
			Help: "Offer operations sent, by type (reserve, create, launch_group, destroy, unreserve, ...).", ConstLabels: labels}, []string{"type"}),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kennel_task_status_updates_total",
			Help: "Task status updates received, by state (task_running, task_failed, ...).", ConstLabels: labels}, []string{"state"}),
		steps: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "kennel_plan_steps",
			Help: "Steps by plan and status.", ConstLabels: labels}, []string{"plan", "status"}),
		offerEval: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kennel_offer_evaluation_seconds",
			Help: "Time to evaluate one batch of offers against the work to do.", ConstLabels: labels,
			Buckets: prometheus.ExponentialBuckets(5e-6, 4, 10)}),
		stateWrites: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kennel_state_write_seconds",
			Help: "Time to write one batch to the state store.", ConstLabels: labels,
			Buckets: prometheus.ExponentialBuckets(1e-4, 2.5, 12)}),
	}
	f(m.operations)
	f(m.updates)
	f(m.steps)
	f(m.offerEval)
	f(m.stateWrites)
	f(collectors.NewGoCollector())
	f(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

func (m *metrics) offers(n int, took time.Duration) {
	m.offersReceived.Add(float64(n))
	m.offerEval.Observe(took.Seconds())
}

func (m *metrics) update(s mesos.TaskState) {
	m.updates.WithLabelValues(strings.ToLower(s.String())).Inc()
}

func (m *metrics) stateWrite(took time.Duration) { m.stateWrites.Observe(took.Seconds()) }

// call counts a call sent to Mesos.
func (m *metrics) call(c *sched.Call) {
	switch c.Type {
	case sched.Call_ACCEPT:
		m.offersAccepted.Add(float64(len(c.GetAccept().OfferIDs)))
		for _, op := range c.GetAccept().Operations {
			m.operations.WithLabelValues(strings.ToLower(op.Type.String())).Inc()
		}
	case sched.Call_DECLINE:
		m.offersDeclined.Add(float64(len(c.GetDecline().OfferIDs)))
	case sched.Call_REVIVE:
		m.revives.Inc()
	case sched.Call_SUPPRESS:
		m.suppresses.Inc()
	case sched.Call_KILL:
		m.kills.Inc()
	}
}

// observeSteps sets the step gauges from a published snapshot.
func (m *metrics) observeSteps(s *api.Snapshot) {
	m.steps.Reset()
	for _, name := range s.PlanNames {
		v := s.Plans[name]
		if v == nil {
			continue
		}
		for _, ph := range v.Info.Phases {
			for _, st := range ph.Steps {
				m.steps.WithLabelValues(name, st.Status).Inc()
			}
		}
	}
}
