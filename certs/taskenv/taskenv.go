// Package taskenv is the contract between the scheduler and a task's
// bootstrap for transport encryption: the environment variables the
// scheduler sets on a task whose spec asks for certificates, and the wire
// form of the certificate the scheduler issues. It does no IO, so that the
// scheduler's pure core can import it.
package taskenv

import (
	"errors"
	"fmt"
	"strings"
)

// Errors of the scheduler's certificate issuer.
var (
	// ErrNoCA: the service has no CA (no task of its spec asks for
	// transport encryption).
	ErrNoCA = errors.New("the service has no certificate authority: no task asks for transport encryption")
	// ErrCertDenied: no current launch of the task carries the token.
	ErrCertDenied = errors.New("no current launch of the task carries this token")
)

// The variables the scheduler sets on a task with transport encryption.
const (
	// Encryptions lists the spec's entries as name:TYPE, comma-separated
	// (Format).
	Encryptions = "KENNEL_TLS"
	// URL is where the bootstrap POSTs its certificate signing request:
	// <artifacts>/tls/certs/<task name>.
	URL = "KENNEL_TLS_URL"
	// Token authenticates that request (TokenHeader). It is fresh at each
	// launch and valid only for the task's current launch.
	Token = "KENNEL_TLS_TOKEN"
)

// TokenHeader carries Token on the signing request.
const TokenHeader = "X-Kennel-Tls-Token"

// KeystorePassword protects KEYSTORE files, as DC/OS Commons' "notsecure".
const KeystorePassword = "notsecure"

// Types of transport encryption: PEM files, or PKCS #12 stores.
const (
	TypeTLS      = "TLS"
	TypeKeystore = "KEYSTORE"
)

// Encryption is one transport-encryption entry of a task.
type Encryption struct {
	Name, Type string
}

// Format is the value of Encryptions for entries.
func Format(entries []Encryption) string {
	parts := make([]string, len(entries))
	for i, e := range entries {
		parts[i] = e.Name + ":" + e.Type
	}
	return strings.Join(parts, ",")
}

// Parse reads Format's output. A name is non-empty and holds no ':', ','
// or '/', nor is "." or ".."; a type is TLS or KEYSTORE; names are
// unique. The error names the entry at fault.
func Parse(s string) ([]Encryption, error) {
	if s == "" {
		return nil, nil
	}
	var out []Encryption
	seen := map[string]bool{}
	for i, part := range strings.Split(s, ",") {
		name, typ, ok := strings.Cut(part, ":")
		switch {
		case !ok:
			return nil, fmt.Errorf("%s entry %d %q: want <name>:<type>", Encryptions, i+1, part)
		case name == "" || name == "." || name == ".." || strings.ContainsAny(name, ":/\\\x00"):
			return nil, fmt.Errorf("%s entry %d: name %q is not a file name", Encryptions, i+1, name)
		case typ != TypeTLS && typ != TypeKeystore:
			return nil, fmt.Errorf("%s entry %d: type %q is neither %s nor %s", Encryptions, i+1, typ, TypeTLS, TypeKeystore)
		case seen[name]:
			return nil, fmt.Errorf("%s entry %d: name %q repeats", Encryptions, i+1, name)
		}
		seen[name] = true
		out = append(out, Encryption{Name: name, Type: typ})
	}
	return out, nil
}

// Issued is the scheduler's answer to a signing request (JSON).
type Issued struct {
	// Certificate is the task's certificate, PEM.
	Certificate string `json:"certificate"`
	// CA is the service's CA certificate, PEM.
	CA string `json:"ca"`
	// Secrets are values the service gives this task for its config
	// templates only, never its environment (where the TaskInfo, and so
	// the API, would show them): a Kafka broker's SCRAM admin password.
	Secrets map[string]string `json:"secrets,omitempty"`
}
