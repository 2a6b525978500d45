package testbroker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/kennel-sdk/kennel/examples/kafka/brokerconfig"
	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/examples/kafka/props"
)

const clusterID = "S2VubmVsS2Fma2FDbHVzdA"

// freePort is a loopback port nothing listened on a moment ago, below
// Linux's ephemeral range (32768–60999), so that no client's outgoing
// connection takes it before the broker binds it, in a block (15000–15999)
// no other test's harness uses.
func freePort(t *testing.T) int {
	t.Helper()
	for range 200 {
		port := 15000 + rand.IntN(1000)
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		ln.Close()
		return port
	}
	t.Fatal("no free port in 15000-15999")
	return 0
}

// config is a rendered server.properties like the Kafka spec's, for node
// id node, with its log dir under dir.
func config(t *testing.T, node int, dir string, port int) brokerconfig.Config {
	t.Helper()
	text := fmt.Sprintf(`process.roles=broker,controller
node.id=%d
controller.quorum.bootstrap.servers=127.0.0.1:1
listeners=PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:1
advertised.listeners=PLAINTEXT://127.0.0.1:%d
controller.listener.names=CONTROLLER
log.dirs=%s
num.partitions=2
min.insync.replicas=2
`, node, port, port, filepath.Join(dir, "broker-"+strconv.Itoa(node)))
	p, err := props.Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := brokerconfig.FromProperties(p)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestRestartKeepsData: format, start as node 2, produce, stop, start
// again on the same directory: the records are still there, and Metadata
// lists the broker alone, as node 2 and its own controller.
func TestRestartKeepsData(t *testing.T) {
	ctx := testContext(t)
	cfg := config(t, 2, t.TempDir(), freePort(t))
	if _, err := Format(cfg, clusterID, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	b, err := Start(cfg, clusterID, &log)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"test broker: controller.quorum.bootstrap.servers ignored: each test broker is its own single-node cluster",
		"test broker: min.insync.replicas ignored:",
		"test broker: node 2 of cluster " + clusterID + " serving on 127.0.0.1:",
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	if strings.Contains(log.String(), "node.id ignored") || strings.Count(log.String(), "min.insync.replicas") != 1 {
		t.Errorf("log:\n%s", log.String())
	}

	m, err := kafkaclient.NewAdmin(b.Addr()).Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ids := m.BrokerIDs(); !slices.Equal(ids, []int32{2}) || m.Controller != 2 || m.ClusterID != clusterID {
		t.Fatalf("metadata: brokers %v controller %d cluster %q", ids, m.Controller, m.ClusterID)
	}
	if m.Brokers[0].Host != "127.0.0.1" || net.JoinHostPort(m.Brokers[0].Host, strconv.Itoa(int(m.Brokers[0].Port))) != b.Addr() {
		t.Errorf("advertised %+v, want %s", m.Brokers[0], b.Addr())
	}

	admin := kafkaclient.NewAdmin(b.Addr())
	defer admin.Close()
	if err := admin.CreateTopic(ctx, kafkaclient.TopicSpec{Name: "kept", Partitions: 1, ReplicationFactor: 1}); err != nil {
		t.Fatal(err)
	}
	err = admin.CreateTopic(ctx, kafkaclient.TopicSpec{Name: "rf3", Partitions: 1, ReplicationFactor: 3})
	if !errors.Is(err, kafka.InvalidReplicationFactor) {
		t.Errorf("RF 3 on a test broker: %v, want InvalidReplicationFactor", err)
	}
	w := &kafka.Writer{Addr: kafka.TCP(b.Addr()), Topic: "kept", RequiredAcks: kafka.RequireAll, BatchTimeout: 10 * time.Millisecond}
	var sent []string
	for i := range 5 {
		sent = append(sent, "record-"+strconv.Itoa(i))
		if err := w.WriteMessages(ctx, kafka.Message{Value: []byte(sent[i])}); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	b.Close()

	b, err = Start(cfg, "", &log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got := readAll(t, ctx, b.Addr(), "kept", len(sent)); !slices.Equal(got, sent) {
		t.Errorf("after restart read %q, want %q", got, sent)
	}
}

// readAll reads n records of partition 0 of topic from the start.
func readAll(t *testing.T, ctx context.Context, addr, topic string, n int) []string {
	t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{addr}, Topic: topic, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	var got []string
	for range n {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("read %s after %d records: %v", topic, len(got), err)
		}
		got = append(got, string(m.Value))
	}
	return got
}

func TestStorageChecks(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	node1 := config(t, 1, dir, port)
	unformatted := config(t, 3, dir, port)
	if _, err := Format(node1, clusterID, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	// Node 2's config pointed at node 1's volume: a swapped volume.
	swapped := node1
	swapped.NodeID = 2

	cases := []struct {
		name    string
		cfg     brokerconfig.Config
		cluster string
		is      error
		want    []string
	}{
		{"unformatted", unformatted, "", ErrUnformatted,
			[]string{"No meta.properties found in " + unformatted.LogDirs[0] + " (have you run kafka-storage.sh to format the directory?)"}},
		{"swapped to another node", swapped, clusterID, ErrNodeMismatch, []string{"names node.id 1", "this broker is node.id 2"}},
		{"another cluster", node1, "AAAAAAAAAAAAAAAAAAAAAA", ErrClusterMismatch,
			[]string{"names cluster.id " + clusterID, "is AAAAAAAAAAAAAAAAAAAAAA"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Start(tc.cfg, tc.cluster, &bytes.Buffer{})
			if err == nil {
				b.Close()
				t.Fatal("started")
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %v, want %v", err, tc.is)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestFormat(t *testing.T) {
	dir := t.TempDir()
	cfg := config(t, 0, dir, 9092)
	cfg.MetadataLogDir = filepath.Join(dir, "meta")
	if _, err := Format(cfg, "not-a-uuid", false, time.Now()); !errors.Is(err, ErrBadClusterID) {
		t.Fatalf("bad cluster id: %v", err)
	}
	lines, err := Format(cfg, clusterID, false, time.Now())
	if err != nil || len(lines) != 2 {
		t.Fatalf("Format = %q, %v", lines, err)
	}
	first, err := ReadMeta(cfg.LogDirs[0])
	if err != nil {
		t.Fatal(err)
	}
	if first.ClusterID != clusterID || first.NodeID != 0 || CheckClusterID(first.DirectoryID) != nil {
		t.Errorf("meta %+v", first)
	}
	raw, _ := os.ReadFile(filepath.Join(cfg.LogDirs[0], MetaFile))
	p, err := props.Parse(raw)
	if err != nil || p.Len() != 4 {
		t.Fatalf("meta.properties:\n%s", raw)
	}
	if v, _ := p.Get("version"); v != "1" {
		t.Errorf("version %q", v)
	}
	if _, err := Format(cfg, clusterID, false, time.Now()); !errors.Is(err, ErrFormatted) || !strings.Contains(err.Error(), "--ignore-formatted") {
		t.Errorf("second format: %v", err)
	}
	if _, err := Format(cfg, "AAAAAAAAAAAAAAAAAAAAAA", true, time.Now()); err != nil {
		t.Errorf("--ignore-formatted: %v", err)
	}
	again, _ := ReadMeta(cfg.LogDirs[0])
	if again != first {
		t.Errorf("--ignore-formatted rewrote meta: %+v, was %+v", again, first)
	}
	if _, err := CheckStorage(cfg, clusterID); err != nil {
		t.Errorf("CheckStorage: %v", err)
	}
}

func TestReadMetaRefusesOtherVersions(t *testing.T) {
	dir := t.TempDir()
	for _, text := range []string{"version=0\nbroker.id=1\ncluster.id=x\n", "version=1\nnode.id=1\n", "version=1\ncluster.id=x\nnode.id=one\n"} {
		if err := os.WriteFile(filepath.Join(dir, MetaFile), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadMeta(dir); !errors.Is(err, ErrBadMeta) {
			t.Errorf("ReadMeta(%q) = %v, want ErrBadMeta", text, err)
		}
	}
}

func TestStartRefusesWhatItCannotServe(t *testing.T) {
	dir := t.TempDir()
	cfg := config(t, 0, dir, freePort(t))
	if _, err := Format(cfg, clusterID, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	tls := cfg
	tls.Listener.Protocol = "SSL"
	zero := cfg
	zero.Listener.Port = 0
	badParts := cfg
	badParts.Props = &props.Properties{}
	badParts.Props.Set("num.partitions", "0")
	for name, c := range map[string]brokerconfig.Config{"SSL": tls, "port 0": zero, "num.partitions 0": badParts} {
		if b, err := Start(c, "", &bytes.Buffer{}); err == nil {
			b.Close()
			t.Errorf("%s: started", name)
		}
	}
}

func TestAdvertised(t *testing.T) {
	host, _ := os.Hostname()
	pl := func(h string, port int) brokerconfig.Listener {
		return brokerconfig.Listener{Name: "PLAINTEXT", Protocol: "PLAINTEXT", Host: h, Port: port}
	}
	cases := []struct {
		listener, adv brokerconfig.Listener
		want          string
	}{
		{pl("", 9092), pl("127.0.1.2", 9092), "127.0.1.2:9092"},
		{pl("", 9092), pl("kafka-0-broker.kafka.autoip.dcos.thisdcos.directory", 9093), "kafka-0-broker.kafka.autoip.dcos.thisdcos.directory:9093"},
		{pl("127.0.1.5", 9092), brokerconfig.Listener{}, "127.0.1.5:9092"},
		{pl("0.0.0.0", 9092), brokerconfig.Listener{}, net.JoinHostPort(host, "9092")},
	}
	for _, tc := range cases {
		if got := advertised(brokerconfig.Config{Listener: tc.listener, Advertised: tc.adv}); got != tc.want {
			t.Errorf("advertised(%+v, %+v) = %s, want %s", tc.listener, tc.adv, got, tc.want)
		}
	}
}

// TestDynamicConfigs: the test broker describes log.segment.bytes as its
// server.properties sets it, and takes a new cluster-wide default at
// runtime, as Kafka does.
func TestDynamicConfigs(t *testing.T) {
	ctx := testContext(t)
	cfg := config(t, 1, t.TempDir(), freePort(t))
	cfg.Props.Set("log.segment.bytes", "536870912")
	if _, err := Format(cfg, clusterID, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	b, err := Start(cfg, clusterID, &log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if strings.Contains(log.String(), "log.segment.bytes ignored") {
		t.Errorf("log:\n%s", log.String())
	}
	c, err := kafkaclient.Dial(ctx, b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	names := []string{"log.segment.bytes"}
	for _, step := range []struct{ set, want string }{{"", "536870912"}, {"268435456", "268435456"}} {
		if step.set != "" {
			if err := c.SetBrokerConfigs(ctx, kafkaclient.ClusterDefault, map[string]string{"log.segment.bytes": step.set}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := c.BrokerConfigs(ctx, "1", names)
		if err != nil {
			t.Fatal(err)
		}
		if got["log.segment.bytes"] != step.want {
			t.Errorf("log.segment.bytes = %q, want %s", got["log.segment.bytes"], step.want)
		}
	}
}

// TestStartRefusesBadSegmentSize: a log.segment.bytes that is not a
// positive integer is refused, naming it.
func TestStartRefusesBadSegmentSize(t *testing.T) {
	for _, v := range []string{"0", "-5", "big", "4294967296"} {
		cfg := config(t, 1, t.TempDir(), freePort(t))
		cfg.Props.Set("log.segment.bytes", v)
		if _, err := options(cfg); err == nil || !strings.Contains(err.Error(), "log.segment.bytes") {
			t.Errorf("log.segment.bytes=%s: %v, want an error naming it", v, err)
		}
	}
}

// TestSASL: a test broker whose listener is SASL_PLAINTEXT requires
// SCRAM-SHA-512: its listener's JAAS login is the superuser, who adds a
// user through the Admin API; the user logs in, also after a restart (the
// credentials are kept with the data); no login, or a wrong password, is
// refused.
func TestSASL(t *testing.T) {
	ctx := testContext(t)
	dir, port := t.TempDir(), freePort(t)
	text := fmt.Sprintf(`process.roles=broker
node.id=0
listeners=CLIENT://127.0.0.1:%d
advertised.listeners=CLIENT://127.0.0.1:%d
listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=%s
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="kennel-admin" password="adm1n";
`, port, port, filepath.Join(dir, "data"))
	p, err := props.Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := brokerconfig.FromProperties(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Format(cfg, clusterID, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	b, err := Start(cfg, clusterID, &log)
	if err != nil {
		t.Fatal(err)
	}
	admin := kafkaclient.NewSecureAdmin(kafkaclient.Security{SCRAM: &kafkaclient.SCRAM{User: "kennel-admin", Password: "adm1n"}}, b.Addr())
	if err := admin.SetUser(ctx, "alice", "wonderland"); err != nil {
		t.Fatal(err)
	}
	admin.Close()
	login := func(user, password string) error {
		sec := kafkaclient.Security{}
		if user != "" {
			sec.SCRAM = &kafkaclient.SCRAM{User: user, Password: password}
		}
		c, err := kafkaclient.DialSecure(ctx, b.Addr(), sec)
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Metadata(ctx)
		return err
	}
	if err := login("alice", "wonderland"); err != nil {
		t.Fatalf("alice: %v", err)
	}
	if err := login("alice", "guess"); !errors.Is(err, kafkaclient.ErrAuthentication) {
		t.Errorf("alice with a wrong password: %v", err)
	}
	if err := login("", ""); err == nil {
		t.Error("metadata without a login")
	}
	// librdkafka (kcat) needs SaslHandshake listed from version 0.
	if c, err := kafkaclient.Dial(ctx, b.Addr()); err != nil {
		t.Error(err)
	} else {
		if r, ok := c.APIs[17]; !ok || r.Min != 0 || r.Max != 1 {
			t.Errorf("SaslHandshake versions %+v, want 0-1", r)
		}
		c.Close()
	}
	b.Close()
	if b, err = Start(cfg, "", &log); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, u := range [][2]string{{"alice", "wonderland"}, {"kennel-admin", "adm1n"}} {
		if err := login(u[0], u[1]); err != nil {
			t.Errorf("%s after a restart: %v", u[0], err)
		}
	}
	if strings.Contains(log.String(), "adm1n") || strings.Contains(log.String(), "sasl.enabled.mechanisms ignored") ||
		strings.Contains(log.String(), "jaas.config ignored") {
		t.Errorf("log:\n%s", log.String())
	}
}
