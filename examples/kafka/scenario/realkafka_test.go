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
	abs, version := realKafkaTarball(t, "KAFKA_TGZ")
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Skipf("SKIPPED: no kcat on PATH (`make deps` installs it): %v", err)
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

// realKafkaTarball is the absolute path and KAFKA_VERSION of the Kafka
// tarball the environment variable name names, with java on PATH; else
// the test is skipped, saying what is missing. Nothing of a real-Kafka
// test may run before it.
func realKafkaTarball(t *testing.T, name string) (abs, version string) {
	t.Helper()
	tgz := os.Getenv(name)
	if tgz == "" {
		t.Skipf("SKIPPED: %s is not set (the path of a Kafka 4.x tarball, kafka_<scala>-<version>.tgz); "+
			"the real-Kafka suite needs it and java on PATH", name)
	}
	if _, err := os.Stat(tgz); err != nil {
		t.Skipf("SKIPPED: %s=%s: %v", name, tgz, err)
	}
	if _, err := exec.LookPath("java"); err != nil {
		t.Skipf("SKIPPED: no java on PATH (Kafka's brokers need a JRE 17+): %v", err)
	}
	version, ok := kafkaVersion(tgz)
	if !ok {
		t.Skipf("SKIPPED: %s=%s is not named kafka_<scala>-<version>.tgz, so the directory it unpacks to is unknown", name, tgz)
	}
	abs, err := filepath.Abs(tgz)
	if err != nil {
		t.Fatal(err)
	}
	return abs, version
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

// TestRealKafkaTarballGate: the real-Kafka tests go no further than
// realKafkaTarball without a usable tarball: unset, missing or misnamed,
// the test is skipped; a kafka_<scala>-<version>.tgz file passes (when
// java is on PATH) with its version.
func TestRealKafkaTarballGate(t *testing.T) {
	dir := t.TempDir()
	misnamed, named := filepath.Join(dir, "kafka.tgz"), filepath.Join(dir, "kafka_2.13-4.1.1.tgz")
	for _, f := range []string{misnamed, named} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, javaErr := exec.LookPath("java")
	for _, tc := range []struct {
		name, value string
		pass        bool
	}{
		{"unset", "", false},
		{"missing", filepath.Join(dir, "kafka_2.13-4.0.0.tgz"), false},
		{"misnamed", misnamed, false},
		{"named", named, javaErr == nil},
	} {
		var sub *testing.T
		var version string
		t.Run(tc.name, func(t *testing.T) {
			sub = t
			t.Setenv("KENNEL_TEST_TGZ", tc.value)
			_, version = realKafkaTarball(t, "KENNEL_TEST_TGZ")
		})
		if sub.Skipped() == tc.pass || (tc.pass && version != "2.13-4.1.1") {
			t.Errorf("%s: skipped %v, version %q; want passed %v", tc.name, sub.Skipped(), version, tc.pass)
		}
	}
}
