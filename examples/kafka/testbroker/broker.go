// Package testbroker is a Kafka broker for machines without Kafka: the
// Kafka service runs it instead of kafka-server-start.sh when the spec's
// KAFKA_TEST_BROKER switch is on, so that the service deploys, restarts and
// is probed on any machine, CI included.
//
// What it is: one franz-go kfake cluster of one broker in one process. It
// reads the broker's rendered server.properties as Kafka does, serves the
// Kafka protocol (produce, fetch, consumer groups, topic admin, ...) as that
// node.id on that listener's port, keeps its topics and records under the
// first of log.dirs (on the service's volume, so they survive restarts), and
// formats and checks meta.properties in every log directory as Kafka 4.x
// does: start refuses an unformatted directory or one that names another
// node.id or cluster.id.
//
// What it is not: a Kafka cluster. Separate test brokers never talk to each
// other: each is a single-node cluster of its own, its own controller, whose
// Metadata lists only itself (it cannot know its peers). Nothing is
// replicated: a topic's replication factor cannot exceed 1 (one broker), so
// in-sync replicas and under-replicated partitions are trivial, and a
// replaced broker's data is simply gone. It serves one listener, the first
// broker listener, over PLAINTEXT or SSL (the PKCS12 keystore of
// ssl.keystore.location), with SASL/SCRAM-SHA-512 when its protocol is
// SASL_PLAINTEXT or SASL_SSL (the listener's JAAS login is the superuser);
// the controller quorum, other SASL mechanisms, further listeners
// and most broker settings are not implemented: start names each setting
// it ignores, once, and refuses what it cannot run without.
package testbroker

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/kennel-sdk/kennel/examples/kafka/brokerconfig"
)

// DataDir is the directory under the first log dir that holds the test
// broker's topics, records and groups.
const DataDir = "kfake-data"

// honoured are the server.properties keys the test broker acts on.
var honoured = []string{
	"node.id", "process.roles", "listeners", "advertised.listeners", "controller.listener.names",
	"listener.security.protocol.map", "log.dirs", "log.dir", "metadata.log.dir",
	"num.partitions", "auto.create.topics.enable", "log.segment.bytes",
	"ssl.keystore.location", "ssl.keystore.password", "ssl.keystore.type", "ssl.key.password",
	"sasl.enabled.mechanisms",
}

// ignoredWhy explains keys the test broker knowingly does without.
var ignoredWhy = map[string]string{
	"controller.quorum.voters":                 "each test broker is its own single-node cluster",
	"controller.quorum.bootstrap.servers":      "each test broker is its own single-node cluster",
	"inter.broker.listener.name":               "test brokers do not talk to each other",
	"default.replication.factor":               "nothing is replicated: topics have one replica",
	"offsets.topic.replication.factor":         "nothing is replicated: topics have one replica",
	"transaction.state.log.replication.factor": "nothing is replicated: topics have one replica",
	"min.insync.replicas":                      "nothing is replicated: the one replica is always in sync",
	"transaction.state.log.min.isr":            "nothing is replicated: the one replica is always in sync",
	"controlled.shutdown.enable":               "there is no leadership to move: the broker just stops",
	"broker.rack":                              "a single broker has no racks to spread over",
}

// Broker is a running test broker.
type Broker struct {
	cluster *kfake.Cluster
	addr    string
}

// Addr is the address the broker advertises (host:port).
func (b *Broker) Addr() string { return b.addr }

// Close stops the broker and flushes its data to disk.
func (b *Broker) Close() { b.cluster.Close() }

// Start is StartRelease of the newest release kfake knows.
func Start(cfg brokerconfig.Config, clusterID string, log io.Writer) (*Broker, error) {
	return StartRelease(cfg, clusterID, Release{versions: kversion.Stable()}, log)
}

