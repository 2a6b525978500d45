package brokers

import (
	"context"
	"fmt"
	"net"
	"strconv"
)

// Bootstrap returns the function the scheduler's Kafka clients (the topic
// API) find the cluster with: the advertised addresses (host:port) of the
// live brokers the stored tasks launched, in node id order.
func Bootstrap(s TaskSource) func(ctx context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) {
		tasks, err := s.Tasks(ctx)
		if err != nil {
			return nil, fmt.Errorf("brokers: %w", err)
		}
		var addrs []string
		for _, b := range launched(tasks) {
			if b.Live {
				addrs = append(addrs, net.JoinHostPort(b.Host, strconv.Itoa(b.Port)))
			}
		}
		return addrs, nil
	}
}
