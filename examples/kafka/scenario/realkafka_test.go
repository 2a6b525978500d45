package scenario_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/plans"
)

// realKafkaTimeout bounds a deploy of three JVM brokers on a loaded host.
const realKafkaTimeout = 6 * time.Minute

// TestRealKafka runs three real Kafka 4.x brokers (KRaft, combined roles,
// the static quorum the scheduler computes) on the local cluster, from the
// tarball KAFKA_TGZ names, with java from PATH: deploy → COMPLETE, kcat -L
// lists three brokers, and records written through kafka-go to a topic of
// replication factor 3 are read back through kcat from every broker. It is
// skipped, saying what is missing, without the tarball, java or kcat.
func TestRealKafka(t *testing.T) {
	tgz := os.Getenv("KAFKA_TGZ")
	if tgz == "" {
		t.Skip("SKIPPED: KAFKA_TGZ is not set (the path of a Kafka 4.x tarball, kafka_<scala>-<version>.tgz); " +
			"the real-Kafka suite needs it and java on PATH")
	}
	if _, err := os.Stat(tgz); err != nil {
		t.Skipf("SKIPPED: KAFKA_TGZ=%s: %v", tgz, err)
	}
	if _, err := exec.LookPath("java"); err != nil {
		t.Skipf("SKIPPED: no java on PATH (Kafka's brokers need a JRE 17+): %v", err)
	}
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Skipf("SKIPPED: no kcat on PATH (`make deps` installs it): %v", err)
	}
	version, ok := kafkaVersion(tgz)
	if !ok {
		t.Skipf("SKIPPED: KAFKA_TGZ=%s is not named kafka_<scala>-<version>.tgz, so the directory it unpacks to is unknown", tgz)
	}
	abs, err := filepath.Abs(tgz)
	if err != nil {
		t.Fatal(err)
	}
	t.Parallel()
	e := newEnv(t, 3, nil)
	for k, v := range map[string]string{
		"BROKER_COUNT": "3", "KAFKA_TEST_BROKER": "false", "KAFKA_URI": "file://" + abs, "KAFKA_VERSION": version,
		"BROKER_CPUS": "0.5", "BROKER_MEM": "1024", "BROKER_JAVA_HEAP_MB": "256", "BROKER_DISK_MB": "1024",
		"READINESS_CHECK_INTERVAL": "2", "KAFKA_DEFAULT_REPLICATION_FACTOR": "3", "KAFKA_MIN_INSYNC_REPLICAS": "2",
	} {
		e.vars[k] = v
	}
	start := time.Now()
	e.startScheduler()
	e.waitPlan("deploy", plans.Complete, realKafkaTimeout)
	t.Logf("3 Kafka %s brokers COMPLETE %s after the scheduler started", version, time.Since(start).Round(time.Millisecond))

	var ep wire.Endpoint
	if err := json.Unmarshal([]byte(e.cli("endpoints", "broker")), &ep); err != nil {
		t.Fatal(err)
	}
	if len(ep.Address) != 3 {
		t.Fatalf("endpoint broker: %v", ep.Address)
	}
	var out []byte
	e.waitFor(stepTimeout, "kcat -L listing 3 brokers", func() bool {
		out, err = exec.Command(kcat, "-L", "-b", ep.Address[0], "-m", "10").CombinedOutput()
		return err == nil && strings.Contains(string(out), " 3 brokers:")
	}, func() string { return string(out) })

	values := []string{"one", "two", "three", "four", "five", "six"}
	e.produce(ep.Address[0], "replicated", 3, 3, values...)
	for _, addr := range ep.Address {
		e.waitRecords(kcat, addr, "replicated", values...)
	}
}

// kafkaVersion is the <scala>-<version> of a tarball named
// kafka_<scala>-<version>.tgz (or .tar.gz): the spec's KAFKA_VERSION,
// which names the directory it unpacks to.
func kafkaVersion(tgz string) (string, bool) {
	name := filepath.Base(tgz)
	rest, ok := strings.CutPrefix(name, "kafka_")
	if !ok {
		return "", false
	}
	for _, suffix := range []string{".tgz", ".tar.gz"} {
		if v, ok := strings.CutSuffix(rest, suffix); ok && strings.Contains(v, "-") {
			return v, true
		}
	}
	return "", false
}

func TestKafkaVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"/x/kafka_2.13-4.1.1.tgz", "2.13-4.1.1", true},
		{"kafka_2.13-4.0.0.tar.gz", "2.13-4.0.0", true},
		{"kafka-4.1.1.tgz", "", false},
		{"kafka_2.13.zip", "", false},
	} {
		if got, ok := kafkaVersion(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("kafkaVersion(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
