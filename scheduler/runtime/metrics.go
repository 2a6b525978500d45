package runtime

import (
	"context"
	"net/http"
	"strings"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	sched "github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/scheduler"
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
	offerEval      prometheus.Histogram
	stateWrites    prometheus.Histogram
}

// newMetrics registers the metrics; snapshot gives the plans the step and
// plan gauges are read from at each scrape, and tasks the number of tasks
// by state (ok false when they cannot be read now: the gauge is left out of
// that scrape).
func newMetrics(service string, snapshot func() *wire.Snapshot, tasks func() (counts map[string]int, ok bool)) *metrics {
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
		offerEval: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kennel_offer_evaluation_seconds",
			Help: "Time to evaluate one batch of offers against the work to do.", ConstLabels: labels,
			Buckets: prometheus.ExponentialBuckets(5e-6, 4, 10)}),
		stateWrites: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kennel_state_write_seconds",
			Help: "Time to write one batch to the state store.", ConstLabels: labels,
			Buckets: prometheus.ExponentialBuckets(1e-4, 2.5, 12)}),
	}
	f(m.operations)
	f(m.updates)
	f(&stepsCollector{snapshot: snapshot, desc: prometheus.NewDesc("kennel_plan_steps",
		"Steps by plan and status.", []string{"plan", "status"}, labels)})
	f(&plansCollector{snapshot: snapshot, desc: prometheus.NewDesc("kennel_plan_status",
		"1 for each plan, labelled with its status.", []string{"plan", "status"}, labels)})
	f(&tasksCollector{tasks: tasks, desc: prometheus.NewDesc("kennel_tasks",
		"Stored tasks by their latest state (task_running, ...; none before the first status update).", []string{"state"}, labels)})
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

// stepsCollector reports the steps of the latest published snapshot by
// plan and status, read whole at each scrape.
type stepsCollector struct {
	snapshot func() *wire.Snapshot
	desc     *prometheus.Desc
}

func (c *stepsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *stepsCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.snapshot()
	if s == nil {
		return
	}
	for _, name := range s.PlanNames {
		v := s.Plans[name]
		if v == nil {
			continue
		}
		for status, n := range v.StepStatuses() {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), name, status)
		}
	}
}

// plansCollector reports each plan of the latest published snapshot with
// its status, as a gauge of 1.
type plansCollector struct {
	snapshot func() *wire.Snapshot
	desc     *prometheus.Desc
}

func (c *plansCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *plansCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.snapshot()
	if s == nil {
		return
	}
	for _, name := range s.PlanNames {
		if v := s.Plans[name]; v != nil {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, 1, name, string(v.Status))
		}
	}
}

// tasksCollector reports the stored tasks by state, read at each scrape.
type tasksCollector struct {
	tasks func() (map[string]int, bool)
	desc  *prometheus.Desc
}

func (c *tasksCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *tasksCollector) Collect(ch chan<- prometheus.Metric) {
	counts, ok := c.tasks()
	if !ok {
		return
	}
	for state, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), state)
	}
}

// taskStates counts tasks by the lower-cased name of their latest state,
// "none" for a task without a status yet.
func taskStates(views []scheduler.TaskView) map[string]int {
	out := map[string]int{}
	for _, v := range views {
		state := "none"
		if v.Status != nil {
			state = strings.ToLower(v.Status.GetState().String())
		}
		out[state]++
	}
	return out
}

// scrapeTimeout bounds how long a scrape waits for the core's goroutine to
// count the tasks.
const scrapeTimeout = 2 * time.Second

// taskCounts counts the stored tasks on the core's goroutine, or reports
// false if it does not answer within scrapeTimeout (not running yet, or
// busy).
func (r *runner) taskCounts() (map[string]int, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	var counts map[string]int
	err := r.run(ctx, false, func(c *scheduler.Core) scheduler.Decisions {
		counts = taskStates(c.TaskViews())
		return scheduler.Decisions{}
	})
	return counts, err == nil
}
