package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// ProduceTestRecordSize is the size of each record ProduceTest writes, as
// DC/OS Kafka's producer test (kafka-producer-perf-test --record-size 1024).
const ProduceTestRecordSize = 1024

// ProduceResult is what ProduceTest did: how many records it wrote and how
// long that took.
type ProduceResult struct {
	Records int
	Bytes   int
	Elapsed time.Duration
}

// String is the result in the words of kafka-producer-perf-test's summary.
func (r ProduceResult) String() string {
	secs := r.Elapsed.Seconds()
	if secs <= 0 {
		secs = 1e-9
	}
	return fmt.Sprintf("%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms total",
		r.Records, float64(r.Records)/secs, float64(r.Bytes)/secs/(1<<20), float64(r.Elapsed.Microseconds())/1000)
}

// ProduceTest writes n records of ProduceTestRecordSize bytes to the topic,
// acknowledged by all in-sync replicas, and says how long it took. The
// topic must exist (the test creates none). now is the clock the elapsed
// time is read from.
func (a *Admin) ProduceTest(ctx context.Context, topic string, n int, now func() time.Time) (ProduceResult, error) {
	w := &kafka.Writer{Addr: kafka.TCP(a.bootstrap...), Topic: topic, Transport: a.transport,
		RequiredAcks: kafka.RequireAll, Balancer: &kafka.RoundRobin{}, BatchTimeout: time.Millisecond,
		BatchSize: 500, AllowAutoTopicCreation: false}
	defer w.Close()
	value := make([]byte, ProduceTestRecordSize)
	for i := range value {
		value[i] = 'a' + byte(i%26)
	}
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{Value: value}
	}
	start := now()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		var failed kafka.WriteErrors
		if errors.As(err, &failed) {
			for _, e := range failed {
				if e != nil {
					return ProduceResult{}, fmt.Errorf("produce to %s: %d of %d records failed, the first: %w", topic, failed.Count(), n, e)
				}
			}
		}
		return ProduceResult{}, fmt.Errorf("produce to %s: %w", topic, err)
	}
	return ProduceResult{Records: n, Bytes: n * len(value), Elapsed: now().Sub(start)}, nil
}
