package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"sort"
	"strconv"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/segmentio/kafka-go/protocol/listoffsets"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Times ListOffsets takes besides a timestamp in milliseconds: the first
// offset still in the log and the next offset to be written.
const (
	OffsetFirst int64 = -2
	OffsetLast  int64 = -1
)

// ErrorName is Kafka's name of the protocol error err wraps, as the Kafka
// protocol documents it (TOPIC_ALREADY_EXISTS, UNKNOWN_TOPIC_OR_PARTITION),
// and false when err wraps none.
func ErrorName(err error) (string, bool) {
	var ke kafka.Error
	if !errors.As(err, &ke) {
		return "", false
	}
	var named *kerr.Error
	if errors.As(kerr.ErrorForCode(int16(ke)), &named) {
		return named.Message, true
	}
	return fmt.Sprintf("KAFKA_ERROR_%d", int16(ke)), true
}

// Topics are the names of the cluster's topics, sorted, internal ones
// (__consumer_offsets) included.
func (a *Admin) Topics(ctx context.Context) ([]string, error) {
	m, err := a.Describe(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, p := range m.Partitions {
		names[p.Topic] = true
	}
	return slices.Sorted(maps.Keys(names)), nil
}

// Topic is the partitions of the topic name, by id. A topic the cluster
// does not have is an error wrapping kafka.UnknownTopicOrPartition.
func (a *Admin) Topic(ctx context.Context, name string) ([]Partition, error) {
	m, err := a.Describe(ctx)
	if err != nil {
		return nil, err
	}
	out := m.partitions(func(p Partition) bool { return p.Topic == name })
	if len(out) == 0 {
		return nil, fmt.Errorf("topic %s: %w", name, kafka.UnknownTopicOrPartition)
	}
	return out, nil
}

// DeleteTopic deletes the topic name. A topic the cluster does not have is
// an error wrapping kafka.UnknownTopicOrPartition.
func (a *Admin) DeleteTopic(ctx context.Context, name string) error {
	res, err := a.client.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{name}})
	if err != nil {
		return fmt.Errorf("delete topic %s: %w", name, err)
	}
	if err := res.Errors[name]; err != nil {
		return fmt.Errorf("delete topic %s: %w", name, err)
	}
	return nil
}

// AddPartitions raises the topic's partition count to count. Kafka refuses
// a count that is not larger than the present one (kafka.InvalidPartitionNumber).
func (a *Admin) AddPartitions(ctx context.Context, name string, count int) error {
	res, err := a.client.CreatePartitions(ctx, &kafka.CreatePartitionsRequest{
		Topics: []kafka.TopicPartitionsConfig{{Name: name, Count: int32(count)}}})
	if err != nil {
		return fmt.Errorf("add partitions to %s: %w", name, err)
	}
	if err := res.Errors[name]; err != nil {
		return fmt.Errorf("add partitions to %s: %w", name, err)
	}
	return nil
}

// ConfigEntry is one of a topic's configs as the broker describes it.
type ConfigEntry struct {
	Name      string `json:"name"`
	Value     string `json:"value"`
	Default   bool   `json:"default"`
	ReadOnly  bool   `json:"read_only"`
	Sensitive bool   `json:"sensitive"`
}

