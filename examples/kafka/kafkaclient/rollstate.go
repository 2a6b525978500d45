package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/segmentio/kafka-go"
)

// RollState is what the roll gates read of a cluster, all from one
// broker: its metadata, each topic's min.insync.replicas, and the KRaft
// quorum (nil when the broker does not answer DescribeQuorum, as the test
// broker does not).
type RollState struct {
	Metadata
	MinISR map[string]int
	Quorum *Quorum
}

// RollState reads the cluster through the first bootstrap broker that
// answers.
func (a *Admin) RollState(ctx context.Context) (RollState, error) {
	if len(a.bootstrap) == 0 {
		return RollState{}, errors.New("read cluster: no bootstrap brokers")
	}
	var errs []error
	for _, addr := range a.bootstrap {
		s, err := a.rollStateAt(ctx, addr)
		if err == nil {
			return s, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", addr, err))
		if ctx.Err() != nil {
			break
		}
	}
	return RollState{}, fmt.Errorf("read cluster: %w", errors.Join(errs...))
}

func (a *Admin) rollStateAt(ctx context.Context, addr string) (RollState, error) {
	c, err := DialSecure(ctx, addr, a.sec)
	if err != nil {
		return RollState{}, err
	}
	defer c.Close()
	m, err := c.Metadata(ctx)
	if err != nil {
		return RollState{}, err
	}
	s := RollState{Metadata: m, MinISR: map[string]int{}}
	switch q, err := c.DescribeQuorum(ctx); {
	case errors.Is(err, ErrUnsupported):
	case err != nil:
		return RollState{}, err
	default:
		s.Quorum = &q
	}
	if s.MinISR, err = a.minISR(ctx, addr, m); err != nil {
		return RollState{}, err
	}
	return s, nil
}

// minISR reads min.insync.replicas of every topic in m.
func (a *Admin) minISR(ctx context.Context, addr string, m Metadata) (map[string]int, error) {
	out := map[string]int{}
	var topics []string
	for _, p := range m.Partitions {
		if !slices.Contains(topics, p.Topic) {
			topics = append(topics, p.Topic)
		}
	}
	if len(topics) == 0 {
		return out, nil
	}
	req := &kafka.DescribeConfigsRequest{Addr: kafka.TCP(addr)}
	for _, t := range topics {
		req.Resources = append(req.Resources, kafka.DescribeConfigRequestResource{
			ResourceType: kafka.ResourceTypeTopic, ResourceName: t, ConfigNames: []string{"min.insync.replicas"}})
	}
	res, err := a.client.DescribeConfigs(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("DescribeConfigs: %w", err)
	}
	for _, r := range res.Resources {
		if r.Error != nil {
			return nil, fmt.Errorf("DescribeConfigs %s: %w", r.ResourceName, r.Error)
		}
		for _, e := range r.ConfigEntries {
			if e.ConfigName != "min.insync.replicas" {
				continue
			}
			n, err := strconv.Atoi(e.ConfigValue)
			if err != nil {
				return nil, fmt.Errorf("topic %s: min.insync.replicas=%q: %w", r.ResourceName, e.ConfigValue, err)
			}
			out[r.ResourceName] = n
		}
	}
	return out, nil
}
