package scenario_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/kennel-sdk/kennel/certs"
	"github.com/kennel-sdk/kennel/certs/taskenv"
	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler/offer"
)

const tlsSpec = `name: {{FRAMEWORK_NAME}}
scheduler:
  principal: kennel-scenario
  user: root
pods:
  app:
    count: 1
    tasks:
      server:
        goal: RUNNING
        cmd: |
          trap 'exit 0' TERM
          while true; do sleep 0.2; done
        cpus: 0.1
        memory: 32
        kill-grace-period: 1
        transport-encryption:
          - name: server
            type: TLS
          - name: store
            type: KEYSTORE
        readiness-check:
          cmd: test -s server.crt && test -s store.keystore
          interval: 1
          delay: 0
          timeout: 5
`

// TestTransportEncryption: a plain service whose task asks for TLS and
// KEYSTORE transport encryption gets, in its sandbox before its command
// runs, a certificate for its names that verifies against the service's
// CA (served at /v1/artifacts/tls/ca.crt), its own key (mode 0600, never
// sent anywhere) and PKCS #12 stores. The CA is in no API answer, and the
// launch's token in no log nor API answer; a relaunch gets a new token and
// certificate from the same CA, and the old token is refused.
func TestTransportEncryption(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "file")
	e.useService(map[string]string{"svc.yml": tlsSpec})
	e.startScheduler()
	e.waitPlan(plans.DeployPlan, plans.Complete, deployTimeout)

	caPEM := e.get("/v1/artifacts/tls/ca.crt", http.StatusOK)
	ca, err := certs.ParseCert(caPEM)
	if err != nil || !ca.IsCA {
		t.Fatalf("CA certificate: %v", err)
	}
	info := e.storedNow()["app-0-server"]
	host := ""
	for _, l := range info.GetLabels().GetLabels() {
		if l.Key == offer.LabelHostname {
			host = l.GetValue()
		}
	}
	token := ""
	for _, v := range info.GetCommand().GetEnvironment().GetVariables() {
		if v.Name == taskenv.Token {
			token = v.GetValue()
		}
	}
	if token == "" || host == "" {
		t.Fatalf("the stored launch has token %q, hostname %q", token, host)
	}
	cert := e.checkTLSFiles(ca, host)

	// Secrets: the CA is not a visible property; the token is in no plan
	// JSON and, like any key, in no log line.
	if keys := string(e.get("/v1/state/properties", http.StatusOK)); strings.Contains(keys, "secret:") {
		t.Errorf("/v1/state/properties lists a secret: %s", keys)
	}
	e.get("/v1/state/properties/secret:tls-ca", http.StatusNotFound)
	for _, path := range []string{"/v1/plans/deploy", "/v1/pod/app-0/info", "/v1/debug/offers"} {
		if body := e.get(path, http.StatusOK); bytes.Contains(body, []byte(token)) {
			t.Errorf("GET %s shows the launch's token", path)
		}
	}
	logs, _ := os.ReadFile(e.logs.Name())
	if bytes.Contains(logs, []byte(token)) || bytes.Contains(logs, []byte("PRIVATE KEY")) {
		t.Error("the logs hold the token or a private key")
	}
	// Signing needs the launch's token.
	key, _ := certs.NewKey()
	csr, _ := certs.NewRequest(key, "x")
	if code := e.requestCert("app-0-server", "not-the-token", csr); code != http.StatusForbidden {
		t.Errorf("a wrong token: %d, want 403", code)
	}
	if code := e.requestCert("app-9-server", token, csr); code != http.StatusForbidden {
		t.Errorf("an unknown task: %d, want 403", code)
	}
	if code := e.requestCert("app-0-server", token, []byte("not a CSR")); code != http.StatusBadRequest {
		t.Errorf("a bad request: %d, want 400", code)
	}

	// A relaunch gets a new certificate from the same CA; the old token
	// no longer signs.
	if code := e.post("/v1/pod/app-0/restart"); code != http.StatusOK {
		t.Fatalf("pod restart: %d", code)
	}
	e.waitFor(deployTimeout, "the relaunched task's new certificate", func() bool {
		files := e.clusterFiles("server.crt")
		for _, f := range files {
			b, _ := os.ReadFile(f)
			if c, err := certs.ParseCert(b); err == nil && c.SerialNumber.Cmp(cert.SerialNumber) != 0 {
				return true
			}
		}
		return false
	})
	e.waitPlan(plans.DeployPlan, plans.Complete, deployTimeout)
	if code := e.requestCert("app-0-server", token, csr); code != http.StatusForbidden {
		t.Errorf("the previous launch's token: %d, want 403", code)
	}
	if again := e.get("/v1/artifacts/tls/ca.crt", http.StatusOK); !bytes.Equal(again, caPEM) {
		t.Error("the CA changed")
	}
}

// checkTLSFiles checks the files of the (only) sandbox that has them and
// returns its certificate.
func (e *env) checkTLSFiles(ca *x509.Certificate, host string) *x509.Certificate {
	e.t.Helper()
	crts := e.clusterFiles("server.crt")
	if len(crts) != 1 {
		e.t.Fatalf("server.crt files: %v", crts)
	}
	dir := filepath.Dir(crts[0])
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			e.t.Fatal(err)
		}
		return b
	}
	certPEM, keyPEM := read("server.crt"), read("server.key")
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		e.t.Errorf("server.crt and server.key: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "server.key")); err != nil || fi.Mode().Perm() != 0o600 {
		e.t.Errorf("server.key mode: %v %v", fi.Mode(), err)
	}
	if !bytes.Equal(read("server.ca"), pemOf(ca)) {
		e.t.Error("server.ca is not the service's CA")
	}
	cert, err := certs.ParseCert(certPEM)
	if err != nil {
		e.t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	for _, name := range []string{"app-0-server.scenario.autoip.dcos.thisdcos.directory", "app-0-server.scenario.mesos", host} {
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
			e.t.Errorf("the certificate for %s: %v (DNS %v, IPs %v)", name, err, cert.DNSNames, cert.IPAddresses)
		}
	}
	if cert.Subject.CommonName != "app-0-server.scenario" {
		e.t.Errorf("common name %q", cert.Subject.CommonName)
	}
	k, c, chain, err := pkcs12.DecodeChain(read("store.keystore"), taskenv.KeystorePassword)
	if err != nil || !c.Equal(cert) || len(chain) != 1 || !chain[0].Equal(ca) || k == nil {
		e.t.Errorf("store.keystore: %v", err)
	}
	if trusted, err := pkcs12.DecodeTrustStore(read("store.truststore"), taskenv.KeystorePassword); err != nil || len(trusted) != 1 || !trusted[0].Equal(ca) {
		e.t.Errorf("store.truststore: %v", err)
	}
	return cert
}

func pemOf(c *x509.Certificate) []byte {
	return (&certs.CA{Cert: c}).CertPEM()
}

// get GETs an API path and checks its status.
func (e *env) get(path string, want int) []byte {
	e.t.Helper()
	resp, err := http.Get(e.api + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		e.t.Fatalf("GET %s: %d %s, want %d", path, resp.StatusCode, body, want)
	}
	return body
}

// requestCert POSTs a signing request as a task's bootstrap does.
func (e *env) requestCert(task, token string, csr []byte) int {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.api+"/v1/artifacts/tls/certs/"+task, bytes.NewReader(csr))
	req.Header.Set(taskenv.TokenHeader, token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
