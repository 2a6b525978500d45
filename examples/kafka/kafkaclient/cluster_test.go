package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// newCluster starts an in-process kfake cluster of n brokers (node ids
// 0..n-1, random ports) and returns it with its addresses.
func newCluster(t testing.TB, n int, opts ...kfake.Opt) (*kfake.Cluster, []string) {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(n)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, c.ListenAddrs()
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestThreeBrokers: a topic with replication factor 3 created through the
// Admin is written by one client and read back by another, and every
// broker describes the same cluster with no under-replicated partition.
func TestThreeBrokers(t *testing.T) {
	ctx := testContext(t)
	_, addrs := newCluster(t, 3)
	admin := NewAdmin(addrs[0])
	defer admin.Close()

	if err := admin.CreateTopic(ctx, TopicSpec{Name: "orders", Partitions: 3, ReplicationFactor: 3}); err != nil {
		t.Fatal(err)
	}
	err := admin.CreateTopic(ctx, TopicSpec{Name: "orders", Partitions: 3, ReplicationFactor: 3})
	if !errors.Is(err, kafka.TopicAlreadyExists) {
		t.Fatalf("second create: %v, want TopicAlreadyExists", err)
	}
	err = admin.CreateTopic(ctx, TopicSpec{Name: "too-many", Partitions: 1, ReplicationFactor: 4})
	if !errors.Is(err, kafka.InvalidReplicationFactor) {
		t.Fatalf("RF 4 on 3 brokers: %v, want InvalidReplicationFactor", err)
	}

	w := &kafka.Writer{Addr: kafka.TCP(addrs[1]), Topic: "orders", RequiredAcks: kafka.RequireAll,
		Balancer: &kafka.Hash{}, BatchTimeout: 10 * time.Millisecond}
	var sent []kafka.Message
	for i := range 30 {
		sent = append(sent, kafka.Message{Key: []byte("k" + strconv.Itoa(i)), Value: []byte("v" + strconv.Itoa(i))})
	}
	if err := w.WriteMessages(ctx, sent...); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	got := map[string]string{}
	for p := range 3 {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{addrs[2]}, Topic: "orders", Partition: p, MaxWait: 100 * time.Millisecond})
		conn, err := kafka.DialLeader(ctx, "tcp", addrs[2], "orders", p)
		if err != nil {
			t.Fatal(err)
		}
		last, err := conn.ReadLastOffset()
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		for range last {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got[string(m.Key)] = string(m.Value)
		}
		r.Close()
	}
	for _, m := range sent {
		if got[string(m.Key)] != string(m.Value) {
			t.Errorf("read back %q = %q, want %q", m.Key, got[string(m.Key)], m.Value)
		}
	}
	if len(got) != len(sent) {
		t.Errorf("read %d records, wrote %d", len(got), len(sent))
	}

	for _, addr := range addrs {
		m, err := NewAdmin(addr).Describe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ids := m.BrokerIDs(); !slices.Equal(ids, []int32{0, 1, 2}) {
			t.Errorf("%s: brokers %v, want [0 1 2]", addr, ids)
		}
		var orders []Partition
		for _, p := range m.Partitions {
			if p.Topic == "orders" {
				orders = append(orders, p)
			}
		}
		if len(orders) != 3 {
			t.Fatalf("%s: orders has %d partitions, want 3: %+v", addr, len(orders), m.Partitions)
		}
		for _, p := range orders {
			if len(p.Replicas) != 3 || !p.Hosts(p.Leader) || p.UnderReplicated() {
				t.Errorf("%s: %s leader %d replicas %v isr %v", addr, p, p.Leader, p.Replicas, p.ISR)
			}
		}
		if urp := m.UnderReplicated(); len(urp) != 0 {
			t.Errorf("%s: under-replicated %v", addr, urp)
		}
	}
}

