package brokers

import (
	"errors"
	"fmt"
	"net"

	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
)

// ErrNoCA is a broker with only a TLS listener while the scheduler has
// no CA certificate to trust it with.
var ErrNoCA = errors.New("the brokers listen with TLS only, and the scheduler has no CA certificate")

// clientListener is the listener (host:port) the scheduler reaches a
// broker through, from its launch environment env, and whether it is the
// TLS one: the PLAINTEXT listener when the broker has one (no transport
// encryption, or allow_plaintext), else its SSL listener. ok is false
// when env lacks the host or port.
func clientListener(env map[string]string) (addr string, tls, ok bool) {
	host := env[VarAdvertisedHost]
	port := env[VarBrokerPort]
	if env[VarTLSSection] == "true" && env[VarPlaintextSection] != "true" {
		port, tls = env[VarBrokerPortTLS], true
	}
	if host == "" || port == "" {
		return "", false, false
	}
	return net.JoinHostPort(host, port), tls, true
}

// security is how the scheduler talks to brokers whose listeners are TLS
// ones (or not): over TLS trusting only the service's CA caPEM.
func security(tls bool, caPEM []byte) (kafkaclient.Security, error) {
	if !tls {
		return kafkaclient.Security{}, nil
	}
	if len(caPEM) == 0 {
		return kafkaclient.Security{}, ErrNoCA
	}
	s, err := kafkaclient.TrustCA(caPEM)
	if err != nil {
		return kafkaclient.Security{}, fmt.Errorf("the service's CA: %w", err)
	}
	return s, nil
}

// access is the listeners of brokers and how to talk to them: one
// Security for all, so the brokers of the other kind (a roll from
// plaintext to TLS under way) are left out; TLS wins when any broker
// has TLS only.
func access(bs []placedBroker, caPEM []byte) ([]placedBroker, kafkaclient.Security, error) {
	anyTLS := false
	for _, b := range bs {
		anyTLS = anyTLS || b.tls
	}
	var out []placedBroker
	for _, b := range bs {
		if b.tls == anyTLS {
			out = append(out, b)
		}
	}
	sec, err := security(anyTLS, caPEM)
	return out, sec, err
}
