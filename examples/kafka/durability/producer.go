// Package durability measures what an operation on a Kafka cluster costs
// the clients writing to it: a continuous acks=all producer sends
// numbered records at a steady rate and counts the sends acknowledged and
// failed, with ack latencies per named window (one per operation), and
// Verify reads the topic back to check every acknowledged record is there
// exactly once.
//
// The producer is configured as a careful real client is: idempotent,
// acks=all, retries bounded by a delivery timeout (Kafka's
// delivery.timeout.ms) and a request timeout, so that a send fails only
// when the cluster could not take it for that long — which is what an
// operation that "never costs availability" must never cause.
package durability

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
)

// Defaults are those of Kafka's Java producer: delivery.timeout.ms
// 120000 and request.timeout.ms 30000.
const (
	DefaultDeliveryTimeout = 2 * time.Minute
	DefaultRequestTimeout  = 30 * time.Second
	DefaultRate            = 50
	// MaxRate bounds Rate: one record per tick, ticks of 100µs at least.
	MaxRate = 10000
)

// Config is a producer's cluster, topic and pace.
type Config struct {
	// Seeds are host:port bootstrap brokers; at least one.
	Seeds []string
	// Topic is written to; it must exist (EnsureTopic creates one).
	Topic string
	// Rate is records per second, at most MaxRate; 0 is DefaultRate.
	Rate int
	// DeliveryTimeout bounds a record's retries from the moment it is
	// sent: after it the send fails. 0 is DefaultDeliveryTimeout.
	DeliveryTimeout time.Duration
	// RequestTimeout bounds each produce request; 0 is
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Security is how to reach the brokers (TLS, SCRAM); the zero value
	// is plaintext.
	Security kafkaclient.Security
}

func (c Config) withDefaults() (Config, error) {
	if len(c.Seeds) == 0 {
		return c, errors.New("durability: no seed brokers")
	}
	if c.Topic == "" {
		return c, errors.New("durability: no topic")
	}
	if c.Rate < 0 || c.DeliveryTimeout < 0 || c.RequestTimeout < 0 {
		return c, fmt.Errorf("durability: negative rate %d, delivery timeout %s or request timeout %s", c.Rate, c.DeliveryTimeout, c.RequestTimeout)
	}
	if c.Rate > MaxRate {
		return c, fmt.Errorf("durability: rate %d records/s is above %d", c.Rate, MaxRate)
	}
	if c.Rate == 0 {
		c.Rate = DefaultRate
	}
	if c.DeliveryTimeout == 0 {
		c.DeliveryTimeout = DefaultDeliveryTimeout
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	return c, nil
}

// clientOpts are the connection options every client of cfg shares.
func (c Config) clientOpts() []kgo.Opt {
	opts := []kgo.Opt{kgo.SeedBrokers(c.Seeds...), kgo.ClientID(kafkaclient.ClientID + "-durability"), kgo.DialTimeout(5 * time.Second)}
	if c.Security.TLS != nil {
		opts = append(opts, kgo.DialTLSConfig(c.Security.TLS.Clone()))
	}
	if s := c.Security.SCRAM; s != nil {
		opts = append(opts, kgo.SASL(scram.Auth{User: s.User, Pass: s.Password}.AsSha512Mechanism()))
	}
	return opts
}

// EnsureTopic creates cfg's topic with partitions partitions, replication
// factor rf and min.insync.replicas minISR, unless it exists.
func EnsureTopic(ctx context.Context, cfg Config, partitions int32, rf int16, minISR int) error {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	cl, err := kgo.NewClient(cfg.clientOpts()...)
	if err != nil {
		return fmt.Errorf("durability: %w", err)
	}
	defer cl.Close()
	isr := strconv.Itoa(minISR)
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, partitions, rf, map[string]*string{"min.insync.replicas": &isr}, cfg.Topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("durability: create topic %s: %w", cfg.Topic, err)
	}
	return nil
}

// Producer sends record n (its value the decimal n, from 0) every
// 1/Rate seconds until Stop. It is safe for concurrent use.
type Producer struct {
	cfg  Config
	cl   *kgo.Client
	stop chan struct{}
	done chan struct{}

	mu      sync.Mutex
	next    int
	window  int // index in windows of the current one
	windows []*window
	acked   []int
	errs    map[string]int
}

// window is the sends of one named stretch of time.
type window struct {
	name                string
	sent, acked, failed int
	latencies           []time.Duration
	firstErr            error
	firstFail, lastFail int
	started, ended      time.Time
	endedSet            bool
	outstanding         int
	maxOutstanding      int
}

// Start connects to cfg's cluster and starts sending, in a window named
// "start".
func Start(cfg Config) (*Producer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	opts := append(cfg.clientOpts(),
		kgo.DefaultProduceTopic(cfg.Topic),
		kgo.RequiredAcks(kgo.AllISRAcks()), // idempotence (the default) needs it
		kgo.RecordDeliveryTimeout(cfg.DeliveryTimeout),
		kgo.ProduceRequestTimeout(cfg.RequestTimeout),
		kgo.RecordPartitioner(kgo.RoundRobinPartitioner()),
		kgo.ProducerLinger(0),
	)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("durability: %w", err)
	}
	p := &Producer{cfg: cfg, cl: cl, stop: make(chan struct{}), done: make(chan struct{}), errs: map[string]int{},
		windows: []*window{{name: "start", started: time.Now()}}}
	go p.run()
	return p, nil
}

