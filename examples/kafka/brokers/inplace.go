package brokers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/runtime"
	"github.com/kennel-sdk/kennel/servicespec"
)

// dynamicConfig is a broker config Kafka changes at runtime, and the
// broker task's environment variable svc.yml renders it from.
type dynamicConfig struct {
	name string
	// threads marks a thread pool size: Kafka refuses to change it at
	// runtime to less than half or more than twice the current size
	// (DynamicThreadPool's validation), and to less than 1.
	threads bool
}

// dynamicConfigs are the package options whose broker configs Kafka's
// documentation gives the update mode "cluster-wide" (DynamicBrokerConfig:
// reconfigurable as a cluster-wide default, without a restart), by the
// broker task's environment variable. The other options
// (num.partitions, default.replication.factor, log.retention.hours,
// auto.create.topics.enable, ...) are "read-only": a restart.
var dynamicConfigs = map[string]dynamicConfig{
	"KAFKA_MIN_INSYNC_REPLICAS":            {name: "min.insync.replicas"},
	"KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE": {name: "unclean.leader.election.enable"},
	"KAFKA_LOG_SEGMENT_BYTES":              {name: "log.segment.bytes"},
	"KAFKA_NUM_IO_THREADS":                 {name: "num.io.threads", threads: true},
	"KAFKA_NUM_NETWORK_THREADS":            {name: "num.network.threads", threads: true},
}

// DynamicConfig is the broker config Kafka changes at runtime that the
// broker task's environment variable key sets, if any.
func DynamicConfig(key string) (string, bool) {
	c, ok := dynamicConfigs[key]
	return c.name, ok
}

// InPlace applies the package options Kafka changes at runtime to the
// running brokers (runtime.InPlace): an update changing only those
// restarts no broker.
//
// Changes accepts a change of one of the broker task's dynamicConfigs
// between two values, except a thread pool size Kafka would refuse (less
// than half or more than twice the old size). Apply asks every placed
// broker for its values of them (DescribeConfigs of its own resource) and,
// where they differ from the target's, sets the target's as cluster-wide
// dynamic defaults through it (IncrementalAlterConfigs on the broker
// resource "": a test broker is a cluster of its own; with Kafka the first
// broker changes them all and the others then find them set). It runs on
// every start of the scheduler, so it also corrects a default set in place
// earlier that would override the new server.properties after an update
// that restarted the brokers. A config an operator set per broker
// (kafka-configs --entity-name N) takes precedence over the defaults and
// is left alone. The brokers are reached as PlacedListeners says (their
// SSL listener, trusting the service's CA, when they have no PLAINTEXT
// one).
type InPlace struct{}

var _ runtime.InPlace = InPlace{}

// Changes reports whether a running broker takes the change of its task's
// variable key from old to new at runtime.
func (InPlace) Changes(pod, task, key, old, new string) bool {
	if pod != Pod || task != Task {
		return false
	}
	c, ok := dynamicConfigs[key]
	if !ok || old == "" || new == "" {
		return false
	}
	if !c.threads {
		return true
	}
	o, err1 := strconv.Atoi(old)
	n, err2 := strconv.Atoi(new)
	return err1 == nil && err2 == nil && n >= 1 && 2*n >= o && n <= 2*o
}

// Apply sets target's dynamic configs as the cluster-wide defaults of the
// placed brokers that describe other values, after creating the SCRAM
// admin when target turns SASL/SCRAM on (see ensureAdmin).
func (InPlace) Apply(ctx context.Context, view scheduler.EnvView, target *servicespec.ServiceSpec) error {
	if err := ensureAdmin(ctx, view, target); err != nil {
		return err
	}
	want := TargetDynamicConfigs(target)
	if len(want) == 0 {
		return nil
	}
	names := slices.Sorted(maps.Keys(want))
	bs, sec, err := access(placedBrokers(view), view.CACert, view.SecretSeeds)
	if err != nil {
		return fmt.Errorf("kafka: dynamic configs: %w", err)
	}
	var errs []error
	for _, b := range bs {
		if err := applyAt(ctx, b, sec, names, want); err != nil {
			errs = append(errs, fmt.Errorf("broker %d at %s: %w", b.id, b.addr, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("kafka: dynamic configs: %w", errors.Join(errs...))
	}
	return nil
}

// TargetDynamicConfigs are the dynamic broker configs the broker task of
// target sets, by Kafka name; empty without a broker task.
func TargetDynamicConfigs(target *servicespec.ServiceSpec) map[string]string {
	out := map[string]string{}
	pod := target.Pod(Pod)
	if pod == nil {
		return out
	}
	task := pod.Task(Task)
	if task == nil {
		return out
	}
	for key, c := range dynamicConfigs {
		if v, ok := task.Env[key]; ok && v != "" {
			out[c.name] = v
		}
	}
	return out
}

// applyAt sets the cluster-wide defaults want (of names) through broker
// b, when its own values differ.
func applyAt(ctx context.Context, b placedBroker, sec kafkaclient.Security, names []string, want map[string]string) error {
	c, err := kafkaclient.DialSecure(ctx, b.addr, sec)
	if err != nil {
		return err
	}
	defer c.Close()
	have, err := c.BrokerConfigs(ctx, strconv.Itoa(b.id), names)
	if err != nil {
		return err
	}
	set := map[string]string{}
	for k, v := range want {
		if have[k] != v {
			set[k] = v
		}
	}
	if len(set) == 0 {
		return nil
	}
	return c.SetBrokerConfigs(ctx, kafkaclient.ClusterDefault, set)
}

// ensureAdmin creates the admin's SCRAM credential (AdminUser, with the
// password of view's secret seed) through the placed brokers that do not
// require SASL yet, when target turns SASL/SCRAM on and they do not list
// the admin: kafka-storage format --add-scram runs on fresh volumes only,
// so brokers formatted before the update would come back requiring a
// login the cluster does not know. Once every broker requires SASL there
// is nothing to do (a test broker seeds its admin at each start).
func ensureAdmin(ctx context.Context, view scheduler.EnvView, target *servicespec.ServiceSpec) error {
	if !targetSCRAM(target) {
		return nil
	}
	login := adminLogin(view.SecretSeeds)
	if login == nil {
		return fmt.Errorf("kafka: SCRAM admin: %w", ErrNoAdminLogin)
	}
	var plain []placedBroker
	for _, b := range placedBrokers(view) {
		if !b.scram {
			plain = append(plain, b)
		}
	}
	if len(plain) == 0 {
		return nil
	}
	plain, sec, err := access(plain, view.CACert, nil)
	if err != nil {
		return fmt.Errorf("kafka: SCRAM admin: %w", err)
	}
	addrs := make([]string, len(plain))
	for i, b := range plain {
		addrs[i] = b.addr
	}
	admin := kafkaclient.NewSecureAdmin(sec, addrs...)
	defer admin.Close()
	users, err := admin.Users(ctx)
	if err != nil {
		return fmt.Errorf("kafka: SCRAM admin: %w", err)
	}
	if slices.Contains(users, AdminUser) {
		return nil
	}
	if err := admin.SetUser(ctx, AdminUser, login.Password); err != nil {
		return fmt.Errorf("kafka: SCRAM admin: %w", err)
	}
	return nil
}

// targetSCRAM reports whether target's brokers require SASL/SCRAM.
func targetSCRAM(target *servicespec.ServiceSpec) bool {
	pod := target.Pod(Pod)
	if pod == nil {
		return false
	}
	task := pod.Task(Task)
	return task != nil && task.Env[VarSCRAMSection] == "true"
}
