package brokers_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kennel-sdk/kennel/examples/kafka/brokers"
	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/runtime"
)

// wireModel answers a kfake cluster's Metadata from an assignment of topic
// m that reassignments change: kfake accepts AlterPartitionReassignments
// without moving anything and never lists one in progress, so the model
// watches the requests, lists each reassignment in progress for two
// listings, then makes its target the partition's replicas.
type wireModel struct {
	mu       sync.Mutex
	addrs    []string
	replicas map[int32][]int32
	pending  map[int32]int
	targets  map[int32][]int32
}

func (m *wireModel) install(c *kfake.Cluster) {
	c.ControlKey(int16(kmsg.Metadata), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		m.mu.Lock()
		defer m.mu.Unlock()
		resp := kmsg.NewPtrMetadataResponse()
		resp.SetVersion(req.GetVersion())
		resp.ControllerID = 0
		for id, addr := range m.addrs {
			host, port, _ := net.SplitHostPort(addr)
			n, _ := strconv.Atoi(port)
			b := kmsg.NewMetadataResponseBroker()
			b.NodeID, b.Host, b.Port = int32(id), host, int32(n)
			resp.Brokers = append(resp.Brokers, b)
		}
		topic := kmsg.NewMetadataResponseTopic()
		name := "m"
		topic.Topic = &name
		for p := range int32(len(m.replicas)) {
			part := kmsg.NewMetadataResponseTopicPartition()
			part.Partition, part.Leader, part.Replicas, part.ISR = p, m.replicas[p][0], m.replicas[p], m.replicas[p]
			topic.Partitions = append(topic.Partitions, part)
		}
		resp.Topics = append(resp.Topics, topic)
		return resp, nil, true
	})
	c.ControlKey(int16(kmsg.AlterPartitionAssignments), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		m.mu.Lock()
		defer m.mu.Unlock()
		for _, t := range req.(*kmsg.AlterPartitionAssignmentsRequest).Topics {
			for _, p := range t.Partitions {
				m.pending[p.Partition], m.targets[p.Partition] = 2, p.Replicas
			}
		}
		return nil, nil, false
	})
	c.ControlKey(int16(kmsg.ListPartitionReassignments), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		m.mu.Lock()
		defer m.mu.Unlock()
		resp := req.ResponseKind().(*kmsg.ListPartitionReassignmentsResponse)
		rt := kmsg.NewListPartitionReassignmentsResponseTopic()
		rt.Topic = "m"
		for _, t := range req.(*kmsg.ListPartitionReassignmentsRequest).Topics {
			for _, p := range t.Partitions {
				switch n, ok := m.pending[p]; {
				case !ok:
				case n > 0:
					m.pending[p]--
					rp := kmsg.NewListPartitionReassignmentsResponseTopicPartition()
					rp.Partition, rp.Replicas = p, m.replicas[p]
					rt.Partitions = append(rt.Partitions, rp)
				default:
					m.replicas[p] = m.targets[p]
					delete(m.pending, p)
				}
			}
		}
		if len(rt.Partitions) > 0 {
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil, true
	})
}

func (m *wireModel) assignment() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return fmt.Sprint(m.replicas)
}

// runStep runs an action as the scheduler does: again at once after a
// result that changed the progress, until it is done or failed; reasons
// are collected.
func runStep(t *testing.T, ctx context.Context, a runtime.Action, req runtime.ActionRequest) (runtime.ActionRequest, runtime.ActionResult, []string) {
	t.Helper()
	var reasons []string
	for range 20 {
		res, err := a.Run(ctx, req)
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		reasons = append(reasons, res.Reason)
		if res.Progress != "" {
			req.Progress = res.Progress
		}
		if res.Done || res.Failed {
			return req, res, reasons
		}
	}
	t.Fatalf("not done after 20 runs: %q", reasons)
	return req, runtime.ActionResult{}, nil
}

