package scenario_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/plans"
)

// TestUsers: `kennel user add|list|remove` through the Kafka scheduler on
// the local cluster with one test broker: the user's SCRAM-SHA-512
// credentials are stored in the broker (AlterUserScramCredentials) and
// listed back, and the password appears neither in the CLI's output nor
// in the scheduler's log. The brokers do not require SASL here; TestSCRAM
// logs in with SASL.
func TestUsers(t *testing.T) {
	if !hasCommand("kafka", "test-broker") || !hasCommand("user", "add") {
		t.Skip("SKIPPED: this kennel has no `kafka test-broker` or `user` commands")
	}
	t.Parallel()
	e := newEnv(t, 1, nil)
	e.vars["BROKER_COUNT"] = "1"
	e.startScheduler()
	e.waitPlan("deploy", plans.Complete, deployTimeout)
	e.testBrokerOf(0)

	const password = "correct-horse-battery"
	file := filepath.Join(e.dir, "alice.password")
	if err := os.WriteFile(file, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var outputs []string
	out := e.cli("user", "add", "alice", "--password-file", file)
	outputs = append(outputs, out)
	if !strings.Contains(out, "User alice has SCRAM-SHA-512 credentials") {
		t.Errorf("user add: %s", out)
	}
	var users []string
	out = e.cli("user", "list")
	outputs = append(outputs, out)
	if err := json.Unmarshal([]byte(out), &users); err != nil || !slices.Equal(users, []string{"alice"}) {
		t.Errorf("user list: %s (%v), want [alice]", out, err)
	}
	out = e.cli("user", "remove", "alice")
	outputs = append(outputs, out)
	if err := json.Unmarshal([]byte(e.cli("user", "list")), &users); err != nil || len(users) != 0 {
		t.Errorf("user list after remove: %v (%v), want none", users, err)
	}
	logs, err := os.ReadFile(e.logs.Name())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(logs), password) || strings.Contains(strings.Join(outputs, ""), password) {
		t.Error("the password appears in the scheduler's log or the CLI's output")
	}
}
