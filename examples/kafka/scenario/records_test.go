package scenario_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
)

// produce creates topic (partitions partitions, replication factor rf) on
// the cluster at addr and writes values to it through kafka-go, acks=all.
// Creating and writing are retried until the deadline: a broker that just
// became ready may still be settling.
func (e *env) produce(addr, topic string, partitions, rf int, values ...string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), stepTimeout)
	defer cancel()
	admin := kafkaclient.NewAdmin(addr)
	defer admin.Close()
	var lastErr error
	e.waitFor(stepTimeout, "topic "+topic+" created on "+addr, func() bool {
		lastErr = admin.CreateTopic(ctx, kafkaclient.TopicSpec{Name: topic, Partitions: partitions, ReplicationFactor: rf})
		return lastErr == nil || errors.Is(lastErr, kafka.TopicAlreadyExists)
	}, func() string { return fmt.Sprint(lastErr) })
	w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: topic, RequiredAcks: kafka.RequireAll,
		BatchTimeout: 10 * time.Millisecond, Balancer: &kafka.RoundRobin{}}
	defer w.Close()
	msgs := make([]kafka.Message, len(values))
	for i, v := range values {
		msgs[i] = kafka.Message{Value: []byte(v)}
	}
	e.waitFor(stepTimeout, fmt.Sprintf("%d records written to %s on %s", len(values), topic, addr), func() bool {
		wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
		defer wcancel()
		lastErr = w.WriteMessages(wctx, msgs...)
		return lastErr == nil
	}, func() string { return fmt.Sprint(lastErr) })
}

// consume reads every record of topic through kcat (another client than
// the writer's), sorted: kcat -C from the beginning, exiting at the end.
func consume(kcat, addr, topic string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, kcat, "-C", "-b", addr, "-t", topic, "-o", "beginning", "-e", "-q",
		"-f", "%s\n", "-m", "10").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("kcat -C -b %s -t %s: %w: %s", addr, topic, err, out)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			got = append(got, l)
		}
	}
	slices.Sort(got)
	return got, nil
}

// waitRecords waits until kcat reads exactly want (in any order) from topic
// at addr.
func (e *env) waitRecords(kcat, addr, topic string, want ...string) {
	e.t.Helper()
	want = slices.Sorted(slices.Values(want))
	var got []string
	var err error
	e.waitFor(stepTimeout, fmt.Sprintf("kcat reads %v from %s on %s", want, topic, addr), func() bool {
		got, err = consume(kcat, addr, topic)
		return err == nil && slices.Equal(got, want)
	}, func() string { return fmt.Sprintf("last read %q, error %v", got, err) })
}

// hasTopic reports whether the broker at addr lists topic in its metadata.
func (e *env) hasTopic(addr, topic string) bool {
	e.t.Helper()
	admin := kafkaclient.NewAdmin(addr)
	defer admin.Close()
	var md kafkaclient.Metadata
	var err error
	e.waitFor(stepTimeout, "metadata from "+addr, func() bool {
		ctx, cancel := context.WithTimeout(e.t.Context(), 10*time.Second)
		defer cancel()
		md, err = admin.Describe(ctx)
		return err == nil
	}, func() string { return fmt.Sprint(err) })
	for _, p := range md.Partitions {
		if p.Topic == topic {
			return true
		}
	}
	return false
}