// StartRelease checks the storage (see CheckStorage; clusterID may be
// empty) and starts the broker of cfg playing release r (see Release):
// its finalized features are those kept in the first log dir
// (FeaturesFile; a new directory gets the release's), and it refuses to
// start when r does not support them. It writes one line per ignored
// setting and one saying where it serves to log.
func StartRelease(cfg brokerconfig.Config, clusterID string, r Release, log io.Writer) (*Broker, error) {
	var tlsConfig *tls.Config
	switch cfg.Listener.Protocol {
	case "PLAINTEXT", "SASL_PLAINTEXT":
	case "SSL", "SASL_SSL":
		var err error
		if tlsConfig, err = cfg.ServerTLS(); err != nil {
			return nil, fmt.Errorf("test broker: %w", err)
		}
	default:
		return nil, fmt.Errorf("test broker: listener %s is %s: the test broker serves PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL only",
			cfg.Listener.Name, cfg.Listener.Protocol)
	}
	// SASL: SCRAM-SHA-512 only, the listener's own login as the superuser
	// (the scheduler's admin); the users the Admin API adds are kept with
	// the data.
	user, password, sasl, err := cfg.SCRAMLogin()
	if err != nil {
		return nil, fmt.Errorf("test broker: %w", err)
	}
	if cfg.Listener.Port == 0 {
		return nil, fmt.Errorf("test broker: listener %s has port 0: the test broker needs the port it is given", cfg.Listener.Name)
	}
	id, err := CheckStorage(cfg, clusterID)
	if err != nil {
		return nil, fmt.Errorf("test broker: %w", err)
	}
	opts, err := options(cfg)
	if err != nil {
		return nil, fmt.Errorf("test broker: %w", err)
	}
	feats, err := loadFeatures(cfg.LogDirs[0], r)
	if err != nil {
		return nil, fmt.Errorf("test broker: %w", err)
	}
	opts = append(opts, r.opts()...)
	if sasl {
		opts = append(opts, kfake.EnableSASL(), kfake.Superuser(brokerconfig.MechanismSCRAM512, user, password))
	}
	for _, line := range ignored(cfg) {
		fmt.Fprintln(log, line)
	}
	adv := advertised(cfg)
	listen := nodeListener(cfg, adv)
	listen.tls = tlsConfig
	n := int(cfg.NodeID) + 1
	opts = append(opts,
		kfake.NumBrokers(n), kfake.ListenFn(listen.fn), kfake.ClusterID(id),
		kfake.DataDir(filepath.Join(cfg.LogDirs[0], DataDir)),
		kfake.WithLogger(kfake.BasicLogger(prefixed{log}, kfake.LogLevelWarn)),
	)
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("test broker: node %d on %s: %w", cfg.NodeID, listen.bind, err)
	}
	// kfake numbers its brokers 0..n-1 and makes the last the controller:
	// the throw-away brokers before this node's id are removed, leaving
	// node.id alone, its own controller.
	for i := range cfg.NodeID {
		if err := c.RemoveNode(i); err != nil {
			c.Close()
			return nil, fmt.Errorf("test broker: %w", err)
		}
	}
	c.ControlKey(kmsg.UpdateFeatures.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl() // every UpdateFeatures request, not only the first refused
		return feats.control(req)
	})
	ctx, cancel := context.WithTimeout(context.Background(), restoreTimeout)
	defer cancel()
	if err := feats.restore(ctx, cfg, tlsConfig, sasl); err != nil {
		c.Close()
		return nil, fmt.Errorf("test broker: %w", err)
	}
	if sasl {
		if err := advertiseHandshakeV0(c, selfAddr(listen.bind), tlsConfig != nil, feats.answer); err != nil {
			c.Close()
			return nil, fmt.Errorf("test broker: %w", err)
		}
	}
	b := &Broker{cluster: c, addr: adv}
	fmt.Fprintf(log, "test broker: node %d of cluster %s serving on %s (advertised as %s), data in %s, playing Kafka %s at %s\n",
		cfg.NodeID, id, listen.bind, adv, filepath.Join(cfg.LogDirs[0], DataDir), r.display(), feats.describe())
	return b, nil
}

// Run starts the broker playing release r and serves until ctx ends, then stops it and
// flushes its data.
func Run(ctx context.Context, cfg brokerconfig.Config, clusterID string, r Release, log io.Writer) error {
	b, err := StartRelease(cfg, clusterID, r, log)
	if err != nil {
		return err
	}
	<-ctx.Done()
	b.Close()
	fmt.Fprintf(log, "test broker: node %d stopped\n", cfg.NodeID)
	return nil
}

