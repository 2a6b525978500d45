package kafkaclient

import (
	"cmp"
	"fmt"
	"slices"
)

// Metadata is one broker's answer to Metadata: the cluster as it sees it.
type Metadata struct {
	ClusterID string
	// Controller is the node id of the active controller as the broker
	// reports it (-1 when it knows none).
	Controller  int32
	Brokers     []Broker
	Partitions  []Partition
	TopicErrors []TopicError
}

// Broker is one live broker in Metadata.
type Broker struct {
	ID   int32
	Host string
	Port int32
	Rack string
}

// Partition is one topic partition: its leader's node id (-1 when it has
// none), its replicas' and in-sync replicas' node ids, the replicas that are
// offline, and the partition's error, if any.
type Partition struct {
	Topic    string
	ID       int32
	Leader   int32
	Replicas []int32
	ISR      []int32
	Offline  []int32
	Err      error
}

// TopicError is a topic the broker answered with an error and no partitions.
type TopicError struct {
	Topic string
	Err   error
}

// String is Kafka's name of the partition: topic-id.
func (p Partition) String() string { return fmt.Sprintf("%s-%d", p.Topic, p.ID) }

// UnderReplicated reports whether fewer replicas are in sync than the
// partition has.
func (p Partition) UnderReplicated() bool {
	for _, r := range p.Replicas {
		if !slices.Contains(p.ISR, r) {
			return true
		}
	}
	return false
}

// Hosts reports whether node is one of the partition's replicas (the leader
// is one).
func (p Partition) Hosts(node int32) bool {
	return slices.Contains(p.Replicas, node) || p.Leader == node
}

// HasBroker reports whether node is among the live brokers.
func (m Metadata) HasBroker(node int32) bool {
	return slices.ContainsFunc(m.Brokers, func(b Broker) bool { return b.ID == node })
}

// BrokerIDs are the live brokers' node ids, ascending.
func (m Metadata) BrokerIDs() []int32 {
	ids := make([]int32, 0, len(m.Brokers))
	for _, b := range m.Brokers {
		ids = append(ids, b.ID)
	}
	slices.Sort(ids)
	return ids
}

// UnderReplicated are the under-replicated partitions, by topic and id.
func (m Metadata) UnderReplicated() []Partition {
	return m.partitions(func(p Partition) bool { return p.UnderReplicated() })
}

// UnderReplicatedOn are the under-replicated partitions that node hosts, as
// leader or replica: those whose replicas wait for node, or for which node
// waits for another.
func (m Metadata) UnderReplicatedOn(node int32) []Partition {
	return m.partitions(func(p Partition) bool { return p.Hosts(node) && p.UnderReplicated() })
}

// UnderReplicatedByBroker counts, for every node id that hosts at least one
// under-replicated partition, how many it hosts.
func (m Metadata) UnderReplicatedByBroker() map[int32]int {
	out := map[int32]int{}
	for _, p := range m.UnderReplicated() {
		for _, r := range p.Replicas {
			out[r]++
		}
	}
	return out
}

func (m Metadata) partitions(keep func(Partition) bool) []Partition {
	var out []Partition
	for _, p := range m.Partitions {
		if keep(p) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b Partition) int {
		return cmp.Or(cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.ID, b.ID))
	})
	return out
}
