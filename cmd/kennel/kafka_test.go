package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const testClusterID = "S2VubmVsS2Fma2FDbHVzdA"

var (
	kennelOnce sync.Once
	kennelBin  string
	kennelErr  error
)

// kennelBinary builds the kennel binary once per test run, for the tests
// that need it as a separate process (signals, exit statuses).
func kennelBinary(t *testing.T) string {
	t.Helper()
	kennelOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kennel-kafka-test")
		if err != nil {
			kennelErr = err
			return
		}
		binDirs = append(binDirs, dir)
		kennelBin = filepath.Join(dir, "kennel")
		if out, err := exec.Command("go", "build", "-o", kennelBin, ".").CombinedOutput(); err != nil {
			kennelErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if kennelErr != nil {
		t.Fatal(kennelErr)
	}
	return kennelBin
}

// binDirs are removed by TestMain after the tests.
var binDirs []string

func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// brokerProperties writes a server.properties like the Kafka spec renders
// for node, with its log dir dataDir, and returns its path.
func brokerProperties(t *testing.T, node, port int, dataDir string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "server.properties")
	text := fmt.Sprintf(`# rendered
process.roles=broker,controller
node.id=%d
controller.quorum.bootstrap.servers=127.0.0.1:1
listeners=CONTROLLER://127.0.0.1:1,PLAINTEXT://:%d
advertised.listeners=PLAINTEXT://127.0.0.1:%d
controller.listener.names=CONTROLLER
log.dirs=%s
`, node, port, port, dataDir)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type result struct {
	out  string
	code int
}

// kennel runs the binary to completion.
func kennel(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(kennelBinary(t), args...)
	out, err := cmd.CombinedOutput()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{string(out), code}
}

// broker is a running `kennel kafka test-broker start`.
type broker struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{} // closed when the process has ended; then err is its Wait error
	err    error
}

func startBroker(t *testing.T, config string) *broker {
	t.Helper()
	b := &broker{cmd: exec.Command(kennelBinary(t), "kafka", "test-broker", "start", config), out: &syncBuffer{}, exited: make(chan struct{})}
	b.cmd.Stdout, b.cmd.Stderr = b.out, b.out
	b.cmd.Env = append(os.Environ(), "KAFKA_CLUSTER_ID="+testClusterID)
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		b.err = b.cmd.Wait()
		close(b.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-b.exited:
		default:
			_ = b.cmd.Process.Kill()
			<-b.exited
		}
	})
	return b
}

// syncBuffer is the broker's output, written by exec's copier while the
// test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// stop sends SIGTERM and waits for a clean exit.
func (b *broker) stop(t *testing.T) {
	t.Helper()
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.exited:
		if b.err != nil {
			t.Fatalf("broker exited with %v after SIGTERM:\n%s", b.err, b.out)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("broker did not stop within 30 s of SIGTERM:\n%s", b.out)
	}
}

// waitReady polls `kennel kafka probe` until it says ready.
func waitReady(t *testing.T, config string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		r := kennel(t, "kafka", "probe", "--config", config, "--isr")
		if r.code == 0 {
			return
		}
		if r.code != 1 || strings.Count(strings.TrimSpace(r.out), "\n") != 0 {
			t.Fatalf("probe exit %d, want 1 with one line:\n%s", r.code, r.out)
		}
		if time.Now().After(deadline) {
			t.Fatalf("broker not ready within 60 s; last probe: %s", r.out)
		}
		<-tick.C
	}
}