// TestMoveBrokerOnKfake runs the move-broker plan's reassigning steps
// against three kfake brokers: broker 1's replicas go to the others under
// a throttle that the step's cleanup clears, then they come back.
func TestMoveBrokerOnKfake(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := kfake.NewCluster(kfake.NumBrokers(3))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	addrs := c.ListenAddrs()
	admin := kafkaclient.NewAdmin(addrs...)
	defer admin.Close()
	if err := admin.CreateTopic(ctx, kafkaclient.TopicSpec{Name: "m", Partitions: 3, ReplicationFactor: 2}); err != nil {
		t.Fatal(err)
	}
	m := &wireModel{addrs: addrs, replicas: map[int32][]int32{0: {1, 0}, 1: {0, 2}, 2: {2, 1}},
		pending: map[int32]int{}, targets: map[int32][]int32{}}
	m.install(c)
	view := scheduler.EnvView{Placed: map[string]scheduler.PlacedTask{}}
	for i, addr := range addrs {
		host, port, _ := net.SplitHostPort(addr)
		view.Placed["kafka-"+strconv.Itoa(i)+"-broker"] = scheduler.PlacedTask{
			Instance: scheduler.Instance{Pod: brokers.Pod, Index: i}, Task: brokers.Task,
			Env: map[string]string{brokers.VarAdvertisedHost: host, brokers.VarBrokerPort: port}}
	}
	actions := brokers.Actions()
	params := map[string]string{brokers.ParamBroker: "1", brokers.ParamThrottle: "1048576"}

	away, res, reasons := runStep(t, ctx, actions[brokers.ActionMoveAway], runtime.ActionRequest{Plan: "move-broker", Step: "move-away", Parameters: params, View: view})
	if !res.Done {
		t.Fatalf("move-away: %+v", res)
	}
	want := []string{
		"planned: move 2 partitions: m-0 [1 0]→[2 0], m-2 [2 1]→[2 0] (broker 1 holds 2 replicas)",
		"reassigning 2 partitions, throttled to 1.0 MB/s",
		"reassigning 2 partitions, 0 B left (0 done), throttled to 1.0 MB/s",
		"reassigning 2 partitions, 0 B left (0 done), throttled to 1.0 MB/s",
		"reassigned 2 partitions",
	}
	if strings.Join(reasons, "\n") != strings.Join(want, "\n") {
		t.Errorf("move-away reasons:\n%s\nwant:\n%s", strings.Join(reasons, "\n"), strings.Join(want, "\n"))
	}
	if got := m.assignment(); got != "map[0:[2 0] 1:[0 2] 2:[2 0]]" {
		t.Errorf("after move-away: %s", got)
	}
	r, err := kafkaclient.NewReassigner(ctx, kafkaclient.Security{}, addrs...)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if th, err := r.TopicThrottles(ctx, []string{"m"}); err != nil || fmt.Sprint(th) !=
		"map[m:map[follower.replication.throttled.replicas:0:2,2:0 leader.replication.throttled.replicas:0:1,0:0,2:2,2:1]]" {
		t.Errorf("throttled replicas while moving: %v %v", th, err)
	}
	if bt, err := kafkaclient.BrokerThrottles(ctx, kafkaclient.Security{}, addrs[1], 1); err != nil || bt[kafkaclient.LeaderThrottleRate] != "1048576" {
		t.Errorf("broker 1's rate while moving: %v %v", bt, err)
	}
	if err := actions[brokers.ActionMoveAway].Cleanup(ctx, away); err != nil {
		t.Fatal(err)
	}
	assertUnthrottled(t, ctx, r, addrs)

	back, res, reasons := runStep(t, ctx, actions[brokers.ActionMoveBack], runtime.ActionRequest{Plan: "move-broker", Step: "move-back",
		Parameters: params, PlanProgress: map[string]string{"move-away": away.Progress}, View: view})
	if !res.Done || reasons[len(reasons)-1] != "reassigned 2 partitions" {
		t.Fatalf("move-back: %+v %q", res, reasons)
	}
	if got := m.assignment(); got != "map[0:[1 0] 1:[0 2] 2:[2 1]]" {
		t.Errorf("after move-back: %s, want the assignment before the move", got)
	}
	if err := actions[brokers.ActionMoveBack].Cleanup(ctx, back); err != nil {
		t.Fatal(err)
	}
	assertUnthrottled(t, ctx, r, addrs)
}

