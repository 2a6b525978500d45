package kafkaclient

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// reassignments is a model of reassignments in progress on a kfake
// cluster. kfake accepts AlterPartitionReassignments but moves nothing
// (it answers after checking the partitions exist) and never lists a
// reassignment in progress; the model watches the requests on the wire and
// answers ListPartitionReassignments with each one still in progress for
// `polls` listings.
type reassignments struct {
	mu      sync.Mutex
	polls   int
	pending map[string]int
	got     []string // the assignments as they came over the wire
}

func (m *reassignments) alter(req kmsg.Request) (kmsg.Response, error, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range req.(*kmsg.AlterPartitionAssignmentsRequest).Topics {
		for _, p := range t.Partitions {
			key := fmt.Sprintf("%s-%d", t.Topic, p.Partition)
			m.got = append(m.got, fmt.Sprintf("%s:%v", key, p.Replicas))
			if t.Topic != "nope" {
				m.pending[key] = m.polls
			}
		}
	}
	return nil, nil, false // kfake answers
}

func (m *reassignments) list(req kmsg.Request) (kmsg.Response, error, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	resp := req.ResponseKind().(*kmsg.ListPartitionReassignmentsResponse)
	for _, t := range req.(*kmsg.ListPartitionReassignmentsRequest).Topics {
		rt := kmsg.NewListPartitionReassignmentsResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			key := fmt.Sprintf("%s-%d", t.Topic, p)
			if m.pending[key] > 0 {
				m.pending[key]--
				rp := kmsg.NewListPartitionReassignmentsResponseTopicPartition()
				rp.Partition, rp.Replicas, rp.AddingReplicas = p, []int32{0, 1, 2}, []int32{2}
				rt.Partitions = append(rt.Partitions, rp)
			}
		}
		if len(rt.Partitions) > 0 {
			resp.Topics = append(resp.Topics, rt)
		}
	}
	return resp, nil, true
}

// TestReassignOnTheWire runs the reassigner's admin calls against three
// kfake brokers: the assignment read, the reassignment requests as they
// reach the broker, an unknown partition's refusal named, the listing of
// those in progress, and the throttles set and cleared as DescribeConfigs
// reports them.
func TestReassignOnTheWire(t *testing.T) {
	ctx := testContext(t)
	c, addrs := newCluster(t, 3)
	admin := NewAdmin(addrs[0])
	defer admin.Close()
	if err := admin.CreateTopic(ctx, TopicSpec{Name: "orders", Partitions: 3, ReplicationFactor: 2}); err != nil {
		t.Fatal(err)
	}
	m := &reassignments{polls: 2, pending: map[string]int{}}
	c.ControlKey(int16(kmsg.AlterPartitionAssignments), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		return m.alter(req)
	})
	c.ControlKey(int16(kmsg.ListPartitionReassignments), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		return m.list(req)
	})

	r, err := NewReassigner(ctx, Security{}, addrs...)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	a, err := r.Assignment(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Brokers, []int32{0, 1, 2}) {
		t.Errorf("brokers %v", a.Brokers)
	}
	var orders []Partition
	for _, p := range a.Partitions {
		if p.Topic == "orders" {
			orders = append(orders, p)
		}
	}
	if len(orders) != 3 || len(orders[0].Replicas) != 2 {
		t.Fatalf("orders partitions %+v, want 3 of 2 replicas", orders)
	}

	targets := []Target{{Topic: "orders", Partition: 0, Replicas: []int32{2, 1}}, {Topic: "orders", Partition: 2, Replicas: []int32{0, 2}}}
	if err := r.Reassign(ctx, targets); err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	got := strings.Join(slices.Sorted(slices.Values(m.got)), " ") // kadm sends a map's order
	m.mu.Unlock()
	if got != "orders-0:[2 1] orders-2:[0 2]" {
		t.Errorf("on the wire: %s", got)
	}
	err = r.Reassign(ctx, []Target{{Topic: "nope", Partition: 0, Replicas: []int32{1}}})
	if err == nil || !strings.Contains(err.Error(), "nope-0: UNKNOWN_TOPIC_OR_PARTITION") {
		t.Errorf("reassigning an unknown partition: %v, want UNKNOWN_TOPIC_OR_PARTITION named", err)
	}
	for _, want := range []string{"map[orders-0:true orders-2:true]", "map[orders-0:true orders-2:true]", "map[]"} {
		in, err := r.Reassigning(ctx, targets)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(in) != want {
			t.Errorf("in progress %v, want %s", in, want)
		}
	}
	if _, err := r.ReplicaSizes(ctx, targets); err != nil {
		t.Fatal(err)
	}

	if err := r.ThrottleTopic(ctx, "orders", "0:0,0:1", "0:2"); err != nil {
		t.Fatal(err)
	}
	for i, addr := range addrs {
		if err := BrokerThrottle(ctx, Security{}, addr, int32(i), 10<<20); err != nil {
			t.Fatal(err)
		}
	}
	th, err := r.TopicThrottles(ctx, []string{"orders"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(th) != "map[orders:map[follower.replication.throttled.replicas:0:2 leader.replication.throttled.replicas:0:0,0:1]]" {
		t.Errorf("topic throttles %v", th)
	}
	for i, addr := range addrs {
		bt, err := BrokerThrottles(ctx, Security{}, addr, int32(i))
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(bt) != "map[follower.replication.throttled.rate:10485760 leader.replication.throttled.rate:10485760]" {
			t.Errorf("broker %d throttles %v", i, bt)
		}
	}

	if err := r.UnthrottleTopics(ctx, []string{"orders"}); err != nil {
		t.Fatal(err)
	}
	for i, addr := range addrs {
		if err := BrokerThrottle(ctx, Security{}, addr, int32(i), 0); err != nil {
			t.Fatal(err)
		}
	}
	if th, err := r.TopicThrottles(ctx, []string{"orders"}); err != nil || len(th) != 0 {
		t.Errorf("topic throttles after clearing: %v %v", th, err)
	}
	for i, addr := range addrs {
		if bt, err := BrokerThrottles(ctx, Security{}, addr, int32(i)); err != nil || len(bt) != 0 {
			t.Errorf("broker %d throttles after clearing: %v %v", i, bt, err)
		}
	}
}
