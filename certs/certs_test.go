package certs

import (
	"bytes"
	"crypto/x509"
	"errors"
	"net"
	"slices"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/kennel-sdk/kennel/certs/taskenv"
)

var now = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func newCA(t *testing.T) *CA {
	t.Helper()
	ca, err := NewCA("kafka", now)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// TestCARoundTrip: the stored form reads back to the same CA, and a
// stored form that lost its key or its certificate is refused.
func TestCARoundTrip(t *testing.T) {
	ca := newCA(t)
	data, err := ca.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseCA(data)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Cert.Equal(ca.Cert) || !back.Key.Equal(ca.Key) {
		t.Error("the CA read back differs")
	}
	other := newCA(t)
	otherData, _ := other.Marshal()
	for name, bad := range map[string][]byte{
		"empty":        nil,
		"cert only":    ca.CertPEM(),
		"key only":     data[len(ca.CertPEM()):],
		"mismatched":   append(ca.CertPEM(), otherData[len(other.CertPEM()):]...),
		"garbage":      []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
		"not PEM text": []byte("hello"),
	} {
		if _, err := ParseCA(bad); err == nil {
			t.Errorf("%s: ParseCA accepted it", name)
		}
	}
}

// TestSign: a signed certificate verifies against the CA for the names
// the scheduler gives, for server and client use, and carries none of
// the names the request asked for.
func TestSign(t *testing.T) {
	ca := newCA(t)
	key, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	csr, err := NewRequest(key, "evil.example.com")
	if err != nil {
		t.Fatal(err)
	}
	names := Names{CommonName: "kafka-0-broker.kafka", DNS: []string{"kafka-0-broker.kafka.autoip.dcos.thisdcos.directory", "agent-1"},
		IPs: []net.IP{net.ParseIP("10.0.0.7")}}
	certPEM, err := ca.Sign(csr, names, now)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ParseCert(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	for _, host := range []string{"kafka-0-broker.kafka.autoip.dcos.thisdcos.directory", "agent-1", "10.0.0.7"} {
		for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
			if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: host, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
				t.Errorf("verify for %s (usage %v): %v", host, usage, err)
			}
		}
	}
	if err := cert.VerifyHostname("evil.example.com"); err == nil {
		t.Error("the certificate certifies a name the request asked for")
	}
	if cert.Subject.CommonName != names.CommonName || !key.PublicKey.Equal(cert.PublicKey) {
		t.Errorf("subject %q or public key not the request's", cert.Subject.CommonName)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: "agent-1", CurrentTime: now.Add(CertValidity + time.Hour)}); err == nil {
		t.Error("the certificate is valid past CertValidity")
	}
}

// TestSignRefusesBadRequests: each malformed request is refused with
// ErrRequest.
func TestSignRefusesBadRequests(t *testing.T) {
	ca := newCA(t)
	key, _ := NewKey()
	csr, _ := NewRequest(key, "x")
	tampered := bytes.Clone(csr)
	tampered[len(tampered)/2] ^= 1
	for name, bad := range map[string][]byte{
		"empty":       nil,
		"certificate": ca.CertPEM(),
		"tampered":    tampered,
		"not PEM":     []byte("CSR"),
	} {
		if _, err := ca.Sign(bad, Names{CommonName: "t"}, now); !errors.Is(err, ErrRequest) {
			t.Errorf("%s: %v, want ErrRequest", name, err)
		}
	}
}

// TestFiles: TLS entries give PEM files, KEYSTORE entries PKCS #12
// stores that open with the documented password and hold the chain.
func TestFiles(t *testing.T) {
	ca := newCA(t)
	key, _ := NewKey()
	csr, _ := NewRequest(key, "t")
	certPEM, err := ca.Sign(csr, Names{CommonName: "t", DNS: []string{"t"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	files, err := Files([]taskenv.Encryption{{Name: "server", Type: "TLS"}, {Name: "broker", Type: "KEYSTORE"}}, key, certPEM, ca.CertPEM())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]File{}
	var names []string
	for _, f := range files {
		byName[f.Name] = f
		names = append(names, f.Name)
	}
	if want := []string{"server.crt", "server.key", "server.ca", "broker.keystore", "broker.truststore"}; !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	for name, secret := range map[string]bool{"server.crt": false, "server.key": true, "server.ca": false, "broker.keystore": true, "broker.truststore": false} {
		if byName[name].Secret != secret {
			t.Errorf("%s: secret %v, want %v", name, byName[name].Secret, secret)
		}
	}
	if !bytes.Equal(byName["server.ca"].Data, ca.CertPEM()) || !bytes.Equal(byName["server.crt"].Data, certPEM) {
		t.Error("server.crt or server.ca is not the PEM given")
	}
	k, c, chain, err := pkcs12.DecodeChain(byName["broker.keystore"].Data, taskenv.KeystorePassword)
	if err != nil {
		t.Fatalf("keystore: %v", err)
	}
	if !key.Equal(k) || c.Subject.CommonName != "t" || len(chain) != 1 || !chain[0].Equal(ca.Cert) {
		t.Error("the keystore does not hold the key, the certificate and the CA")
	}
	trusted, err := pkcs12.DecodeTrustStore(byName["broker.truststore"].Data, taskenv.KeystorePassword)
	if err != nil || len(trusted) != 1 || !trusted[0].Equal(ca.Cert) {
		t.Errorf("truststore: %v, %d certificates", err, len(trusted))
	}
}
