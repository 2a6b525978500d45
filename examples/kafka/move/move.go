// Package move is the Kafka service's rules for moving replicas between
// brokers, as pure functions of a model of the cluster (its live brokers
// and each partition's replicas): which partitions a broker move or drain
// reassigns and where to, which replicas a replication throttle covers,
// how far a reassignment got, and which brokers still hold replicas. The
// rules are those of kafka-reassign-partitions.sh and DC/OS Kafka's
// operators' runbooks:
//
//   - moving broker N away replaces N, in each replica set that holds it,
//     by the live broker outside the set (and outside the brokers being
//     emptied) that holds the fewest replicas, ties to the lowest id; the
//     position (and so the preferred leader) is kept;
//   - a partition whose replica set already holds every eligible broker
//     cannot move: the move is refused, naming it (it would need a lower
//     replication factor);
//   - moving back restores each moved partition's replica set as it was
//     before the move (its order too, so N leads again where it led);
//   - the throttle covers, per topic, the partition's current replicas as
//     leaders (leader.replication.throttled.replicas) and the replicas
//     being added as followers (follower.replication.throttled.replicas),
//     and the rate is set on every broker in either set;
//   - a partition is done when no reassignment of it is in progress and
//     its replicas are the target; when none is in progress but its
//     replicas are not the target, the reassignment was cancelled or
//     overridden, and the move fails.
//
// The package does no IO: kafkaclient reads and changes the cluster,
// brokers' actions ask these rules.
package move

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Partition is one topic partition as the rules see it.
type Partition struct {
	Topic    string
	ID       int32
	Replicas []int32
}

func (p Partition) String() string { return fmt.Sprintf("%s-%d", p.Topic, p.ID) }

// Cluster is the model: the live brokers and the partitions.
type Cluster struct {
	Brokers    []int32
	Partitions []Partition
}

// Move is one partition's reassignment: its replicas before and after.
type Move struct {
	Topic string  `json:"topic"`
	ID    int32   `json:"partition"`
	From  []int32 `json:"from"`
	To    []int32 `json:"to"`
}

func (m Move) String() string { return fmt.Sprintf("%s-%d", m.Topic, m.ID) }

// ErrNoRoom is returned when a partition cannot leave a broker: every
// eligible broker already holds one of its replicas.
var ErrNoRoom = errors.New("no broker left to take the replica")

// Away plans the moves that empty the brokers in drain: each of their
// replicas goes to the eligible live broker (not drained, not already in
// the replica set) with the fewest replicas, ties to the lowest id.
// Partitions are planned in topic and partition order, so the same
// cluster gives the same plan.
func Away(c Cluster, drain []int32) ([]Move, error) {
	load := map[int32]int{}
	for _, b := range c.Brokers {
		load[b] = 0
	}
	for _, p := range c.Partitions {
		for _, r := range p.Replicas {
			load[r]++
		}
	}
	parts := slices.Clone(c.Partitions)
	sort.Slice(parts, func(i, j int) bool {
		return parts[i].Topic < parts[j].Topic || parts[i].Topic == parts[j].Topic && parts[i].ID < parts[j].ID
	})
	var out []Move
	var stuck []string
	for _, p := range parts {
		if !slices.ContainsFunc(p.Replicas, func(r int32) bool { return slices.Contains(drain, r) }) {
			continue
		}
		to := slices.Clone(p.Replicas)
		ok := true
		for i, r := range to {
			if !slices.Contains(drain, r) {
				continue
			}
			best := int32(-1)
			for _, b := range c.Brokers {
				if slices.Contains(drain, b) || slices.Contains(to, b) {
					continue
				}
				if best < 0 || load[b] < load[best] || load[b] == load[best] && b < best {
					best = b
				}
			}
			if best < 0 {
				ok = false
				break
			}
			to[i] = best
			load[best]++
			load[r]--
		}
		if !ok {
			stuck = append(stuck, p.String())
			continue
		}
		out = append(out, Move{Topic: p.Topic, ID: p.ID, From: slices.Clone(p.Replicas), To: to})
	}
	if len(stuck) > 0 {
		return nil, fmt.Errorf("%w: %s (replication factor as high as the brokers that may hold it)", ErrNoRoom, strings.Join(stuck, ", "))
	}
	return out, nil
}

// Back plans the moves that undo moved: each partition that still exists
// goes back to its replicas before the move. Partitions already there
// are left out; gone lists the partitions that no longer exist.
func Back(c Cluster, moved []Move) (moves []Move, gone []string) {
	for _, m := range moved {
		i := slices.IndexFunc(c.Partitions, func(p Partition) bool { return p.Topic == m.Topic && p.ID == m.ID })
		if i < 0 {
			gone = append(gone, m.String())
			continue
		}
		cur := c.Partitions[i].Replicas
		if slices.Equal(cur, m.From) {
			continue
		}
		moves = append(moves, Move{Topic: m.Topic, ID: m.ID, From: slices.Clone(cur), To: slices.Clone(m.From)})
	}
	return moves, gone
}

