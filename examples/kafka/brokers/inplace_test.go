package brokers_test

import (
	"context"
	"errors"
	"maps"
	"os"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kennel-sdk/kennel/examples/kafka/brokers"
	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/servicespec"
)

// TestInPlaceChanges: which changes of the broker task's variables a
// running broker takes without a restart.
func TestInPlaceChanges(t *testing.T) {
	cases := []struct {
		pod, task, key, old, new string
		want                     bool
	}{
		{"kafka", "broker", "KAFKA_LOG_SEGMENT_BYTES", "1073741824", "536870912", true},
		{"kafka", "broker", "KAFKA_MIN_INSYNC_REPLICAS", "1", "2", true},
		{"kafka", "broker", "KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE", "false", "true", true},
		{"kafka", "broker", "KAFKA_NUM_IO_THREADS", "8", "16", true},
		{"kafka", "broker", "KAFKA_NUM_IO_THREADS", "8", "4", true},
		{"kafka", "broker", "KAFKA_NUM_IO_THREADS", "8", "17", false},     // more than twice
		{"kafka", "broker", "KAFKA_NUM_NETWORK_THREADS", "8", "3", false}, // less than half
		{"kafka", "broker", "KAFKA_NUM_NETWORK_THREADS", "1", "0", false},
		{"kafka", "broker", "KAFKA_NUM_NETWORK_THREADS", "3", "x", false},
		{"kafka", "broker", "KAFKA_LOG_RETENTION_HOURS", "168", "24", false}, // read-only in Kafka
		{"kafka", "broker", "KAFKA_NUM_PARTITIONS", "1", "3", false},
		{"kafka", "broker", "KAFKA_DEFAULT_REPLICATION_FACTOR", "1", "3", false},
		{"kafka", "broker", "KAFKA_AUTO_CREATE_TOPICS_ENABLE", "true", "false", false},
		{"kafka", "broker", "KAFKA_HEAP_OPTS", "-Xmx1G", "-Xmx2G", false},
		{"kafka", "broker", "KAFKA_LOG_SEGMENT_BYTES", "", "536870912", false}, // added: nothing to compare
		{"kafka", "broker", "KAFKA_LOG_SEGMENT_BYTES", "536870912", "", false}, // removed: the default comes back on restart only
		{"kafka", "other", "KAFKA_LOG_SEGMENT_BYTES", "1", "2", false},
		{"zookeeper", "broker", "KAFKA_LOG_SEGMENT_BYTES", "1", "2", false},
	}
	for _, c := range cases {
		if got := (brokers.InPlace{}).Changes(c.pod, c.task, c.key, c.old, c.new); got != c.want {
			t.Errorf("Changes(%s, %s, %s, %q → %q) = %v, want %v", c.pod, c.task, c.key, c.old, c.new, got, c.want)
		}
	}
}

// TestInPlaceUpdates: what an update of the package's options does to the
// brokers of the real svc.yml, with Kafka's in-place classification.
func TestInPlaceUpdates(t *testing.T) {
	cases := []struct {
		name    string
		changes map[string]string
		want    servicespec.Action
	}{
		{"segment size", map[string]string{"KAFKA_LOG_SEGMENT_BYTES": "536870912"}, servicespec.ActionInPlace},
		{"min ISR and unclean election", map[string]string{"KAFKA_MIN_INSYNC_REPLICAS": "2", "KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE": "true"}, servicespec.ActionInPlace},
		{"io threads doubled", map[string]string{"KAFKA_NUM_IO_THREADS": "16"}, servicespec.ActionInPlace},
		{"io threads tripled", map[string]string{"KAFKA_NUM_IO_THREADS": "24"}, servicespec.ActionRestart},
		{"retention hours", map[string]string{"KAFKA_LOG_RETENTION_HOURS": "24"}, servicespec.ActionRestart},
		{"segment size and partitions", map[string]string{"KAFKA_LOG_SEGMENT_BYTES": "536870912", "KAFKA_NUM_PARTITIONS": "3"}, servicespec.ActionRestart},
		{"segment size and heap", map[string]string{"KAFKA_LOG_SEGMENT_BYTES": "536870912", "BROKER_JAVA_HEAP_MB": "2048"}, servicespec.ActionRestart},
	}
	prev := kafkaSpec(t, nil)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			next := kafkaSpec(t, c.changes)
			u := servicespec.CompareUpdate(prev, next)
			u.InPlace(prev, next, brokers.InPlace{}.Changes)
			if len(u.Instances) == 0 {
				t.Fatalf("no instances: %+v", u)
			}
			for _, iu := range u.Instances {
				if iu.Action != c.want {
					t.Errorf("%s: %s (%v), want %s", iu.Instance, iu.Action, iu.Reasons, c.want)
				}
			}
		})
	}
}

