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

// ErrNoAdminLogin is a broker that requires SASL/SCRAM while the
// scheduler has no admin password (its secret seed).
var ErrNoAdminLogin = errors.New("the brokers require SASL/SCRAM, and the scheduler has no admin password")

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
// ones (or not), and require SASL/SCRAM (or not): over TLS trusting only
// the service's CA caPEM, logged in as AdminUser with the password of
// secretSeeds.
func security(tls, scram bool, caPEM []byte, secretSeeds map[string]string) (kafkaclient.Security, error) {
	var s kafkaclient.Security
	if tls {
		if len(caPEM) == 0 {
			return s, ErrNoCA
		}
		var err error
		if s, err = kafkaclient.TrustCA(caPEM); err != nil {
			return s, fmt.Errorf("the service's CA: %w", err)
		}
	}
	if scram {
		if s.SCRAM = adminLogin(secretSeeds); s.SCRAM == nil {
			return s, ErrNoAdminLogin
		}
	}
	return s, nil
}

// access is the listeners of brokers and how to talk to them: one
// Security for all, so the brokers of another kind (a roll from
// plaintext to TLS, or to SASL, under way) are left out: TLS wins when
// any broker has TLS only, and SASL when any requires it.
func access(bs []placedBroker, caPEM []byte, secretSeeds map[string]string) ([]placedBroker, kafkaclient.Security, error) {
	anyTLS, anySCRAM := false, false
	for _, b := range bs {
		anyTLS = anyTLS || b.tls
		anySCRAM = anySCRAM || b.scram
	}
	var out []placedBroker
	for _, b := range bs {
		if b.tls == anyTLS && b.scram == anySCRAM {
			out = append(out, b)
		}
	}
	sec, err := security(anyTLS, anySCRAM, caPEM, secretSeeds)
	return out, sec, err
}
