package brokers

import (
	"fmt"
	"strconv"

	"github.com/kennel-sdk/kennel/scheduler/runtime"
)

// Scheduler environment variables the Kafka scheduler reads.
const (
	VarBrokerCount = "BROKER_COUNT"
	VarTestBroker  = "KAFKA_TEST_BROKER"
	VarKafkaURI    = "KAFKA_URI"
)

// Extension is the Kafka scheduler's runtime extension for a scheduler
// environment env (what renders svc.yml): Env and the seeds, the cluster
// id (KAFKA_CLUSTER_ID when the operator gives one) and the controller
// count (from BROKER_COUNT), and the roll gates (Gates) unless
// KAFKA_ROLL_GATES=false. It refuses an environment the spec would
// render into a broken cluster: KAFKA_ADVERTISE other than agent or
// autoip, KAFKA_ROLL_GATES other than true or false, KAFKA_TEST_BROKER other than true or false, a BROKER_COUNT that
// is not a positive number, a malformed KAFKA_CLUSTER_ID. With
// KAFKA_TEST_BROKER=true it empties KAFKA_URI in env, so that the brokers
// fetch no Kafka distribution: the test broker is in the kennel binary.
func Extension(env map[string]string) (runtime.Extension, error) {
	if mode := env[VarAdvertise]; !ValidAdvertise(mode) {
		return runtime.Extension{}, fmt.Errorf("kafka: %s=%q: want %s or %s", VarAdvertise, mode, AdvertiseAgent, AdvertiseAutoIP)
	}
	switch env[VarTestBroker] {
	case "true":
		env[VarKafkaURI] = ""
	case "false":
	default:
		return runtime.Extension{}, fmt.Errorf("kafka: %s=%q: want true or false", VarTestBroker, env[VarTestBroker])
	}
	count, err := strconv.Atoi(env[VarBrokerCount])
	if err != nil || count < 1 {
		return runtime.Extension{}, fmt.Errorf("kafka: %s=%q: want a number of brokers, at least 1", VarBrokerCount, env[VarBrokerCount])
	}
	if id := env[VarClusterID]; id != "" {
		if err := ParseClusterID(id); err != nil {
			return runtime.Extension{}, fmt.Errorf("kafka: %s: %w", VarClusterID, err)
		}
	}
	gates, err := rollGates(env)
	if err != nil {
		return runtime.Extension{}, err
	}
	ext := runtime.Extension{Env: Env{}, Seeds: []runtime.Seed{
		{Name: SeedClusterID, Generate: ClusterIDSeed(env[VarClusterID])},
		{Name: SeedControllers, Generate: ControllersSeed(count)},
	}}
	if gates != nil {
		ext.Gates = *gates
	}
	return ext, nil
}
