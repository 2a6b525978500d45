// Package roll is the Kafka service's rolling-restart safety rules, as
// pure functions of a model of the cluster: its live brokers, its
// partitions (replicas, in-sync replicas, the topic's min.insync.replicas)
// and its KRaft controller quorum. The rules are Strimzi's KafkaRoller's
// (reference kafka.md §3.1) and the issue's:
//
//   - a broker that is not running may always restart: there is nothing
//     left to keep available;
//   - no broker restarts while a partition it hosts would drop below
//     min.insync.replicas (Strimzi's canRoll; a partition with no more
//     replicas than min.insync.replicas can never satisfy it and is
//     ignored, as Strimzi does since issue #2964);
//   - no broker restarts while any partition is under-replicated;
//   - a controller restarts only while a majority of the other voters is
//     caught up with the leader (Strimzi's KafkaQuorumCheck; a quorum of
//     one is allowed);
//   - the active controller restarts last: while other brokers still wait
//     to restart, it waits;
//   - after a restart, the next broker waits until this one is live and
//     back in the in-sync replicas of every partition it hosts (and, a
//     controller, caught up with the leader).
//
// The package does no IO: kafkaclient reads the cluster, brokers' gates
// build the model and ask these rules.
package roll

import (
	"fmt"
	"slices"
	"strings"
)

// Partition is one topic partition as the rules see it.
type Partition struct {
	Topic    string
	ID       int32
	Replicas []int32
	ISR      []int32
	// MinISR is the topic's min.insync.replicas (1 when unknown).
	MinISR int
}

func (p Partition) String() string { return fmt.Sprintf("topic %s partition %d", p.Topic, p.ID) }

// Voter is a KRaft controller quorum voter: whether it is caught up with
// the leader.
type Voter struct {
	ID       int32
	CaughtUp bool
}

// Cluster is the model the rules read.
type Cluster struct {
	// Live are the brokers the cluster's metadata lists.
	Live       []int32
	Partitions []Partition
	// Voters are the controller quorum's voters and Leader the active
	// controller; no voters (a broker that does not answer
	// DescribeQuorum) skips the quorum rules, Leader -1 the
	// controller-last rule.
	Voters []Voter
	Leader int32
}

// Verdict is a rule's answer: OK, or why not.
type Verdict struct {
	OK     bool
	Reason string
}

func ok() Verdict { return Verdict{OK: true} }

func wait(format string, args ...any) Verdict { return Verdict{Reason: fmt.Sprintf(format, args...)} }

// BeforeRestart says whether broker b (named name in reasons, "kafka-1")
// may restart now. remaining are the other brokers that still wait to
// restart in this roll (for the controller-last rule; none for a single
// `pod restart`).
func BeforeRestart(c Cluster, b int32, name string, remaining []int32) Verdict {
	if !slices.Contains(c.Live, b) {
		return ok()
	}
	if v := CanRoll(c, b, name); !v.OK {
		return v
	}
	if urp := c.underReplicated(); len(urp) > 0 {
		return wait("%d partitions are under-replicated (%s); %s restarts once every replica is in sync",
			len(urp), describe(urp, 3), name)
	}
	if v := QuorumKept(c, b, name); !v.OK {
		return v
	}
	others := slices.DeleteFunc(slices.Clone(remaining), func(id int32) bool { return id == b })
	if c.Leader == b && len(others) > 0 {
		return wait("%s is the active controller; it restarts last (still to restart: %s)", name, ids(others))
	}
	return ok()
}

// CanRoll is Strimzi's availability rule: restarting b must take no
// partition with b in its ISR below min.insync.replicas, and b may not
// restart while a partition it hosts is already below it.
func CanRoll(c Cluster, b int32, name string) Verdict {
	for _, p := range c.Partitions {
		min := max(p.MinISR, 1)
		if !slices.Contains(p.Replicas, b) || len(p.Replicas) <= min {
			continue
		}
		switch inISR := slices.Contains(p.ISR, b); {
		case len(p.ISR) < min:
			return wait("%s is below min.insync.replicas=%d (in sync: %s); %s restarts once it has caught up",
				p, min, ids(p.ISR), name)
		case inISR && len(p.ISR)-1 < min:
			return wait("restarting %s would take %s below min.insync.replicas=%d (in sync: %s)",
				name, p, min, ids(p.ISR))
		}
	}
	return ok()
}

// QuorumKept is Strimzi's quorum rule: a controller restarts only while
// a majority of the other voters is caught up.
func QuorumKept(c Cluster, b int32, name string) Verdict {
	if !c.isVoter(b) || len(c.Voters) <= 1 {
		return ok()
	}
	caught := 0
	for _, v := range c.Voters {
		if v.ID != b && v.CaughtUp {
			caught++
		}
	}
	if need := len(c.Voters)/2 + 1; caught < need {
		return wait("restarting %s would leave %d of %d controllers caught up, short of a majority of %d",
			name, caught, len(c.Voters), need)
	}
	return ok()
}

// AfterReady says whether broker b, just restarted, has recovered: it is
// live, in the ISR of every partition it hosts, and (a voter) caught up.
func AfterReady(c Cluster, b int32, name string) Verdict {
	if !slices.Contains(c.Live, b) {
		return wait("%s is not back in the cluster's metadata yet", name)
	}
	var out []Partition
	for _, p := range c.Partitions {
		if slices.Contains(p.Replicas, b) && !slices.Contains(p.ISR, b) {
			out = append(out, p)
		}
	}
	if len(out) > 0 {
		return wait("%s is not back in the in-sync replicas of %d partitions (%s)", name, len(out), describe(out, 3))
	}
	for _, v := range c.Voters {
		if v.ID == b && !v.CaughtUp {
			return wait("%s has not caught up with the controller quorum's leader", name)
		}
	}
	return ok()
}

func (c Cluster) isVoter(b int32) bool {
	return slices.ContainsFunc(c.Voters, func(v Voter) bool { return v.ID == b })
}

func (c Cluster) underReplicated() []Partition {
	var out []Partition
	for _, p := range c.Partitions {
		for _, r := range p.Replicas {
			if !slices.Contains(p.ISR, r) {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// describe names the first n partitions.
func describe(ps []Partition, n int) string {
	var parts []string
	for i, p := range ps {
		if i == n {
			parts = append(parts, fmt.Sprintf("and %d more", len(ps)-n))
			break
		}
		parts = append(parts, fmt.Sprintf("%s-%d in sync %s of %s", p.Topic, p.ID, ids(p.ISR), ids(p.Replicas)))
	}
	return strings.Join(parts, ", ")
}

func ids(s []int32) string {
	parts := make([]string, len(s))
	for i, id := range s {
		parts[i] = fmt.Sprint(id)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
