package certs

import (
	"crypto/ecdsa"
	"crypto/x509"
	"fmt"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/kennel-sdk/kennel/certs/taskenv"
)

// File is a file the bootstrap writes into the sandbox.
type File struct {
	Name string
	Data []byte
	// Secret files (keys, keystores) are written mode 0600, others 0644.
	Secret bool
}

// Files are the sandbox files of DC/OS Commons' transport encryption for
// entries, from the task's key, its certificate and the CA's (PEM):
//
//	TLS:      <name>.crt (the certificate), <name>.key, <name>.ca
//	KEYSTORE: <name>.keystore (key and certificate chain) and
//	          <name>.truststore (the CA), PKCS #12 with password
//	          taskenv.KeystorePassword, which Java reads as JKS too.
func Files(entries []taskenv.Encryption, key *ecdsa.PrivateKey, certPEM, caPEM []byte) ([]File, error) {
	keyPEM, err := KeyPEM(key)
	if err != nil {
		return nil, err
	}
	cert, err := ParseCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("certs: issued certificate: %w", err)
	}
	ca, err := ParseCert(caPEM)
	if err != nil {
		return nil, fmt.Errorf("certs: CA certificate: %w", err)
	}
	var out []File
	for _, e := range entries {
		switch e.Type {
		case taskenv.TypeTLS:
			out = append(out, File{Name: e.Name + ".crt", Data: certPEM}, File{Name: e.Name + ".key", Data: keyPEM, Secret: true},
				File{Name: e.Name + ".ca", Data: caPEM})
		case taskenv.TypeKeystore:
			ks, err := pkcs12.Modern.Encode(key, cert, []*x509.Certificate{ca}, taskenv.KeystorePassword)
			if err != nil {
				return nil, fmt.Errorf("certs: keystore %s: %w", e.Name, err)
			}
			ts, err := pkcs12.Modern.EncodeTrustStore([]*x509.Certificate{ca}, taskenv.KeystorePassword)
			if err != nil {
				return nil, fmt.Errorf("certs: truststore %s: %w", e.Name, err)
			}
			out = append(out, File{Name: e.Name + ".keystore", Data: ks, Secret: true}, File{Name: e.Name + ".truststore", Data: ts})
		default:
			return nil, fmt.Errorf("certs: %s: unknown type %q", e.Name, e.Type)
		}
	}
	return out, nil
}