// TestKafkaTestBrokerProcess: the broker task's lifecycle with the test
// broker as a process: start refused before format, format once, probe,
// produce, SIGTERM, start again with the data kept, the same after SIGKILL,
// and a swapped volume refused.
func TestKafkaTestBrokerProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the kennel binary")
	}
	port := freeLoopbackPort(t)
	data := filepath.Join(t.TempDir(), "broker-1")
	config := brokerProperties(t, 1, port, data)

	r := kennel(t, "kafka", "probe", "--config", config)
	if want := fmt.Sprintf("not ready: broker 1 not answering on 127.0.0.1:%d: connection refused\n", port); r.code != 1 || r.out != want {
		t.Errorf("probe of no broker: exit %d %q, want 1 %q", r.code, r.out, want)
	}
	r = kennel(t, "kafka", "test-broker", "start", config)
	if r.code == 0 || !strings.Contains(r.out, "No meta.properties found in "+data+" (have you run kafka-storage.sh to format the directory?)") {
		t.Fatalf("start before format: exit %d\n%s", r.code, r.out)
	}
	if r = kennel(t, "kafka", "test-broker", "format", "--cluster-id", testClusterID, "--config", config); r.code != 0 {
		t.Fatalf("format: exit %d\n%s", r.code, r.out)
	}
	if r = kennel(t, "kafka", "test-broker", "format", "-t", testClusterID, "-c", config); r.code == 0 || !strings.Contains(r.out, "--ignore-formatted") {
		t.Fatalf("second format: exit %d\n%s", r.code, r.out)
	}
	if r = kennel(t, "kafka", "test-broker", "format", "-t", testClusterID, "-c", config, "--ignore-formatted"); r.code != 0 {
		t.Fatalf("format --ignore-formatted: exit %d\n%s", r.code, r.out)
	}

	b := startBroker(t, config)
	waitReady(t, config)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: "kept", RequiredAcks: kafka.RequireAll, AllowAutoTopicCreation: true, BatchTimeout: 10 * time.Millisecond}
	sent := []string{"a", "b", "c"}
	for _, v := range sent {
		if err := writeRetrying(ctx, w, v); err != nil {
			t.Fatalf("produce: %v\n%s", err, b.out)
		}
	}
	w.Close()
	b.stop(t)
	if !strings.Contains(b.out.String(), "node 1 stopped") {
		t.Errorf("broker log:\n%s", b.out)
	}

	b = startBroker(t, config)
	waitReady(t, config)
	reader := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{addr}, Topic: "kept", MaxWait: 100 * time.Millisecond})
	defer reader.Close()
	var got []string
	for range sent {
		m, err := reader.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("consume after restart: %v\n%s", err, b.out)
		}
		got = append(got, string(m.Value))
	}
	if !slices.Equal(got, sent) {
		t.Errorf("after restart read %q, want %q", got, sent)
	}

	// A crash (SIGKILL, no flush) keeps what the broker acknowledged.
	w = &kafka.Writer{Addr: kafka.TCP(addr), Topic: "kept", RequiredAcks: kafka.RequireAll, BatchTimeout: 10 * time.Millisecond}
	if err := writeRetrying(ctx, w, "d"); err != nil {
		t.Fatalf("produce: %v\n%s", err, b.out)
	}
	w.Close()
	sent = append(sent, "d")
	if err := b.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-b.exited
	b = startBroker(t, config)
	waitReady(t, config)
	crashReader := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{addr}, Topic: "kept", MaxWait: 100 * time.Millisecond})
	defer crashReader.Close()
	got = nil
	for range sent {
		m, err := crashReader.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("consume after SIGKILL: %v\n%s", err, b.out)
		}
		got = append(got, string(m.Value))
	}
	if !slices.Equal(got, sent) {
		t.Errorf("after SIGKILL read %q, want %q", got, sent)
	}
	b.stop(t)

	// Node 2's task given node 1's volume.
	swapped := brokerProperties(t, 2, port, data)
	r = kennel(t, "kafka", "test-broker", "start", swapped)
	if r.code == 0 || !strings.Contains(r.out, "names node.id 1, but this broker is node.id 2") {
		t.Errorf("swapped volume: exit %d\n%s", r.code, r.out)
	}
	r = kennel(t, "kafka", "test-broker", "start", "--cluster-id", "AAAAAAAAAAAAAAAAAAAAAA", config)
	if r.code == 0 || !strings.Contains(r.out, "names cluster.id "+testClusterID) || !strings.Contains(r.out, "AAAAAAAAAAAAAAAAAAAAAA") {
		t.Errorf("another cluster's volume: exit %d\n%s", r.code, r.out)
	}
}

// writeRetrying writes one record, retrying while the topic is being
// auto-created (kafka-go reports that as a retriable error).
func writeRetrying(ctx context.Context, w *kafka.Writer, v string) error {
	for {
		err := w.WriteMessages(ctx, kafka.Message{Value: []byte(v)})
		var ke kafka.Error
		if err == nil || !errors.As(err, &ke) || !ke.Temporary() || ctx.Err() != nil {
			return err
		}
	}
}