// kafkaSpec renders ../svc.yml with svc.env's defaults and changes.
func kafkaSpec(t *testing.T, changes map[string]string) *servicespec.ServiceSpec {
	t.Helper()
	data, err := os.ReadFile("../svc.env")
	if err != nil {
		t.Fatal(err)
	}
	env, err := servicespec.ParseEnvFile("svc.env", data)
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(env, changes)
	if _, err := brokers.Extension(env); err != nil {
		t.Fatal(err)
	}
	specData, err := os.ReadFile("../svc.yml")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := servicespec.Load("svc.yml", specData, servicespec.LoadOptions{Env: env, Templates: os.DirFS("..")})
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// TestInPlaceApplyOnKfake: Apply sets the target's dynamic configs as
// cluster-wide defaults with one wire-correct IncrementalAlterConfigs,
// every broker then reports them, and a second Apply alters nothing.
func TestInPlaceApplyOnKfake(t *testing.T) {
	c, view := kfakeCluster(t)
	var mu sync.Mutex
	var alters []*kmsg.IncrementalAlterConfigsRequest
	c.ControlKey(int16(kmsg.IncrementalAlterConfigs), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		mu.Lock()
		alters = append(alters, req.(*kmsg.IncrementalAlterConfigsRequest))
		mu.Unlock()
		return nil, nil, false
	})
	target := kafkaSpec(t, map[string]string{"KAFKA_LOG_SEGMENT_BYTES": "536870912", "KAFKA_MIN_INSYNC_REPLICAS": "2"})
	want := brokers.TargetDynamicConfigs(target)
	if want["log.segment.bytes"] != "536870912" || want["min.insync.replicas"] != "2" || len(want) != 5 {
		t.Fatalf("target dynamic configs: %v", want)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := (brokers.InPlace{}).Apply(ctx, view, target); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(alters) != 1 {
		t.Fatalf("%d IncrementalAlterConfigs requests, want 1 (the defaults are the cluster's)", len(alters))
	}
	r := alters[0].Resources
	if len(r) != 1 || r[0].ResourceType != kmsg.ConfigResourceTypeBroker || r[0].ResourceName != "" || len(r[0].Configs) != len(want) {
		t.Fatalf("request resources: %+v", r)
	}
	for _, cfg := range r[0].Configs {
		if cfg.Op != kmsg.IncrementalAlterConfigOpSet || cfg.Value == nil || *cfg.Value != want[cfg.Name] {
			t.Errorf("config %s: op %v value %v, want SET %s", cfg.Name, cfg.Op, cfg.Value, want[cfg.Name])
		}
	}
	mu.Unlock()

	names := []string{"log.segment.bytes", "min.insync.replicas", "num.io.threads", "num.network.threads", "unclean.leader.election.enable"}
	for i, addr := range c.ListenAddrs() {
		conn, err := kafkaclient.Dial(ctx, addr)
		if err != nil {
			t.Fatal(err)
		}
		got, err := conn.BrokerConfigs(ctx, strconv.Itoa(i), names)
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("broker %d reports %v, want %v", i, got, want)
		}
	}

	if err := (brokers.InPlace{}).Apply(ctx, view, target); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(alters) != 1 {
		t.Errorf("a second Apply sent %d more IncrementalAlterConfigs, want none", len(alters)-1)
	}
}

// TestInPlaceApplyUnreachable: a broker that does not answer is an error
// (the scheduler retries), naming its address.
func TestInPlaceApplyUnreachable(t *testing.T) {
	c, view := kfakeCluster(t)
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := (brokers.InPlace{}).Apply(ctx, view, kafkaSpec(t, nil))
	if err == nil {
		t.Fatal("Apply with no broker answering succeeded")
	}
}

// TestInPlaceCreatesAdmin: an update turning SASL/SCRAM on creates the
// admin's credential through the brokers that do not require SASL yet
// (AlterUserScramCredentials, once: a second Apply finds the admin).
func TestInPlaceCreatesAdmin(t *testing.T) {
	c, view := kfakeCluster(t)
	var mu sync.Mutex
	alters := 0
	c.ControlKey(int16(kmsg.AlterUserSCRAMCredentials), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		mu.Lock()
		alters++
		mu.Unlock()
		return nil, nil, false
	})
	target := kafkaSpec(t, map[string]string{"SECURITY_TRANSPORT_ENCRYPTION_ENABLED": "true",
		"SECURITY_TRANSPORT_ENCRYPTION_ALLOW_PLAINTEXT": "true", "SECURITY_SASL_SCRAM_ENABLED": "true"})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := (brokers.InPlace{}).Apply(ctx, view, target); !errors.Is(err, brokers.ErrNoAdminLogin) {
		t.Fatalf("without the admin's password: %v, want ErrNoAdminLogin", err)
	}
	view.SecretSeeds = map[string]string{brokers.SeedSCRAMAdmin: "adm1n"}
	for range 2 {
		if err := (brokers.InPlace{}).Apply(ctx, view, target); err != nil {
			t.Fatal(err)
		}
	}
	admin := kafkaclient.NewAdmin(c.ListenAddrs()...)
	defer admin.Close()
	users, err := admin.Users(ctx)
	if err != nil || !slices.Equal(users, []string{brokers.AdminUser}) {
		t.Errorf("users %v, %v; want the admin", users, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if alters != 1 {
		t.Errorf("%d AlterUserScramCredentials requests, want 1", alters)
	}
}
