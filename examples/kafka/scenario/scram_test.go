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

	"github.com/kennel-sdk/kennel/plans"
)

// TestSCRAM: a TLS install with SASL/SCRAM-SHA-512 on. The broker's
// listener is SASL_SSL, logged in to by the readiness probe and the
// scheduler as the admin whose password the scheduler generated and handed
// over with the broker's certificate; `kennel user add` creates a user
// kcat logs in as (SASL_SSL, trusting `kennel tls ca`), a wrong password
// is refused, and no API answer, CLI output or log line of the scheduler
// holds the admin's or the user's password.
func TestSCRAM(t *testing.T) {
	if !hasCommand("kafka", "test-broker") || !hasCommand("user", "add") {
		t.Skip("SKIPPED: this kennel has no `kafka test-broker` or `user` commands")
	}
	t.Parallel()
	e := newEnv(t, 1, nil)
	e.vars["BROKER_COUNT"] = "1"
	e.vars["SECURITY_TRANSPORT_ENCRYPTION_ENABLED"] = "true"
	e.vars["SECURITY_SASL_SCRAM_ENABLED"] = "true"
	e.startScheduler()
	e.waitPlan("deploy", plans.Complete, deployTimeout)
	b := e.testBrokerOf(0)
	if got := b.props["listener.security.protocol.map"]; !strings.Contains(got, "SSL:SASL_SSL") {
		t.Fatalf("listener.security.protocol.map=%s, want SSL:SASL_SSL", got)
	}
	// The admin's password is in the broker's rendered config (Kafka reads
	// it there), and nowhere the API or the logs show.
	jaas := b.props["listener.name.ssl.scram-sha-512.sasl.jaas.config"]
	_, after, ok := strings.Cut(jaas, `password="`)
	admin, _, ok2 := strings.Cut(after, `"`)
	if !ok || !ok2 || len(admin) < 40 {
		t.Fatalf("the broker's JAAS login: %q", jaas)
	}

	const password = "correct-horse-battery"
	file := filepath.Join(e.dir, "alice.password")
	if err := os.WriteFile(file, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var outputs []string
	out := e.cli("user", "add", "alice", "--password-file", file)
	outputs = append(outputs, out)
	var users []string
	out = e.cli("user", "list")
	outputs = append(outputs, out)
	if err := json.Unmarshal([]byte(out), &users); err != nil || !slices.Equal(users, []string{"alice", "kennel-admin"}) {
		t.Errorf("user list: %s (%v), want alice and kennel-admin", out, err)
	}

	ca := filepath.Join(e.dir, "ca.crt")
	if err := os.WriteFile(ca, []byte(e.cli("tls", "ca")), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(b.props["advertised.listeners"], "SSL://")
	if kcat, err := exec.LookPath("kcat"); err == nil {
		login := func(user, pw string) (string, error) {
			out, err := exec.Command(kcat, "-L", "-b", addr, "-m", "10", "-X", "security.protocol=SASL_SSL",
				"-X", "sasl.mechanisms=SCRAM-SHA-512", "-X", "sasl.username="+user, "-X", "sasl.password="+pw,
				"-X", "ssl.ca.location="+ca).CombinedOutput()
			return string(out), err
		}
		if out, err := login("alice", password); err != nil || !strings.Contains(out, fmt.Sprintf("broker 0 at %s", addr)) {
			t.Errorf("kcat as alice over SASL_SSL: %v\n%s", err, out)
		}
		if out, err := login("alice", "guess"); err == nil {
			t.Errorf("kcat as alice with a wrong password succeeded:\n%s", out)
		}
	} else {
		t.Log("kcat is not installed: the SASL login is not checked from outside")
	}

	// Where the admin's and alice's passwords must not be.
	for _, path := range []string{"/v1/pod/kafka-0/info", "/v1/plans/deploy", "/v1/state/properties", "/v1/brokers/0", "/v1/configurations/target"} {
		if body := e.get(path); strings.Contains(body, admin) || strings.Contains(body, password) {
			t.Errorf("GET %s shows a password", path)
		}
	}
	logs, err := os.ReadFile(e.logs.Name())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(logs), admin) || strings.Contains(string(logs), password) ||
		strings.Contains(strings.Join(outputs, ""), password) {
		t.Error("a password appears in the logs or the CLI's output")
	}
}
