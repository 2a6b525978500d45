package certs

import (
	"errors"
	"testing"
)

// FuzzSign: whatever a task sends as its signing request, Sign either
// refuses it with ErrRequest or signs a certificate for the scheduler's
// names only; it never panics.
func FuzzSign(f *testing.F) {
	ca, err := NewCA("svc", now)
	if err != nil {
		f.Fatal(err)
	}
	key, _ := NewKey()
	csr, _ := NewRequest(key, "evil")
	f.Add(csr)
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n"))
	f.Add(ca.CertPEM())
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := ca.Sign(data, Names{CommonName: "t.svc", DNS: []string{"t"}}, now)
		if err != nil {
			if !errors.Is(err, ErrRequest) {
				t.Fatalf("an error that is not ErrRequest: %v", err)
			}
			return
		}
		c, err := ParseCert(out)
		if err != nil || c.Subject.CommonName != "t.svc" || len(c.DNSNames) != 1 || c.DNSNames[0] != "t" {
			t.Fatalf("signed %v %v", c, err)
		}
	})
}