// Throttle is what a reassignment's replication throttle sets.
type Throttle struct {
	// Brokers get leader.replication.throttled.rate and
	// follower.replication.throttled.rate.
	Brokers []int32
	// Leaders and Followers are, per topic, the values of
	// leader.replication.throttled.replicas and
	// follower.replication.throttled.replicas ("partition:broker,...").
	Leaders, Followers map[string]string
}

// Throttles is the throttle that covers moves.
func Throttles(moves []Move) Throttle {
	t := Throttle{Leaders: map[string]string{}, Followers: map[string]string{}}
	leaders, followers := map[string][]string{}, map[string][]string{}
	for _, m := range moves {
		for _, r := range m.From {
			leaders[m.Topic] = append(leaders[m.Topic], replica(m.ID, r))
			if !slices.Contains(t.Brokers, r) {
				t.Brokers = append(t.Brokers, r)
			}
		}
		for _, r := range m.To {
			if slices.Contains(m.From, r) {
				continue
			}
			followers[m.Topic] = append(followers[m.Topic], replica(m.ID, r))
			if !slices.Contains(t.Brokers, r) {
				t.Brokers = append(t.Brokers, r)
			}
		}
	}
	slices.Sort(t.Brokers)
	for topic, rs := range leaders {
		t.Leaders[topic] = strings.Join(rs, ",")
	}
	for topic, rs := range followers {
		t.Followers[topic] = strings.Join(rs, ",")
	}
	return t
}

func replica(partition, broker int32) string {
	return strconv.Itoa(int(partition)) + ":" + strconv.Itoa(int(broker))
}

// Topics are the topics moves touch, sorted.
func Topics(moves []Move) []string {
	var out []string
	for _, m := range moves {
		if !slices.Contains(out, m.Topic) {
			out = append(out, m.Topic)
		}
	}
	slices.Sort(out)
	return out
}

// Progress is how far a reassignment got.
type Progress struct {
	// Moving are the moves still in progress; Done counts the others.
	Moving []Move
	Done   int
	// BytesLeft is what the replicas being added still have to copy, as
	// far as sizes tell (each added replica's size against its leader's).
	BytesLeft int64
}

// Finished reports whether every move is done.
func (p Progress) Finished() bool { return len(p.Moving) == 0 }

// String says how far the reassignment got, for a step's reason.
func (p Progress) String() string {
	if p.Finished() {
		return fmt.Sprintf("reassigned %d partitions", p.Done)
	}
	return fmt.Sprintf("reassigning %d partitions, %s left (%d done)", len(p.Moving), Bytes(p.BytesLeft), p.Done)
}

// Sizes are the sizes of partitions' replicas, by partition (topic-id)
// and broker.
type Sizes map[string]map[int32]int64

// Check says how far moves got: inProgress are the partitions (topic-id)
// a reassignment is in progress for, sizes their replicas' sizes. A move
// with none in progress whose replicas are not its target fails: the
// reassignment was cancelled or overridden.
func Check(c Cluster, moves []Move, inProgress map[string]bool, sizes Sizes) (Progress, error) {
	var p Progress
	var broken []string
	for _, m := range moves {
		if inProgress[m.String()] {
			p.Moving = append(p.Moving, m)
			p.BytesLeft += left(m, sizes[m.String()])
			continue
		}
		i := slices.IndexFunc(c.Partitions, func(q Partition) bool { return q.Topic == m.Topic && q.ID == m.ID })
		switch {
		case i < 0:
			broken = append(broken, m.String()+" no longer exists")
		case !slices.Equal(c.Partitions[i].Replicas, m.To):
			broken = append(broken, fmt.Sprintf("%s has replicas %v, not the target %v, and no reassignment of it is in progress (cancelled or overridden?)",
				m, c.Partitions[i].Replicas, m.To))
		default:
			p.Done++
		}
	}
	if len(broken) > 0 {
		return p, fmt.Errorf("reassignment failed: %s", strings.Join(broken, "; "))
	}
	return p, nil
}

// left is what m's added replicas still have to copy: the largest
// existing replica's size less each added replica's.
func left(m Move, sizes map[int32]int64) int64 {
	var src int64
	for _, r := range m.From {
		src = max(src, sizes[r])
	}
	var n int64
	for _, r := range m.To {
		if !slices.Contains(m.From, r) && sizes[r] < src {
			n += src - sizes[r]
		}
	}
	return n
}

// Holding counts, for each of brokers, the replicas it holds; brokers
// holding none are left out.
func Holding(c Cluster, brokers []int32) map[int32]int {
	out := map[int32]int{}
	for _, p := range c.Partitions {
		for _, r := range p.Replicas {
			if slices.Contains(brokers, r) {
				out[r]++
			}
		}
	}
	return out
}

// Bytes is n in the largest binary unit that keeps it at least 1, with
// one decimal ("3.4 MB"; Kafka's tools say MB for MiB).
func Bytes(n int64) string {
	units := []string{"B", "KB", "MB", "GB", "TB"}
	f := float64(n)
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s", f, units[i])
}
