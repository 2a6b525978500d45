package brokers

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
)

// ServiceSource is what Bootstrap reads: the stored tasks, and the
// service's CA certificate (PEM; an error when it has none), which the
// runtime's Backend gives.
type ServiceSource interface {
	TaskSource
	CACertificate() ([]byte, error)
}

// Bootstrap returns the function the scheduler's Kafka clients (the topic
// API) find the cluster with: the listeners (host:port) of the live
// brokers the stored tasks launched, in node id order, and how to talk to
// them: their PLAINTEXT listeners, or, when the brokers have TLS
// listeners only, their SSL listeners trusting the service's CA.
func Bootstrap(s ServiceSource) func(ctx context.Context) ([]string, kafkaclient.Security, error) {
	return func(ctx context.Context) ([]string, kafkaclient.Security, error) {
		tasks, err := s.Tasks(ctx)
		if err != nil {
			return nil, kafkaclient.Security{}, fmt.Errorf("brokers: %w", err)
		}
		var live []placedBroker
		for _, b := range launched(tasks) {
			if b.Live {
				live = append(live, placedBroker{id: b.ID, addr: net.JoinHostPort(b.Host, strconv.Itoa(b.Port)), tls: b.TLS})
			}
		}
		var ca []byte
		for _, b := range live {
			if b.tls {
				if ca, err = s.CACertificate(); err != nil {
					return nil, kafkaclient.Security{}, fmt.Errorf("brokers: %w: %w", ErrNoCA, err)
				}
				break
			}
		}
		live, sec, err := access(live, ca)
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