// run sends one record per tick until stop. A tick missed while the
// client's buffer is full is skipped (time.Ticker drops it): the rate is
// an upper bound, the sends counted are the ones made.
func (p *Producer) run() {
	defer close(p.done)
	tick := time.NewTicker(time.Second / time.Duration(p.cfg.Rate))
	defer tick.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
			p.send()
		}
	}
}

func (p *Producer) send() {
	p.mu.Lock()
	n := p.next
	p.next++
	w := p.windows[p.window]
	w.sent++
	w.outstanding++
	w.maxOutstanding = max(w.maxOutstanding, w.outstanding)
	p.mu.Unlock()
	sent := time.Now()
	p.cl.Produce(context.Background(), &kgo.Record{Value: []byte(strconv.Itoa(n))}, func(_ *kgo.Record, err error) {
		took := time.Since(sent)
		p.mu.Lock()
		defer p.mu.Unlock()
		w.outstanding--
		if err != nil {
			if w.failed == 0 {
				w.firstErr, w.firstFail = err, n
			}
			w.failed++
			w.lastFail = n
			p.errs[err.Error()]++
			return
		}
		w.acked++
		w.latencies = append(w.latencies, took)
		p.acked = append(p.acked, n)
	})
}

// Window starts a new window named name: the sends from now on are
// counted in it (their acks too, whenever they come).
func (p *Producer) Window(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	cur := p.windows[p.window]
	cur.ended, cur.endedSet = now, true
	p.windows = append(p.windows, &window{name: name, started: now})
	p.window = len(p.windows) - 1
}

// Stop stops sending, waits (until ctx is done) for every send made to
// be acknowledged or to fail, closes the client and returns the figures.
// Sends still unanswered when ctx ends are counted as failed.
func (p *Producer) Stop(ctx context.Context) Result {
	close(p.stop)
	<-p.done
	flushErr := p.cl.Flush(ctx)
	p.cl.Close() // fails what is still buffered: their callbacks run
	p.mu.Lock()
	cur := p.windows[p.window]
	if !cur.endedSet {
		cur.ended, cur.endedSet = time.Now(), true
	}
	p.mu.Unlock()
	r := p.Result()
	if flushErr != nil {
		r.FlushErr = flushErr
	}
	return r
}

// Result is the figures so far.
func (p *Producer) Result() Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := Result{Acked: slices.Clone(p.acked), Errors: make(map[string]int, len(p.errs))}
	for k, v := range p.errs {
		r.Errors[k] = v
	}
	for _, w := range p.windows {
		ws := WindowResult{Name: w.name, Sent: w.sent, Acked: w.acked, Failed: w.failed, Pending: w.outstanding,
			FirstErr: w.firstErr, FirstFailed: w.firstFail, LastFailed: w.lastFail}
		end := w.ended
		if !w.endedSet {
			end = time.Now()
		}
		ws.Duration = end.Sub(w.started)
		lat := slices.Clone(w.latencies)
		slices.Sort(lat)
		ws.P50, ws.P99, ws.Max = quantile(lat, 0.50), quantile(lat, 0.99), quantile(lat, 1)
		r.Windows = append(r.Windows, ws)
		r.Sent += w.sent
		r.Failed += w.failed
		r.Pending += w.outstanding
	}
	slices.Sort(r.Acked)
	return r
}

// quantile is the q-quantile of sorted (nearest rank); 0 when empty.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// Result is a producer's figures: all sends, and per window.
type Result struct {
	Sent, Failed, Pending int
	// Acked are the numbers of the acknowledged records, ascending.
	Acked []int
	// Errors counts the failed sends by error text.
	Errors   map[string]int
	Windows  []WindowResult
	FlushErr error
}

// WindowResult is one window's sends and the ack latencies of those
// acknowledged.
type WindowResult struct {
	Name                    string
	Duration                time.Duration
	Sent, Acked, Failed     int
	Pending                 int
	P50, P99, Max           time.Duration
	FirstErr                error
	FirstFailed, LastFailed int
}

// String is the window in one line.
func (w WindowResult) String() string {
	s := fmt.Sprintf("%s: %s, %d sent, %d acked, %d failed, ack latency p50 %s p99 %s max %s",
		w.Name, w.Duration.Round(time.Millisecond), w.Sent, w.Acked, w.Failed,
		w.P50.Round(time.Microsecond), w.P99.Round(time.Microsecond), w.Max.Round(time.Microsecond))
	if w.Pending > 0 {
		s += fmt.Sprintf(", %d unanswered", w.Pending)
	}
	if w.Failed > 0 {
		s += fmt.Sprintf(" (records %d..%d, the first: %v)", w.FirstFailed, w.LastFailed, w.FirstErr)
	}
	return s
}
