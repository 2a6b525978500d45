package kafkaclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
)

// Security is how a client talks to brokers: over TLS when TLS is set
// (a broker's SSL listener), else in plaintext; authenticated with SASL
// SCRAM-SHA-512 when SCRAM is set. The zero Security is plaintext without
// authentication.
type Security struct {
	TLS   *tls.Config
	SCRAM *SCRAM
}

// ErrBadCA is a CA certificate that holds no PEM certificate.
var ErrBadCA = errors.New("no PEM certificate in the CA")

// TrustCA is TLS trusting only the CA certificates caPEM (a service's CA).
func TrustCA(caPEM []byte) (Security, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return Security{}, ErrBadCA
	}
	return Security{TLS: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}, nil
}

// forAddr is s's TLS configuration for the broker at addr: the server
// name it verifies is addr's host (a hostname, or an IP address in the
// certificate's IP SANs).
func (s Security) forAddr(addr string) *tls.Config {
	if s.TLS == nil {
		return nil
	}
	c := s.TLS.Clone()
	if c.ServerName == "" {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			c.ServerName = host
		}
	}
	return c
}

// DialSecure is Dial with s: over TLS when s has it, authenticated
// when s has SCRAM credentials (an error wrapping ErrAuthentication when
// the broker refuses them).
func DialSecure(ctx context.Context, addr string, s Security) (*Conn, error) {
	c, err := DialTLS(ctx, addr, s.forAddr(addr))
	if err != nil || s.SCRAM == nil {
		return c, err
	}
	if err := c.authenticate(ctx, s.SCRAM); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}