func assertUnthrottled(t *testing.T, ctx context.Context, r *kafkaclient.Reassigner, addrs []string) {
	t.Helper()
	if th, err := r.TopicThrottles(ctx, []string{"m"}); err != nil || len(th) != 0 {
		t.Errorf("throttled replicas left: %v %v", th, err)
	}
	for i, addr := range addrs {
		if bt, err := kafkaclient.BrokerThrottles(ctx, kafkaclient.Security{}, addr, int32(i)); err != nil || len(bt) != 0 {
			t.Errorf("broker %d's throttle left: %v %v", i, bt, err)
		}
	}
}

// TestMoveRefusals: bad parameters and a partition with nowhere to go
// fail the step with the reason; an unplaced broker cannot be replaced.
func TestMoveRefusals(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, view := kfakeCluster(t) // topic t: RF 3 on 3 brokers
	actions := brokers.Actions()
	for _, tc := range []struct {
		action string
		params map[string]string
		want   string
	}{
		{brokers.ActionMoveAway, nil, "parameter BROKER_ID (or BROKER_IDS) is missing: which broker?"},
		{brokers.ActionMoveAway, map[string]string{brokers.ParamBroker: "x"}, `parameter BROKER_ID="x": want broker ids (numbers from 0)`},
		{brokers.ActionMoveAway, map[string]string{brokers.ParamBroker: "1", brokers.ParamThrottle: "0"}, `parameter THROTTLE="0": want a rate in bytes per second, at least 1`},
		{brokers.ActionMoveAway, map[string]string{brokers.ParamBroker: "1"},
			"no broker left to take the replica: t-0, t-1 (replication factor as high as the brokers that may hold it)"},
		{brokers.ActionReplaceBroker, map[string]string{brokers.ParamBroker: "7"}, "kafka-7 is not placed: nothing to replace"},
	} {
		res, err := actions[tc.action].Run(ctx, runtime.ActionRequest{Parameters: tc.params, View: view})
		if err != nil || !res.Failed || res.Reason != tc.want {
			t.Errorf("%s %v: %+v %v\nwant failed: %s", tc.action, tc.params, res, err, tc.want)
		}
	}
}

// TestReplaceBroker: the replace step asks for the pod's replacement
// with the launch it replaces, then waits for a new, ready launch.
func TestReplaceBroker(t *testing.T) {
	a := brokers.Actions()[brokers.ActionReplaceBroker]
	params := map[string]string{brokers.ParamBroker: "1"}
	view := func(id string, ready bool) scheduler.EnvView {
		return scheduler.EnvView{Placed: map[string]scheduler.PlacedTask{"kafka-1-broker": {
			Instance: scheduler.Instance{Pod: brokers.Pod, Index: 1}, Task: brokers.Task, TaskID: id, Ready: ready}}}
	}
	ctx := context.Background()
	res, err := a.Run(ctx, runtime.ActionRequest{Parameters: params, View: view("old", true)})
	if err != nil || len(res.Replace) != 1 || res.Replace[0].String() != "kafka-1" || res.Progress != `{"task":"old"}` {
		t.Fatalf("first run: %+v %v", res, err)
	}
	for _, tc := range []struct {
		view scheduler.EnvView
		done bool
		want string
	}{
		{view("old", true), false, "waiting for kafka-1 to relaunch on fresh resources"},
		{scheduler.EnvView{}, false, "waiting for kafka-1 to relaunch on fresh resources"},
		{view("new", false), false, "waiting for kafka-1 (launch new) to be ready"},
		{view("new", true), true, "kafka-1 replaced: launch new is ready"},
	} {
		res, err := a.Run(ctx, runtime.ActionRequest{Parameters: params, Progress: `{"task":"old"}`, View: tc.view})
		if err != nil || res.Done != tc.done || res.Reason != tc.want || len(res.Replace) != 0 {
			t.Errorf("%+v %v, want done=%v %q", res, err, tc.done, tc.want)
		}
	}
}

