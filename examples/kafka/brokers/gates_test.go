package brokers_test

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kennel-sdk/kennel/examples/kafka/brokers"
	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/scheduler"
)

// kfakeCluster starts an in-process kfake cluster of three brokers with a
// topic t (RF 3, min.insync.replicas 2) and returns the scheduler's view
// of it: kafka-N placed with kfake node N's listener.
func kfakeCluster(t testing.TB) (*kfake.Cluster, scheduler.EnvView) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(3))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	view := scheduler.EnvView{Config: "v2", Placed: map[string]scheduler.PlacedTask{}}
	for i, addr := range c.ListenAddrs() {
		host, port, _ := net.SplitHostPort(addr)
		view.Placed["kafka-"+strconv.Itoa(i)+"-broker"] = scheduler.PlacedTask{
			Instance: scheduler.Instance{Pod: brokers.Pod, Index: i}, Task: brokers.Task, ConfigID: "v1",
			Env: map[string]string{brokers.VarAdvertisedHost: host, brokers.VarBrokerPort: port}}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin := kafkaclient.NewAdmin(c.ListenAddrs()...)
	defer admin.Close()
	if err := admin.CreateTopic(ctx, kafkaclient.TopicSpec{Name: "t", Partitions: 2, ReplicationFactor: 3,
		Configs: map[string]string{"min.insync.replicas": "2"}}); err != nil {
		t.Fatal(err)
	}
	return c, view
}

// outOfSync makes every broker of c answer Metadata with topic t's two
// partitions led by 0, replicas 0, 1, 2 and node 2 out of their ISR.
func outOfSync(c *kfake.Cluster) {
	addrs := c.ListenAddrs()
	c.ControlKey(int16(kmsg.Metadata), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		resp := kmsg.NewPtrMetadataResponse()
		resp.SetVersion(req.GetVersion())
		for id, addr := range addrs {
			host, port, _ := net.SplitHostPort(addr)
			n, _ := strconv.Atoi(port)
			b := kmsg.NewMetadataResponseBroker()
			b.NodeID, b.Host, b.Port = int32(id), host, int32(n)
			resp.Brokers = append(resp.Brokers, b)
		}
		topic := kmsg.NewMetadataResponseTopic()
		name := "t"
		topic.Topic = &name
		for p := range int32(2) {
			part := kmsg.NewMetadataResponseTopicPartition()
			part.Partition, part.Leader, part.Replicas, part.ISR = p, 0, []int32{0, 1, 2}, []int32{0, 1}
			topic.Partitions = append(topic.Partitions, part)
		}
		resp.Topics = append(resp.Topics, topic)
		return resp, nil, true
	})
}

// TestGatesOnKfake: the roll gates read a three-broker kfake cluster:
// healthy, every broker may restart and a restarted one has recovered;
// with node 2 out of sync, restarting 0 would take t below
// min.insync.replicas and 2 has not recovered. kfake has no quorum, so
// the quorum rules stand aside.
func TestGatesOnKfake(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, view := kfakeCluster(t)
	g := brokers.Gates{ControllerLast: true}
	for i := range 3 {
		inst := scheduler.Instance{Pod: brokers.Pod, Index: i}
		if v, err := g.BeforeRestart(ctx, view, inst); err != nil || !v.Pass {
			t.Errorf("healthy: BeforeRestart(%s) = %+v, %v", inst, v, err)
		}
		if v, err := g.AfterReady(ctx, view, inst); err != nil || !v.Pass {
			t.Errorf("healthy: AfterReady(%s) = %+v, %v", inst, v, err)
		}
	}
	outOfSync(c)
	v, err := g.BeforeRestart(ctx, view, scheduler.Instance{Pod: brokers.Pod, Index: 0})
	if want := "restarting kafka-0 would take topic t partition 0 below min.insync.replicas=2 (in sync: [0 1])"; err != nil || v.Pass || v.Reason != want {
		t.Errorf("out of sync: BeforeRestart(kafka-0) = %+v, %v; want %q", v, err, want)
	}
	v, err = g.AfterReady(ctx, view, scheduler.Instance{Pod: brokers.Pod, Index: 2})
	if err != nil || v.Pass {
		t.Errorf("out of sync: AfterReady(kafka-2) = %+v, %v; want a wait", v, err)
	}
	if v, err := g.BeforeRestart(ctx, view, scheduler.Instance{Pod: "other", Index: 0}); err != nil || !v.Pass {
		t.Errorf("another pod type: %+v, %v", v, err)
	}
}

// TestGatesUnreachable: no broker answers: the gate says why (the
// runtime makes it a wait).
func TestGatesUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	view := scheduler.EnvView{Placed: map[string]scheduler.PlacedTask{"kafka-0-broker": {Instance: scheduler.Instance{Pod: brokers.Pod},
		Task: brokers.Task, Env: map[string]string{brokers.VarAdvertisedHost: host, brokers.VarBrokerPort: port}}}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := (brokers.Gates{}).BeforeRestart(ctx, view, scheduler.Instance{Pod: brokers.Pod}); err == nil {
		t.Error("no broker answers: no error")
	}
}

// BenchmarkGateCheck is one BeforeRestart gate check against a
// three-broker kfake cluster: Metadata, DescribeQuorum (refused) and
// DescribeConfigs through one broker's listener.
func BenchmarkGateCheck(b *testing.B) {
	_, view := kfakeCluster(b)
	g := brokers.Gates{ControllerLast: true}
	ctx := context.Background()
	inst := scheduler.Instance{Pod: brokers.Pod, Index: 1}
	for b.Loop() {
		if v, err := g.BeforeRestart(ctx, view, inst); err != nil || !v.Pass {
			b.Fatalf("%+v %v", v, err)
		}
	}
}
