package brokerconfig

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	"software.sslmate.com/src/go-pkcs12"
)

// SSLKeys are the server.properties keys ServerTLS and ClientTLS read.
var SSLKeys = []string{
	"ssl.keystore.location", "ssl.keystore.password", "ssl.keystore.type", "ssl.key.password",
	"ssl.truststore.location", "ssl.truststore.password", "ssl.truststore.type",
}

// ServerTLS is the TLS configuration of an SSL listener from the ssl.*
// settings: the PKCS12 keystore at ssl.keystore.location (opened with
// ssl.keystore.password) holding the broker's key and certificate chain.
// Only PKCS12 stores are read (the form of the keystores the scheduler
// provisions; Java reads them as JKS too).
func (c Config) ServerTLS() (*tls.Config, error) {
	get := func(key string) string { v, _ := c.Props.Get(key); return strings.TrimSpace(v) }
	path := get("ssl.keystore.location")
	if path == "" {
		return nil, fmt.Errorf("%w: listener %s is SSL: ssl.keystore.location is required", ErrInvalid, c.Listener.Name)
	}
	if t := get("ssl.keystore.type"); t != "" && !strings.EqualFold(t, "PKCS12") && !strings.EqualFold(t, "JKS") {
		return nil, fmt.Errorf("%w: ssl.keystore.type %s: only PKCS12 keystores are read", ErrInvalid, t)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ssl.keystore.location: %w", err)
	}
	key, cert, chain, err := pkcs12.DecodeChain(data, get("ssl.keystore.password"))
	if err != nil {
		return nil, fmt.Errorf("ssl.keystore.location %s: %w", path, err)
	}
	tc := tls.Certificate{PrivateKey: key, Leaf: cert, Certificate: [][]byte{cert.Raw}}
	for _, c := range chain {
		tc.Certificate = append(tc.Certificate, c.Raw)
	}
	return &tls.Config{Certificates: []tls.Certificate{tc}, MinVersion: tls.VersionTLS12}, nil
}

// ClientTLS is the TLS configuration a client of the broker's SSL
// listener uses to verify it as serverName: the certificates of the
// PKCS12 truststore at ssl.truststore.location are its roots.
func (c Config) ClientTLS(serverName string) (*tls.Config, error) {
	get := func(key string) string { v, _ := c.Props.Get(key); return strings.TrimSpace(v) }
	path := get("ssl.truststore.location")
	if path == "" {
		return nil, errors.New("ssl.truststore.location is required to verify the broker's certificate")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ssl.truststore.location: %w", err)
	}
	certs, err := pkcs12.DecodeTrustStore(data, get("ssl.truststore.password"))
	if err != nil {
		return nil, fmt.Errorf("ssl.truststore.location %s: %w", path, err)
	}
	roots := x509.NewCertPool()
	for _, c := range certs {
		roots.AddCert(c)
	}
	return &tls.Config{RootCAs: roots, ServerName: serverName, MinVersion: tls.VersionTLS12}, nil
}