// TestKafkaTestBrokerKcat: Debian's kcat, a client on librdkafka, sees the
// test broker as its node id and produces and consumes through it.
func TestKafkaTestBrokerKcat(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the kennel binary")
	}
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("kcat is required when CI is set (apt-get install kcat; `make deps` installs it)")
		}
		t.Skip("kcat not installed; `make deps` installs it")
	}
	port := freeLoopbackPort(t)
	config := brokerProperties(t, 4, port, filepath.Join(t.TempDir(), "broker-4"))
	if r := kennel(t, "kafka", "test-broker", "format", "-t", testClusterID, "-c", config); r.code != 0 {
		t.Fatalf("format: %s", r.out)
	}
	b := startBroker(t, config)
	waitReady(t, config)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	run := func(stdin string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, kcat, append([]string{"-b", addr}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("kcat %v: %v\n%s\nbroker:\n%s", args, err, out, b.out)
		}
		return string(out)
	}
	if out := run("", "-L"); !strings.Contains(out, fmt.Sprintf("broker 4 at %s (controller)", addr)) || !strings.Contains(out, " 1 brokers:") {
		t.Errorf("kcat -L:\n%s", out)
	}
	run("one\ntwo\n", "-P", "-t", "kc")
	if out := run("", "-C", "-t", "kc", "-o", "beginning", "-e", "-q"); out != "one\ntwo\n" {
		t.Errorf("kcat consumed %q", out)
	}
	b.stop(t)
}

// TestKafkaProbeCommand: the probe command against an in-process kfake
// cluster whose broker 2 hosts an under-replicated partition: ready
// without the ISR requirement, not ready with it (from KAFKA_READINESS_ISR
// or --isr), and an unreadable config is exit status 2.
func TestKafkaProbeCommand(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(3))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addrs := c.ListenAddrs()
	c.ControlKey(int16(kmsg.Metadata), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		resp := kmsg.NewPtrMetadataResponse()
		resp.SetVersion(req.GetVersion())
		for i, addr := range addrs {
			host, port, _ := net.SplitHostPort(addr)
			n, _ := strconv.Atoi(port)
			b := kmsg.NewMetadataResponseBroker()
			b.NodeID, b.Host, b.Port = int32(i), host, int32(n)
			resp.Brokers = append(resp.Brokers, b)
		}
		topic, name := kmsg.NewMetadataResponseTopic(), "t"
		topic.Topic = &name
		part := kmsg.NewMetadataResponseTopicPartition()
		part.Leader, part.Replicas, part.ISR = 0, []int32{0, 2}, []int32{0}
		topic.Partitions = append(topic.Partitions, part)
		resp.Topics = append(resp.Topics, topic)
		return resp, nil, true
	})
	_, port, _ := net.SplitHostPort(addrs[2])
	config := filepath.Join(t.TempDir(), "server.properties")
	text := "process.roles=broker\nnode.id=2\nlisteners=PLAINTEXT://127.0.0.1:" + port + "\nlog.dirs=/unused\n"
	if err := os.WriteFile(config, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	ready := "ready: broker 2 answers on 127.0.0.1:" + port + "\n"
	urp := "not ready: 1 partition under-replicated: t-0\n"
	cases := []struct {
		env  string
		args []string
		out  string
		code int
	}{
		{"", nil, ready, 0},
		{"true", nil, urp, 1},
		{"", []string{"--isr"}, urp, 1},
		{"true", []string{"--isr=false"}, ready, 0},
	}
	for _, tc := range cases {
		t.Setenv("KAFKA_READINESS_ISR", tc.env)
		out, errOut, code := run(t, append([]string{"kafka", "probe", "--config", config}, tc.args...)...)
		if out != tc.out || code != tc.code {
			t.Errorf("env %q args %v: exit %d %q (stderr %q), want %d %q", tc.env, tc.args, code, out, errOut, tc.code, tc.out)
		}
	}
	_, errOut, code := run(t, "kafka", "probe", "--config", filepath.Join(t.TempDir(), "missing"))
	if code == 0 || !strings.Contains(errOut, "missing") {
		t.Errorf("missing config: exit %d, stderr %q", code, errOut)
	}
}
