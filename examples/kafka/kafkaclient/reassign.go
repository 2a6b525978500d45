package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// Kafka's replication throttle settings (kafka-reassign-partitions.sh's):
// the rates are dynamic broker configs, the throttled replicas topic
// configs.
const (
	LeaderThrottleRate        = "leader.replication.throttled.rate"
	FollowerThrottleRate      = "follower.replication.throttled.rate"
	LeaderThrottledReplicas   = "leader.replication.throttled.replicas"
	FollowerThrottledReplicas = "follower.replication.throttled.replicas"
)

// Reassigner moves partitions between brokers and throttles the
// replication that moves them, through franz-go's admin client (kadm):
// AlterPartitionReassignments, ListPartitionReassignments,
// IncrementalAlterConfigs, DescribeConfigs and DescribeLogDirs. A broker's
// own configs are changed through that broker alone (BrokerThrottle), as
// Kafka wants them. It is safe for concurrent use; Close releases it.
type Reassigner struct {
	cl  *kgo.Client
	adm *kadm.Client
}

// NewReassigner returns a Reassigner for the cluster through the first of
// seeds (host:port) that answers, in order (franz-go would pick a seed at
// random; the first is the one the caller trusts most: a test broker
// knows only its own cluster), over TLS and with SCRAM as sec says.
func NewReassigner(ctx context.Context, sec Security, seeds ...string) (*Reassigner, error) {
	if len(seeds) == 0 {
		return nil, errors.New("reassign: no bootstrap brokers")
	}
	var errs []error
	for _, seed := range seeds {
		opts := []kgo.Opt{kgo.SeedBrokers(seed), kgo.ClientID(ClientID), kgo.DialTimeout(5 * time.Second), kgo.RequestRetries(2)}
		if sec.TLS != nil {
			opts = append(opts, kgo.DialTLSConfig(sec.TLS.Clone())) // franz-go sets each broker's ServerName
		}
		if sec.SCRAM != nil {
			opts = append(opts, kgo.SASL(scram.Auth{User: sec.SCRAM.User, Pass: sec.SCRAM.Password}.AsSha512Mechanism()))
		}
		cl, err := kgo.NewClient(opts...)
		if err != nil {
			return nil, fmt.Errorf("reassign: %w", err)
		}
		if err := cl.Ping(ctx); err != nil {
			cl.Close()
			errs = append(errs, fmt.Errorf("%s: %w", seed, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		return &Reassigner{cl: cl, adm: kadm.NewClient(cl)}, nil
	}
	return nil, fmt.Errorf("reassign: no broker answers: %w", errors.Join(errs...))
}

// Close closes the client's connections.
func (r *Reassigner) Close() { r.cl.Close() }

// Assignment is the cluster's live brokers and each partition's replicas.
type Assignment struct {
	Brokers    []int32
	Partitions []Partition
}

// Target is a partition's wanted replicas (the first is the preferred
// leader).
type Target struct {
	Topic     string
	Partition int32
	Replicas  []int32
}

func (t Target) String() string { return fmt.Sprintf("%s-%d", t.Topic, t.Partition) }

// Assignment reads the live brokers and the replicas of every partition
// (internal topics included: they move too), asked afresh (kadm's
// Metadata would answer from a cache up to 5s old, and a reassignment's
// end must not be missed).
func (r *Reassigner) Assignment(ctx context.Context) (Assignment, error) {
	req := kmsg.NewPtrMetadataRequest()
	resp, err := req.RequestWith(ctx, r.cl)
	if err != nil {
		return Assignment{}, fmt.Errorf("read assignment: %w", err)
	}
	var a Assignment
	for _, b := range resp.Brokers {
		a.Brokers = append(a.Brokers, b.NodeID)
	}
	slices.Sort(a.Brokers)
	for _, t := range resp.Topics {
		name := ""
		if t.Topic != nil {
			name = *t.Topic
		}
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			return Assignment{}, fmt.Errorf("read assignment: topic %s: %w", name, err)
		}
		for _, p := range t.Partitions {
			a.Partitions = append(a.Partitions, Partition{Topic: name, ID: p.Partition, Leader: p.Leader,
				Replicas: slices.Clone(p.Replicas), ISR: slices.Clone(p.ISR), Offline: slices.Clone(p.OfflineReplicas),
				Err: kerr.ErrorForCode(p.ErrorCode)})
		}
	}
	slices.SortFunc(a.Partitions, func(x, y Partition) int {
		if c := strings.Compare(x.Topic, y.Topic); c != 0 {
			return c
		}
		return int(x.ID - y.ID)
	})
	return a, nil
}

// Reassign asks the controller to move each target's partition onto its
// replicas (AlterPartitionReassignments). Asking again for a move under
// way is harmless. An error names every partition Kafka refused.
func (r *Reassigner) Reassign(ctx context.Context, targets []Target) error {
	if len(targets) == 0 {
		return nil
	}
	req := kadm.AlterPartitionAssignmentsReq{}
	for _, t := range targets {
		req.Assign(t.Topic, t.Partition, t.Replicas)
	}
	res, err := r.adm.AlterPartitionAssignments(ctx, req)
	if err != nil {
		return fmt.Errorf("AlterPartitionReassignments: %w", err)
	}
	var errs []error
	for _, p := range res.Sorted() {
		if p.Err != nil {
			msg := p.Err.Error()
			if p.ErrMessage != "" {
				msg += ": " + p.ErrMessage
			}
			errs = append(errs, fmt.Errorf("%s-%d: %s", p.Topic, p.Partition, msg))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("AlterPartitionReassignments: %w", errors.Join(errs...))
	}
	return nil
}

// Reassigning lists which of targets' partitions a reassignment is in
// progress for (ListPartitionReassignments), by topic-partition name.
func (r *Reassigner) Reassigning(ctx context.Context, targets []Target) (map[string]bool, error) {
	set := kadm.TopicsSet{}
	for _, t := range targets {
		set.Add(t.Topic, t.Partition)
	}
	res, err := r.adm.ListPartitionReassignments(ctx, set)
	if err != nil {
		return nil, fmt.Errorf("ListPartitionReassignments: %w", err)
	}
	out := map[string]bool{}
	res.Each(func(p kadm.ListPartitionReassignmentsResponse) {
		out[fmt.Sprintf("%s-%d", p.Topic, p.Partition)] = true
	})
	return out, nil
}

// ReplicaSizes are the sizes of targets' partitions' replicas
// (DescribeLogDirs on every broker), by topic-partition name and broker.
func (r *Reassigner) ReplicaSizes(ctx context.Context, targets []Target) (map[string]map[int32]int64, error) {
	set := kadm.TopicsSet{}
	for _, t := range targets {
		set.Add(t.Topic, t.Partition)
	}
	out := map[string]map[int32]int64{}
	if len(set) == 0 {
		return out, nil
	}
	dirs, err := r.adm.DescribeAllLogDirs(ctx, set)
	if err != nil {
		return nil, fmt.Errorf("DescribeLogDirs: %w", err)
	}
	dirs.Each(func(d kadm.DescribedLogDir) {
		d.Topics.Each(func(p kadm.DescribedLogDirPartition) {
			key := fmt.Sprintf("%s-%d", p.Topic, p.Partition)
			if out[key] == nil {
				out[key] = map[int32]int64{}
			}
			out[key][p.Broker] += p.Size
		})
	})
	return out, nil
}

// ThrottleTopic sets topic's throttled replicas: leaders and followers
// are "partition:broker,..." lists (empty: that side is not throttled).
func (r *Reassigner) ThrottleTopic(ctx context.Context, topic, leaders, followers string) error {
	var cfgs []kadm.AlterConfig
	for _, kv := range [][2]string{{LeaderThrottledReplicas, leaders}, {FollowerThrottledReplicas, followers}} {
		if kv[1] == "" {
			cfgs = append(cfgs, kadm.AlterConfig{Op: kadm.DeleteConfig, Name: kv[0]})
			continue
		}
		v := kv[1]
		cfgs = append(cfgs, kadm.AlterConfig{Op: kadm.SetConfig, Name: kv[0], Value: &v})
	}
	return alterResult(r.adm.AlterTopicConfigs(ctx, cfgs, topic))
}

// UnthrottleTopics removes the throttled replicas of topics; a topic
// that no longer exists has none.
func (r *Reassigner) UnthrottleTopics(ctx context.Context, topics []string) error {
	if len(topics) == 0 {
		return nil
	}
	cfgs := []kadm.AlterConfig{{Op: kadm.DeleteConfig, Name: LeaderThrottledReplicas}, {Op: kadm.DeleteConfig, Name: FollowerThrottledReplicas}}
	res, err := r.adm.AlterTopicConfigs(ctx, cfgs, topics...)
	res = slices.DeleteFunc(res, func(a kadm.AlterConfigsResponse) bool { return errors.Is(a.Err, kerr.UnknownTopicOrPartition) })
	return alterResult(res, err)
}

// TopicThrottles are the throttled-replica configs set on topics (those
// set only), by topic and config name.
func (r *Reassigner) TopicThrottles(ctx context.Context, topics []string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	if len(topics) == 0 {
		return out, nil
	}
	res, err := r.adm.DescribeTopicConfigs(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("DescribeConfigs: %w", err)
	}
	for _, rc := range res {
		if rc.Err != nil {
			return nil, fmt.Errorf("DescribeConfigs %s: %w", rc.Name, rc.Err)
		}
		for _, c := range rc.Configs {
			if (c.Key == LeaderThrottledReplicas || c.Key == FollowerThrottledReplicas) && c.Value != nil && *c.Value != "" {
				if out[rc.Name] == nil {
					out[rc.Name] = map[string]string{}
				}
				out[rc.Name][c.Key] = *c.Value
			}
		}
	}
	return out, nil
}

// BrokerThrottle sets (rate > 0) or removes (rate 0) broker id's leader
// and follower replication throttle rates, in bytes/s, through the
// broker's own listener addr.
func BrokerThrottle(ctx context.Context, sec Security, addr string, id int32, rate int64) error {
	r, err := NewReassigner(ctx, sec, addr)
	if err != nil {
		return err
	}
	defer r.Close()
	var cfgs []kadm.AlterConfig
	for _, name := range []string{LeaderThrottleRate, FollowerThrottleRate} {
		if rate <= 0 {
			cfgs = append(cfgs, kadm.AlterConfig{Op: kadm.DeleteConfig, Name: name})
			continue
		}
		v := strconv.FormatInt(rate, 10)
		cfgs = append(cfgs, kadm.AlterConfig{Op: kadm.SetConfig, Name: name, Value: &v})
	}
	if err := alterResult(r.adm.AlterBrokerConfigs(ctx, cfgs, id)); err != nil {
		return fmt.Errorf("broker %d: %w", id, err)
	}
	return nil
}

// BrokerThrottles reads broker id's throttle rates that are set, through
// the broker's own listener addr, by config name.
func BrokerThrottles(ctx context.Context, sec Security, addr string, id int32) (map[string]string, error) {
	r, err := NewReassigner(ctx, sec, addr)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	res, err := r.adm.DescribeBrokerConfigs(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("broker %d: DescribeConfigs: %w", id, err)
	}
	out := map[string]string{}
	for _, rc := range res {
		if rc.Err != nil {
			return nil, fmt.Errorf("broker %d: DescribeConfigs: %w", id, rc.Err)
		}
		for _, c := range rc.Configs {
			if (c.Key == LeaderThrottleRate || c.Key == FollowerThrottleRate) && c.Value != nil && *c.Value != "" {
				out[c.Key] = *c.Value
			}
		}
	}
	return out, nil
}

// alterResult is the error of an IncrementalAlterConfigs, naming each
// resource Kafka refused.
func alterResult(res kadm.AlterConfigsResponses, err error) error {
	if err != nil {
		return fmt.Errorf("IncrementalAlterConfigs: %w", err)
	}
	var errs []error
	for _, r := range res {
		if r.Err != nil {
			msg := r.Err.Error()
			if r.ErrMessage != "" {
				msg += ": " + r.ErrMessage
			}
			errs = append(errs, fmt.Errorf("%s: %s", r.Name, msg))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("IncrementalAlterConfigs: %w", errors.Join(errs...))
	}
	return nil
}