// options maps the honoured settings to kfake's.
func options(cfg brokerconfig.Config) ([]kfake.Opt, error) {
	partitions := 1 // Kafka's default num.partitions
	if v, ok := cfg.Props.Get("num.partitions"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("num.partitions %q is not a positive integer", v)
		}
		partitions = n
	}
	opts := []kfake.Opt{kfake.DefaultNumPartitions(partitions)}
	auto := true // Kafka's default auto.create.topics.enable
	if v, ok := cfg.Props.Get("auto.create.topics.enable"); ok {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("auto.create.topics.enable %q is not true or false", v)
		}
		auto = b
	}
	if auto {
		opts = append(opts, kfake.AllowAutoTopicCreation())
	}
	// Broker configs Kafka changes at runtime, which kfake describes and
	// alters (the scheduler applies the package's dynamic options in
	// place through IncrementalAlterConfigs).
	if v, ok := cfg.Props.Get("log.segment.bytes"); ok {
		v = strings.TrimSpace(v)
		if n, err := strconv.ParseInt(v, 10, 32); err != nil || n < 1 {
			return nil, fmt.Errorf("log.segment.bytes %q is not a positive integer", v)
		}
		opts = append(opts, kfake.BrokerConfigs(map[string]string{"log.segment.bytes": v}))
	}
	return opts, nil
}

// ignored is one line per setting of cfg the test broker does not honour.
func ignored(cfg brokerconfig.Config) []string {
	var out []string
	for _, k := range cfg.Props.Keys() {
		if slices.Contains(honoured, k) || strings.HasSuffix(k, ".scram-sha-512.sasl.jaas.config") {
			continue
		}
		why, ok := ignoredWhy[k]
		if !ok {
			why = "not implemented by the test broker"
		}
		out = append(out, fmt.Sprintf("test broker: %s ignored: %s", k, why))
	}
	if len(cfg.LogDirs) > 1 {
		out = append(out, fmt.Sprintf("test broker: log.dirs has %d directories: data goes to the first, the others only hold meta.properties", len(cfg.LogDirs)))
	}
	if slices.Contains(cfg.Roles, "controller") {
		out = append(out, "test broker: process.roles controller ignored: each test broker is its own single-node cluster, its own controller")
	}
	return out
}

// advertised is the host:port the broker tells clients: its entry in
// advertised.listeners, else the listener itself, whose every-interface
// host is advertised as the machine's host name, as Kafka does.
func advertised(cfg brokerconfig.Config) string {
	l := cfg.Listener
	if cfg.Advertised.Name != "" {
		l = cfg.Advertised
	}
	host := l.Host
	if l.Wildcard() {
		host, _ = os.Hostname()
	}
	return net.JoinHostPort(host, strconv.Itoa(l.Port))
}

// listener binds this node's listener where server.properties says (an
// empty host is every interface, as in Kafka) and reports the advertised
// address as its own, which kfake hands to clients in Metadata. kfake's
// throw-away brokers (those before the node id) get ephemeral loopback
// ports.
type listener struct {
	bind  string
	adv   string
	node  int
	calls int
	tls   *tls.Config // nil: PLAINTEXT
}

func nodeListener(cfg brokerconfig.Config, adv string) *listener {
	return &listener{
		bind: net.JoinHostPort(cfg.Listener.Host, strconv.Itoa(cfg.Listener.Port)),
		adv:  adv,
		node: int(cfg.NodeID),
	}
}

// fn is called by kfake once per broker, in node id order, on one goroutine.
func (l *listener) fn(network, _ string) (net.Listener, error) {
	call := l.calls
	l.calls++
	if call != l.node {
		return net.Listen(network, "127.0.0.1:0")
	}
	ln, err := net.Listen(network, l.bind)
	if err != nil {
		return nil, err
	}
	if l.tls != nil {
		ln = tls.NewListener(ln, l.tls)
	}
	return advertisedListener{Listener: ln, adv: advAddr(l.adv)}, nil
}

type advertisedListener struct {
	net.Listener
	adv advAddr
}

func (a advertisedListener) Addr() net.Addr { return a.adv }

// advAddr is an advertised host:port as a net.Addr.
type advAddr string

func (advAddr) Network() string  { return "tcp" }
func (a advAddr) String() string { return string(a) }

// prefixed writes kfake's own warnings and errors as test broker lines.
type prefixed struct{ w io.Writer }

func (p prefixed) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, "test broker: kfake: "); err != nil {
		return 0, err
	}
	return p.w.Write(b)
}
