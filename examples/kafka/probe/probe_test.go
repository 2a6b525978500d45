package probe

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kennel-sdk/kennel/examples/kafka/brokerconfig"
	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
)

func cluster(t testing.TB, n int) (*kfake.Cluster, []string) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(n))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, c.ListenAddrs()
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestCheckAgainstKfake(t *testing.T) {
	c, addrs := cluster(t, 3)
	// Broker 2 hosts t-0 (replicas 2,0; broker 0 out of sync) and t-1 (in sync).
	c.ControlKey(int16(kmsg.Metadata), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		return metadata(req, addrs, [][3][]int32{{{2, 0}, {2}}, {{2, 1}, {2, 1}}}), nil, true
	})
	cases := []struct {
		name    string
		target  Target
		opts    Options
		wantErr string
	}{
		{"ready", Target{addrs[2], 2}, Options{}, ""},
		{"wrong node id", Target{addrs[2], 7}, Options{}, "not ready: broker 7 not in metadata yet (brokers: 0,1,2)"},
		{"under-replicated with ISR", Target{addrs[2], 2}, Options{ISR: true}, "not ready: 1 partition under-replicated: t-0"},
		{"ISR fine elsewhere", Target{addrs[1], 1}, Options{ISR: true}, ""},
		{"nothing listening", Target{closedAddr(t), 1}, Options{}, "connection refused"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(ctx(t), tc.target, tc.opts)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Check = %v, want ready", err)
				}
				return
			}
			if !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Check = %v, want not ready with %q", err, tc.wantErr)
			}
		})
	}
}

// TestCheckRealMetadata: kfake's own Metadata answer (no control) lists
// every broker by its node id.
func TestCheckRealMetadata(t *testing.T) {
	_, addrs := cluster(t, 3)
	for i, addr := range addrs {
		if err := Check(ctx(t), Target{addr, int32(i)}, Options{ISR: true}); err != nil {
			t.Errorf("broker %d: %v", i, err)
		}
	}
}

func TestCheckHonoursDeadline(t *testing.T) {
	// A listener that accepts and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	c, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = Check(c, Target{ln.Addr().String(), 0}, Options{})
	if !errors.Is(err, ErrNotReady) {
		t.Fatalf("Check of a silent listener = %v, want not ready", err)
	}
}

func TestReadyMessages(t *testing.T) {
	var many []kafkaclient.Partition
	for i := range 7 {
		many = append(many, kafkaclient.Partition{Topic: "big", ID: int32(i), Leader: 1, Replicas: []int32{1, 2}, ISR: []int32{1}})
	}
	cases := []struct {
		name string
		m    kafkaclient.Metadata
		want string
	}{
		{"no brokers", kafkaclient.Metadata{}, "not ready: broker 1 not in metadata yet (brokers: none)"},
		{"others", kafkaclient.Metadata{Brokers: []kafkaclient.Broker{{ID: 2}, {ID: 0}}}, "not ready: broker 1 not in metadata yet (brokers: 0,2)"},
		{"many", kafkaclient.Metadata{Brokers: []kafkaclient.Broker{{ID: 1}}, Partitions: many},
			"not ready: 7 partitions under-replicated: big-0, big-1, big-2, big-3, big-4 and 2 more"},
	}
	for _, tc := range cases {
		err := Ready(tc.m, 1, Options{ISR: true})
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: Ready = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestTargetOf(t *testing.T) {
	cases := []struct {
		host, containerIP, want string
	}{
		{"", "127.0.1.3", "127.0.1.3:9092"},
		{"0.0.0.0", "", "127.0.0.1:9092"},
		{"::", "10.0.0.1", "10.0.0.1:9092"},
		{"127.0.1.2", "127.0.1.3", "127.0.1.2:9092"},
		{"::1", "", "[::1]:9092"},
	}
	for _, tc := range cases {
		cfg := brokerconfig.Config{NodeID: 4, Listener: brokerconfig.Listener{Name: "PLAINTEXT", Host: tc.host, Port: 9092}}
		if got := TargetOf(cfg, tc.containerIP); got != (Target{tc.want, 4}) {
			t.Errorf("TargetOf(host %q, container %q) = %+v, want %s", tc.host, tc.containerIP, got, tc.want)
		}
	}
}

// BenchmarkProbe is one readiness probe (dial, ApiVersions, Metadata)
// against an in-process kfake broker with one topic of 10 partitions.
func BenchmarkProbe(b *testing.B) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(10, "events"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	target := Target{c.ListenAddrs()[0], 0}
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := Check(ctx, target, Options{ISR: true}); err != nil {
			b.Fatal(err)
		}
		cancel()
	}
}

// metadata answers req with brokers 0..len(addrs)-1 and topic t whose
// partition i has replicas parts[i][0] and ISR parts[i][1].
func metadata(req kmsg.Request, addrs []string, parts [][3][]int32) kmsg.Response {
	resp := kmsg.NewPtrMetadataResponse()
	resp.SetVersion(req.GetVersion())
	for i, addr := range addrs {
		host, port, _ := net.SplitHostPort(addr)
		n, _ := strconv.Atoi(port)
		b := kmsg.NewMetadataResponseBroker()
		b.NodeID, b.Host, b.Port = int32(i), host, int32(n)
		resp.Brokers = append(resp.Brokers, b)
	}
	topic := kmsg.NewMetadataResponseTopic()
	name := "t"
	topic.Topic = &name
	for i, p := range parts {
		part := kmsg.NewMetadataResponseTopicPartition()
		part.Partition, part.Leader, part.Replicas, part.ISR = int32(i), p[0][0], p[0], p[1]
		topic.Partitions = append(topic.Partitions, part)
	}
	resp.Topics = append(resp.Topics, topic)
	return resp
}

func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