// TopicConfig describes the topic's configs, by name.
func (a *Admin) TopicConfig(ctx context.Context, name string) ([]ConfigEntry, error) {
	res, err := a.client.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{
		{ResourceType: kafka.ResourceTypeTopic, ResourceName: name}}})
	if err != nil {
		return nil, fmt.Errorf("describe configs of %s: %w", name, err)
	}
	var out []ConfigEntry
	for _, r := range res.Resources {
		if r.Error != nil {
			return nil, fmt.Errorf("describe configs of %s: %w", name, r.Error)
		}
		for _, e := range r.ConfigEntries {
			// ConfigSource 5 is DEFAULT_CONFIG (v1+); IsDefault is v0's.
			out = append(out, ConfigEntry{Name: e.ConfigName, Value: e.ConfigValue, ReadOnly: e.ReadOnly,
				Sensitive: e.IsSensitive, Default: e.IsDefault || e.ConfigSource == 5})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// AlterTopicConfig sets the configs set and returns those of remove to
// their defaults, in one IncrementalAlterConfigs request.
func (a *Admin) AlterTopicConfig(ctx context.Context, name string, set map[string]string, remove []string) error {
	var ops []kafka.IncrementalAlterConfigsRequestConfig
	for _, k := range slices.Sorted(maps.Keys(set)) {
		ops = append(ops, kafka.IncrementalAlterConfigsRequestConfig{Name: k, Value: set[k], ConfigOperation: kafka.ConfigOperationSet})
	}
	for _, k := range remove {
		ops = append(ops, kafka.IncrementalAlterConfigsRequestConfig{Name: k, ConfigOperation: kafka.ConfigOperationDelete})
	}
	res, err := a.client.IncrementalAlterConfigs(ctx, &kafka.IncrementalAlterConfigsRequest{
		Resources: []kafka.IncrementalAlterConfigsRequestResource{{ResourceType: kafka.ResourceTypeTopic, ResourceName: name, Configs: ops}}})
	if err != nil {
		return fmt.Errorf("alter configs of %s: %w", name, err)
	}
	for _, r := range res.Resources {
		if r.Error != nil {
			return fmt.Errorf("alter configs of %s: %w", name, r.Error)
		}
	}
	return nil
}

// Offsets are the topic's offsets per partition at time: OffsetFirst,
// OffsetLast, or a timestamp in milliseconds (the earliest offset whose
// record is at or after it; -1 when there is none). Each partition's
// leader is asked, found in fresh metadata (a partition just added is
// asked at its leader at once).
func (a *Admin) Offsets(ctx context.Context, name string, time int64) (map[int32]int64, error) {
	m, err := a.Describe(ctx)
	if err != nil {
		return nil, err
	}
	byLeader := map[int32][]listoffsets.RequestPartition{}
	for _, p := range m.partitions(func(p Partition) bool { return p.Topic == name }) {
		byLeader[p.Leader] = append(byLeader[p.Leader], listoffsets.RequestPartition{Partition: p.ID, CurrentLeaderEpoch: -1, Timestamp: time})
	}
	if len(byLeader) == 0 {
		return nil, fmt.Errorf("topic %s: %w", name, kafka.UnknownTopicOrPartition)
	}
	out := map[int32]int64{}
	for _, leader := range slices.Sorted(maps.Keys(byLeader)) {
		addr, ok := m.address(leader)
		if !ok {
			return nil, fmt.Errorf("list offsets of %s: partition %d: %w", name, byLeader[leader][0].Partition, kafka.LeaderNotAvailable)
		}
		if err := listOffsetsAt(ctx, addr, a.sec, name, byLeader[leader], out); err != nil {
			return nil, fmt.Errorf("list offsets of %s at %s: %w", name, addr, err)
		}
	}
	return out, nil
}

// address is the host:port of the live broker node.
func (m Metadata) address(node int32) (string, bool) {
	for _, b := range m.Brokers {
		if b.ID == node {
			return net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port))), true
		}
	}
	return "", false
}

// listOffsetsAt asks the broker at addr for the offsets of the topic's
// partitions parts and adds them to out.
func listOffsetsAt(ctx context.Context, addr string, sec Security, topic string, parts []listoffsets.RequestPartition, out map[int32]int64) error {
	c, err := DialSecure(ctx, addr, sec)
	if err != nil {
		return err
	}
	defer c.Close()
	v, err := c.version(protocol.ListOffsets, 1, 5)
	if err != nil {
		return err
	}
	res, err := c.roundTrip(ctx, v, &listoffsets.Request{ReplicaID: -1,
		Topics: []listoffsets.RequestTopic{{Topic: topic, Partitions: parts}}})
	if err != nil {
		return fmt.Errorf("ListOffsets: %w", err)
	}
	for _, t := range res.(*listoffsets.Response).Topics {
		for _, p := range t.Partitions {
			if p.ErrorCode != 0 {
				return fmt.Errorf("partition %d: %w", p.Partition, kafka.Error(p.ErrorCode))
			}
			out[p.Partition] = p.Offset
		}
	}
	return nil
}