// TestDescribeFallsBack: Describe skips a bootstrap broker that does not
// answer and reports every one that failed when none answers.
func TestDescribeFallsBack(t *testing.T) {
	ctx := testContext(t)
	_, addrs := newCluster(t, 1)
	dead := closedAddr(t)
	m, err := NewAdmin(dead, addrs[0]).Describe(ctx)
	if err != nil || !m.HasBroker(0) {
		t.Fatalf("Describe = %+v, %v", m, err)
	}
	_, err = NewAdmin(dead).Describe(ctx)
	if err == nil {
		t.Fatal("Describe of a closed port succeeded")
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestUnderReplicatedOnTheWire: kfake keeps every replica in sync, so its
// Metadata answer is replaced by one in which broker 2 has fallen out of
// the ISR of two partitions (and broker 1 is down); the client reads the
// ids as the broker sent them.
func TestUnderReplicatedOnTheWire(t *testing.T) {
	ctx := testContext(t)
	c, addrs := newCluster(t, 3)
	c.ControlKey(int16(kmsg.Metadata), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		return urpMetadata(req, addrs), nil, true
	})
	m, err := NewAdmin(addrs[0]).Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ids := m.BrokerIDs(); !slices.Equal(ids, []int32{0, 2}) {
		t.Errorf("brokers %v, want [0 2]", ids)
	}
	if m.Controller != 0 || m.ClusterID != "urp" {
		t.Errorf("controller %d cluster %q", m.Controller, m.ClusterID)
	}
	want := map[int32][]string{0: {"t-0", "t-2"}, 1: {"t-0"}, 2: {"t-0", "t-2"}}
	for node, names := range want {
		var got []string
		for _, p := range m.UnderReplicatedOn(node) {
			got = append(got, p.String())
		}
		if !slices.Equal(got, names) {
			t.Errorf("UnderReplicatedOn(%d) = %v, want %v", node, got, names)
		}
	}
	if got := m.UnderReplicatedByBroker(); fmt.Sprint(got) != "map[0:2 1:1 2:2]" {
		t.Errorf("UnderReplicatedByBroker = %v", got)
	}
	if p := m.Partitions[1]; p.Leader != -1 || p.Err == nil || !slices.Equal(p.Offline, []int32{1}) {
		t.Errorf("t-1 = %+v, want leaderless with an error and replica 1 offline", p)
	}
}

// urpMetadata answers req for brokers 0 and 2 (1 is down) with topic t:
// t-0 replicas 0,1,2 ISR 0; t-1 replica 1 alone, leaderless; t-2 replicas
// 2,0 ISR 2.
func urpMetadata(req kmsg.Request, addrs []string) kmsg.Response {
	resp := kmsg.NewPtrMetadataResponse()
	resp.SetVersion(req.GetVersion())
	for _, id := range []int32{0, 2} {
		host, port, _ := net.SplitHostPort(addrs[id])
		n, _ := strconv.Atoi(port)
		b := kmsg.NewMetadataResponseBroker()
		b.NodeID, b.Host, b.Port = id, host, int32(n)
		resp.Brokers = append(resp.Brokers, b)
	}
	cluster := "urp"
	resp.ClusterID, resp.ControllerID = &cluster, 0
	topic := kmsg.NewMetadataResponseTopic()
	name := "t"
	topic.Topic = &name
	for _, p := range []struct {
		id, leader    int32
		replicas, isr []int32
		offline       []int32
		errorCode     int16
	}{
		{0, 0, []int32{0, 1, 2}, []int32{0}, nil, 0},
		{1, -1, []int32{1}, []int32{1}, []int32{1}, 5}, // LEADER_NOT_AVAILABLE
		{2, 2, []int32{2, 0}, []int32{2}, nil, 0},
	} {
		part := kmsg.NewMetadataResponseTopicPartition()
		part.Partition, part.Leader, part.Replicas, part.ISR, part.OfflineReplicas, part.ErrorCode =
			p.id, p.leader, p.replicas, p.isr, p.offline, p.errorCode
		topic.Partitions = append(topic.Partitions, part)
	}
	resp.Topics = append(resp.Topics, topic)
	return resp
}
