package brokers

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/scheduler"
)

// ServiceSource is what Bootstrap reads: the stored tasks, and the
// service's CA certificate and secret seeds (the admin's password) in the
// scheduler's EnvView, which the runtime's Backend gives.
type ServiceSource interface {
	TaskSource
	EnvView(ctx context.Context) (scheduler.EnvView, error)
}

// Bootstrap returns the function the scheduler's Kafka clients (the topic
// and user API) find the cluster with: the listeners (host:port) of the
// live brokers the stored tasks launched, in node id order, and how to
// talk to them: their PLAINTEXT listeners, or, when the brokers have TLS
// listeners only, their SSL listeners trusting the service's CA; logged
// in as AdminUser when they require SASL/SCRAM.
func Bootstrap(s ServiceSource) func(ctx context.Context) ([]string, kafkaclient.Security, error) {
	return func(ctx context.Context) ([]string, kafkaclient.Security, error) {
		tasks, err := s.Tasks(ctx)
		if err != nil {
			return nil, kafkaclient.Security{}, fmt.Errorf("brokers: %w", err)
		}
		var live []placedBroker
		secure := false
		for _, b := range launched(tasks) {
			if b.Live {
				live = append(live, placedBroker{id: b.ID, addr: net.JoinHostPort(b.Host, strconv.Itoa(b.Port)), tls: b.TLS, scram: b.SCRAM})
				secure = secure || b.TLS || b.SCRAM
			}
		}
		var view scheduler.EnvView
		if secure {
			if view, err = s.EnvView(ctx); err != nil {
				return nil, kafkaclient.Security{}, fmt.Errorf("brokers: %w", err)
			}
		}
		live, sec, err := access(live, view.CACert, view.SecretSeeds)
		if err != nil {
			return nil, sec, fmt.Errorf("brokers: %w", err)
		}
		addrs := make([]string, len(live))
		for i, b := range live {
			addrs[i] = b.addr
		}
		return addrs, sec, nil
	}
}