// TestDrainGuardOnKfake: removing broker 2 is refused while it holds
// replicas, saying how to drain it; the drain plan's step moves them to
// the others under a throttle its cleanup clears, after which the guard
// lets the removal go; a controller is never removed.
func TestDrainGuardOnKfake(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := kfake.NewCluster(kfake.NumBrokers(3))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	addrs := c.ListenAddrs()
	admin := kafkaclient.NewAdmin(addrs...)
	defer admin.Close()
	if err := admin.CreateTopic(ctx, kafkaclient.TopicSpec{Name: "m", Partitions: 3, ReplicationFactor: 2}); err != nil {
		t.Fatal(err)
	}
	m := &wireModel{addrs: addrs, replicas: map[int32][]int32{0: {1, 0}, 1: {0, 2}, 2: {2, 1}},
		pending: map[int32]int{}, targets: map[int32][]int32{}}
	m.install(c)
	view := scheduler.EnvView{Placed: map[string]scheduler.PlacedTask{}}
	for i, addr := range addrs {
		host, port, _ := net.SplitHostPort(addr)
		roles := "broker"
		if i == 0 {
			roles = "broker,controller"
		}
		view.Placed["kafka-"+strconv.Itoa(i)+"-broker"] = scheduler.PlacedTask{
			Instance: scheduler.Instance{Pod: brokers.Pod, Index: i}, Task: brokers.Task,
			Env: map[string]string{brokers.VarAdvertisedHost: host, brokers.VarBrokerPort: port, brokers.VarProcessRoles: roles}}
	}
	two := []scheduler.Instance{{Pod: brokers.Pod, Index: 2}}
	refusals, err := brokers.DrainGuard{}.BeforeDecommission(ctx, view, two)
	want := "pods.kafka.count: cannot remove brokers 2 while they hold replicas (broker 2 holds 2 replicas): " +
		"`kennel broker drain 2` moves them to the other brokers first, then lower brokers.count again"
	if err != nil || len(refusals) != 1 || refusals[0] != want {
		t.Fatalf("guard before the drain: %q %v\nwant %q", refusals, err, want)
	}

	drain := brokers.Actions()[brokers.ActionDrain]
	req, res, _ := runStep(t, ctx, drain, runtime.ActionRequest{Plan: "drain-brokers", Step: "drain",
		Parameters: map[string]string{brokers.ParamBrokers: "2"}, View: view})
	if !res.Done {
		t.Fatalf("drain: %+v", res)
	}
	if got := m.assignment(); got != "map[0:[1 0] 1:[0 1] 2:[0 1]]" {
		t.Errorf("after the drain: %s", got)
	}
	if err := drain.Cleanup(ctx, req); err != nil {
		t.Fatal(err)
	}
	r, err := kafkaclient.NewReassigner(ctx, kafkaclient.Security{}, addrs...)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	assertUnthrottled(t, ctx, r, addrs)
	if refusals, err := (brokers.DrainGuard{}).BeforeDecommission(ctx, view, two); err != nil || len(refusals) != 0 {
		t.Errorf("guard after the drain: %q %v", refusals, err)
	}
	refusals, err = brokers.DrainGuard{}.BeforeDecommission(ctx, view, []scheduler.Instance{{Pod: brokers.Pod, Index: 0}})
	if err != nil || len(refusals) != 2 || !strings.Contains(refusals[0], "broker 0 cannot be removed: it is a KRaft controller") {
		t.Errorf("removing a controller: %q %v", refusals, err)
	}
}
