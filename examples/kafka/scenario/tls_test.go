package scenario_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/plans"
)

// TestTLS installs examples/kafka with transport encryption
// (SECURITY_TRANSPORT_ENCRYPTION_ENABLED=true, plaintext not allowed) on
// test brokers: each broker's certificate comes from the scheduler's CA
// at launch, its only broker listener is SSL (also the inter-broker
// listener), its readiness probe speaks TLS, the broker-tls endpoint
// lists every broker, and kcat, trusting only the CA `kennel tls ca`
// prints, lists each broker's metadata over TLS (the hostname checked).
func TestTLS(t *testing.T) {
	if !hasCommand("kafka", "test-broker") {
		t.Skip("SKIPPED: this kennel has no `kafka test-broker` command")
	}
	t.Parallel()
	e := newEnv(t, 2, nil)
	e.vars["BROKER_COUNT"] = "2"
	e.vars["SECURITY_TRANSPORT_ENCRYPTION_ENABLED"] = "true"
	e.startScheduler()
	e.waitPlan("deploy", plans.Complete, deployTimeout)

	ca := filepath.Join(e.dir, "ca.crt")
	if err := os.WriteFile(ca, []byte(e.cli("tls", "ca")), 0o644); err != nil {
		t.Fatal(err)
	}
	var ep wire.Endpoint
	if err := json.Unmarshal([]byte(e.cli("endpoints", "broker-tls")), &ep); err != nil {
		t.Fatal(err)
	}
	if len(ep.Address) != 2 {
		t.Errorf("endpoint broker-tls: %v, want 2 addresses", ep.Address)
	}
	kcat, kcatErr := exec.LookPath("kcat")
	for i := range 2 {
		b := e.testBrokerOf(i)
		adv := b.props["advertised.listeners"]
		addr, ok := strings.CutPrefix(adv, "SSL://")
		if !ok || strings.Contains(adv, "PLAINTEXT") || strings.Contains(b.props["listeners"], "PLAINTEXT") ||
			b.props["inter.broker.listener.name"] != "SSL" {
			t.Errorf("kafka-%d: listeners %q, advertised %q, inter-broker %q: want SSL only", i,
				b.props["listeners"], adv, b.props["inter.broker.listener.name"])
			continue
		}
		if !slices.Contains(ep.Address, addr) {
			t.Errorf("endpoint broker-tls %v lacks %s", ep.Address, addr)
		}
		if kcatErr != nil {
			continue
		}
		out, err := exec.Command(kcat, "-L", "-b", addr, "-m", "10", "-X", "security.protocol=SSL",
			"-X", "ssl.ca.location="+ca, "-X", "ssl.endpoint.identification.algorithm=https").CombinedOutput()
		if want := fmt.Sprintf("broker %d at %s", i, addr); err != nil || !strings.Contains(string(out), want) {
			t.Errorf("kcat -L over TLS -b %s: %v, want %q in:\n%s", addr, err, want, out)
		}
	}
	if kcatErr != nil {
		t.Log("kcat is not installed: TLS is not checked from outside")
	}

	// The scheduler's own admin client reaches the TLS-only brokers,
	// trusting the service's CA: the topics API works (CreateTopics
	// through kafka-go's transport, Metadata through kafkaclient's Conn).
	var b struct {
		TLS       bool     `json:"tls"`
		Endpoints []string `json:"endpoints"`
	}
	e.getJSON("/v1/brokers/0", &b)
	if !b.TLS || len(b.Endpoints) != 1 || !strings.HasPrefix(b.Endpoints[0], "SSL://") {
		t.Errorf("GET /v1/brokers/0: tls %v endpoints %v, want one SSL endpoint", b.TLS, b.Endpoints)
	}
	if out := e.cli("topic", "create", "secure", "-p", "1", "-r", "1"); !strings.Contains(out, `Created topic \"secure\"`) {
		t.Errorf("topic create over TLS: %s", out)
	}
	// Each test broker is a cluster of its own, and the create went to
	// whichever one kafka-go picked: the list (Metadata from the first
	// broker) answers, whether or not it holds the topic.
	var names []string
	if err := json.Unmarshal([]byte(e.cli("topic", "list")), &names); err != nil {
		t.Errorf("topic list over TLS: %v", err)
	}
}
