package durability

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Check is what reading a topic back found, against the acknowledged
// records.
type Check struct {
	// Read is how many records the topic held.
	Read int
	// Missing are acknowledged records not found; Duplicated are
	// records found more than once; Unreadable are records whose value
	// is not a record number. Each should be empty.
	Missing, Duplicated []int
	Unreadable          int
	// Unacked are records found that were not acknowledged: sends that
	// failed or were unanswered but landed (allowed by Kafka's contract).
	Unacked []int
}

// OK reports whether every acknowledged record was read exactly once and
// nothing else was wrong.
func (c Check) OK() bool {
	return len(c.Missing) == 0 && len(c.Duplicated) == 0 && c.Unreadable == 0
}

// String is the check in one line.
func (c Check) String() string {
	s := fmt.Sprintf("%d records read; %d acknowledged missing, %d duplicated, %d unreadable, %d present but not acknowledged",
		c.Read, len(c.Missing), len(c.Duplicated), c.Unreadable, len(c.Unacked))
	if len(c.Missing) > 0 {
		s += fmt.Sprintf("; missing %v", head(c.Missing))
	}
	if len(c.Duplicated) > 0 {
		s += fmt.Sprintf("; duplicated %v", head(c.Duplicated))
	}
	return s
}

func head(s []int) []int { return s[:min(len(s), 20)] }

// Verify reads cfg's topic from its start to the end offsets it has when
// Verify begins (read_committed is not needed: the producer is not
// transactional) and checks it against acked, the numbers of the
// acknowledged records.
func Verify(ctx context.Context, cfg Config, acked []int) (Check, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Check{}, err
	}
	admin, err := kgo.NewClient(cfg.clientOpts()...)
	if err != nil {
		return Check{}, fmt.Errorf("durability: %w", err)
	}
	ends, err := kadm.NewClient(admin).ListEndOffsets(ctx, cfg.Topic)
	admin.Close()
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return Check{}, fmt.Errorf("durability: end offsets of %s: %w", cfg.Topic, err)
	}
	left := map[int32]int64{} // partition → end offset still to reach
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			left[o.Partition] = o.Offset
		}
	})
	cl, err := kgo.NewClient(append(cfg.clientOpts(),
		kgo.ConsumeTopics(cfg.Topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))...)
	if err != nil {
		return Check{}, fmt.Errorf("durability: %w", err)
	}
	defer cl.Close()
	seen := map[int]int{}
	var c Check
	for len(left) > 0 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return c, fmt.Errorf("durability: reading %s, %d partitions not read to their end: %w", cfg.Topic, len(left), err)
		}
		var fetchErr error
		fs.EachError(func(topic string, p int32, err error) {
			fetchErr = fmt.Errorf("durability: fetch %s-%d: %w", topic, p, err)
		})
		if fetchErr != nil {
			return c, fetchErr
		}
		fs.EachRecord(func(r *kgo.Record) {
			if end, ok := left[r.Partition]; !ok || r.Offset >= end {
				return // written after Verify began
			}
			c.Read++
			if n, err := strconv.Atoi(string(r.Value)); err == nil && n >= 0 {
				seen[n]++
			} else {
				c.Unreadable++
			}
			if r.Offset+1 >= left[r.Partition] {
				delete(left, r.Partition)
			}
		})
	}
	ack := make(map[int]bool, len(acked))
	for _, n := range acked {
		ack[n] = true
		if seen[n] == 0 {
			c.Missing = append(c.Missing, n)
		}
	}
	for n, k := range seen {
		if k > 1 {
			c.Duplicated = append(c.Duplicated, n)
		}
		if !ack[n] {
			c.Unacked = append(c.Unacked, n)
		}
	}
	slices.Sort(c.Missing)
	slices.Sort(c.Duplicated)
	slices.Sort(c.Unacked)
	return c, nil
}
