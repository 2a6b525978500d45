// Package probe is the Kafka broker's readiness check: a Kafka protocol
// round trip against the broker's own listener, without a JVM. A broker is
// ready when it answers ApiVersions and its Metadata lists the broker itself
// (its node id), which a KRaft broker does once the controller has admitted
// it; with the ISR option also only when no partition it hosts, as leader
// or replica, is under-replicated.
package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/kennel-sdk/kennel/examples/kafka/brokerconfig"
	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
)

// ErrNotReady is wrapped by every answer that says the broker is not ready
// yet; its message is one short line saying what the probe waits for.
var ErrNotReady = errors.New("not ready")

// Options are what readiness requires beyond the broker answering as itself.
type Options struct {
	// ISR also requires that no partition the broker hosts is
	// under-replicated (the spec's readiness.isr).
	ISR bool
	// TLS, when set, speaks TLS to the broker's SSL listener.
	TLS *tls.Config
	// SCRAM, when set, logs in with SASL/SCRAM-SHA-512 (a SASL listener).
	SCRAM *kafkaclient.SCRAM
}

// Target is the broker to probe: where its listener is and which node id it
// must answer as.
type Target struct {
	Addr   string
	NodeID int32
}

// TargetOf is the broker of cfg: its broker listener's address, where a
// listener on every interface is reached at host (the task's own address,
// $MESOS_CONTAINER_IP; 127.0.0.1 when empty).
func TargetOf(cfg brokerconfig.Config, host string) Target {
	h := cfg.Listener.Host
	if cfg.Listener.Wildcard() {
		h = host
		if h == "" {
			h = "127.0.0.1"
		}
	}
	return Target{Addr: net.JoinHostPort(h, strconv.Itoa(cfg.Listener.Port)), NodeID: cfg.NodeID}
}

// Check probes t once, within ctx. It returns nil when the broker is ready
// and an error wrapping ErrNotReady (one line: what it waits for) when not.
func Check(ctx context.Context, t Target, opts Options) error {
	c, err := kafkaclient.DialSecure(ctx, t.Addr, kafkaclient.Security{TLS: opts.TLS, SCRAM: opts.SCRAM})
	if err != nil {
		return fmt.Errorf("%w: broker %d not answering on %s: %s", ErrNotReady, t.NodeID, t.Addr, short(err))
	}
	defer c.Close()
	m, err := c.Metadata(ctx)
	if err != nil {
		return fmt.Errorf("%w: broker %d on %s: %s", ErrNotReady, t.NodeID, t.Addr, short(err))
	}
	return Ready(m, t.NodeID, opts)
}

// Ready decides readiness from the broker's Metadata answer.
func Ready(m kafkaclient.Metadata, node int32, opts Options) error {
	if !m.HasBroker(node) {
		return fmt.Errorf("%w: broker %d not in metadata yet (brokers: %s)", ErrNotReady, node, ids(m.BrokerIDs()))
	}
	if !opts.ISR {
		return nil
	}
	if urp := m.UnderReplicatedOn(node); len(urp) > 0 {
		names := make([]string, 0, len(urp))
		for _, p := range urp {
			names = append(names, p.String())
		}
		const show = 5
		list := strings.Join(names[:min(show, len(names))], ", ")
		if len(names) > show {
			list += fmt.Sprintf(" and %d more", len(names)-show)
		}
		noun := "partitions"
		if len(urp) == 1 {
			noun = "partition"
		}
		return fmt.Errorf("%w: %d %s under-replicated: %s", ErrNotReady, len(urp), noun, list)
	}
	return nil
}

func ids(ids []int32) string {
	if len(ids) == 0 {
		return "none"
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(int(id))
	}
	return strings.Join(s, ",")
}

// short is err's innermost cause worth showing: "connection refused"
// rather than "dial tcp 127.0.0.1:9092: connect: connection refused".
func short(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		err = op.Err
	}
	s := err.Error()
	if _, after, ok := strings.Cut(s, "connect: "); ok {
		s = after
	}
	return strings.ReplaceAll(s, "\n", " ")
}
