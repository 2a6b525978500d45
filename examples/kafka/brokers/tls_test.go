package brokers_test

import (
	"context"
	"crypto/tls"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kennel-sdk/kennel/certs"
	"github.com/kennel-sdk/kennel/examples/kafka/brokers"
	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/runtime"
)

// tlsKfake starts three kfake brokers serving TLS only, with a
// certificate for 127.0.0.1 the service CA ca signed, and returns the
// scheduler's view of them: TLS-only brokers (their PLAINTEXT port is
// closed) and the CA certificate caPEM in the view.
func tlsKfake(t *testing.T, ca *certs.CA, caPEM []byte) (*kfake.Cluster, scheduler.EnvView) {
	t.Helper()
	key, err := certs.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	csr, err := certs.NewRequest(key, "kafka-broker.kafka")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, err := ca.Sign(csr, certs.Names{CommonName: "kafka-broker.kafka", IPs: []net.IP{net.ParseIP("127.0.0.1")}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := certs.KeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.TLS(&tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	view := scheduler.EnvView{Config: "v1", CACert: caPEM, Placed: map[string]scheduler.PlacedTask{}}
	for i, addr := range c.ListenAddrs() {
		host, port, _ := net.SplitHostPort(addr)
		view.Placed["kafka-"+strconv.Itoa(i)+"-broker"] = scheduler.PlacedTask{
			Instance: scheduler.Instance{Pod: brokers.Pod, Index: i}, Task: brokers.Task, ConfigID: "v1",
			Env: map[string]string{brokers.VarAdvertisedHost: host, brokers.VarBrokerPort: "1",
				brokers.VarBrokerPortTLS: port, brokers.VarTLSSection: "true"}}
	}
	return c, view
}

// TestTLSOnlyBrokers: the scheduler's own clients (the roll gates and the
// in-place configs) reach brokers that listen with TLS only, trusting the
// service's CA from the view; with another CA, or none, they do not.
func TestTLSOnlyBrokers(t *testing.T) {
	ca, err := certs.NewCA("kafka", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	other, err := certs.NewCA("kafka", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, view := tlsKfake(t, ca, ca.CertPEM())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	inst := scheduler.Instance{Pod: brokers.Pod, Index: 1}
	v, err := brokers.Gates{}.BeforeRestart(ctx, view, inst)
	if err != nil || v != runtime.Pass() {
		t.Fatalf("before-restart gate over TLS: %+v, %v", v, err)
	}
	target := kafkaSpec(t, map[string]string{"KAFKA_LOG_SEGMENT_BYTES": "536870912"})
	if err := (brokers.InPlace{}).Apply(ctx, view, target); err != nil {
		t.Fatalf("in-place configs over TLS: %v", err)
	}
	sec, err := kafkaclient.TrustCA(ca.CertPEM())
	if err != nil {
		t.Fatal(err)
	}
	conn, err := kafkaclient.DialSecure(ctx, c.ListenAddrs()[2], sec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := conn.BrokerConfigs(ctx, "2", []string{"log.segment.bytes"})
	conn.Close()
	if err != nil || got["log.segment.bytes"] != "536870912" {
		t.Errorf("broker 2 over TLS: %v, %v; want log.segment.bytes 536870912", got, err)
	}

	for _, c := range []struct {
		name string
		ca   []byte
		want string
	}{
		{"another CA", other.CertPEM(), "certificate signed by unknown authority"},
		{"no CA", nil, brokers.ErrNoCA.Error()},
	} {
		view.CACert = c.ca
		_, err := brokers.Gates{}.BeforeRestart(ctx, view, inst)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: gate error %v, want %q", c.name, err, c.want)
		}
		err = (brokers.InPlace{}).Apply(ctx, view, target)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: in-place error %v, want %q", c.name, err, c.want)
		}
	}
}
