// Package certs is the certificate authority behind the ServiceSpec's
// transport-encryption: the CA a scheduler creates once per service and
// keeps in its state store, the certificates it signs for tasks, and what
// a task's bootstrap makes of them (its key, its request, and the files of
// DC/OS Commons: <name>.crt, <name>.key, <name>.ca, or a PKCS #12
// <name>.keystore and <name>.truststore).
//
// Contracts:
//   - Keys are ECDSA P-256. A task's private key is created in the task
//     and never leaves it: the scheduler sees only its certificate
//     signing request.
//   - Sign ignores every name a request asks for: the names are the
//     scheduler's (Names), from what it knows of the task it launched.
//   - Nothing here logs; CA.Marshal's output holds the CA's private key
//     and must stay in the state store.
package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Validity of the certificates: the CA's and the tasks'. A task gets a
// fresh certificate at each launch.
const (
	CAValidity   = 10 * 365 * 24 * time.Hour
	CertValidity = 2 * 365 * 24 * time.Hour
	// backdate covers clocks of agents behind the scheduler's.
	backdate = time.Hour
)

// ErrRequest is wrapped by Sign's errors about the request it was given.
var ErrRequest = errors.New("bad certificate signing request")

// CA is a certificate authority.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// NewCA creates a self-signed CA whose common name names the service.
func NewCA(service string, now time.Time) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("certs: CA key: %w", err)
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "Kennel CA for " + service, Organization: []string{"Kennel"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(CAValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		SubjectKeyId:          keyID(&key.PublicKey),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("certs: CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("certs: CA certificate: %w", err)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// CertPEM is the CA's certificate, PEM-encoded: what tasks and clients
// trust.
func (ca *CA) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// Marshal is the CA as stored: its certificate then its PKCS #8 key, PEM.
// It holds the private key: never log it, never serve it.
func (ca *CA) Marshal() ([]byte, error) {
	key, err := x509.MarshalPKCS8PrivateKey(ca.Key)
	if err != nil {
		return nil, fmt.Errorf("certs: CA key: %w", err)
	}
	return append(ca.CertPEM(), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})...), nil
}

// ParseCA reads what Marshal wrote.
func ParseCA(data []byte) (*CA, error) {
	ca := &CA{}
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("certs: stored CA certificate: %w", err)
			}
			ca.Cert = c
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, errors.New("certs: stored CA key does not parse") // never echo key material
			}
			ec, ok := k.(*ecdsa.PrivateKey)
			if !ok {
				return nil, errors.New("certs: stored CA key is not ECDSA")
			}
			ca.Key = ec
		}
	}
	if ca.Cert == nil || ca.Key == nil || !ca.Cert.IsCA {
		return nil, errors.New("certs: stored CA lacks its certificate or its key")
	}
	if !ca.Key.PublicKey.Equal(ca.Cert.PublicKey) {
		return nil, errors.New("certs: stored CA key does not match its certificate")
	}
	return ca, nil
}

// Names are what a task's certificate certifies: its common name and its
// subject alternative names.
type Names struct {
	CommonName string
	DNS        []string
	IPs        []net.IP
}

// Sign checks a PEM certificate signing request's signature and returns
// a PEM certificate for its public key with names (and none of the names
// the request asks for), valid from now for CertValidity, for TLS servers
// and clients. Errors about the request wrap ErrRequest.
func (ca *CA) Sign(csrPEM []byte, names Names, now time.Time) ([]byte, error) {
	b, _ := pem.Decode(csrPEM)
	if b == nil || b.Type != "CERTIFICATE REQUEST" {
		return nil, fmt.Errorf("%w: want one PEM block CERTIFICATE REQUEST", ErrRequest)
	}
	csr, err := x509.ParseCertificateRequest(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRequest, err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("%w: signature: %w", ErrRequest, err)
	}
	if names.CommonName == "" {
		return nil, errors.New("certs: a certificate needs a common name")
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:   serial,
		Subject:        pkix.Name{CommonName: names.CommonName, Organization: []string{"Kennel"}},
		NotBefore:      now.Add(-backdate),
		NotAfter:       now.Add(CertValidity),
		KeyUsage:       x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:       names.DNS,
		IPAddresses:    names.IPs,
		AuthorityKeyId: ca.Cert.SubjectKeyId,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, csr.PublicKey, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("certs: sign: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// NewKey creates a task's private key; KeyPEM encodes it.
func NewKey() (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("certs: key: %w", err)
	}
	return k, nil
}

// KeyPEM is key as a PEM PKCS #8 "PRIVATE KEY", the form Kafka, nginx and
// Go all read.
func KeyPEM(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("certs: key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// NewRequest is a PEM certificate signing request for key. The names it
// asks for are informational: Sign uses the scheduler's.
func NewRequest(key *ecdsa.PrivateKey, commonName string) ([]byte, error) {
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: commonName}}, key)
	if err != nil {
		return nil, fmt.Errorf("certs: request: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), nil
}

// ParseCert reads the first PEM certificate of data.
func ParseCert(data []byte) (*x509.Certificate, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, errors.New("certs: no PEM certificate")
		}
		if b.Type == "CERTIFICATE" {
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("certs: %w", err)
			}
			return c, nil
		}
	}
}

func serialNumber() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("certs: serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

func keyID(pub *ecdsa.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha256.Sum256(der)
	return sum[:20]
}
