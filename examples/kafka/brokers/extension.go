package brokers

import (
	"fmt"
	"strconv"

	"github.com/kennel-sdk/kennel/examples/kafka/finalize"
	"github.com/kennel-sdk/kennel/scheduler/runtime"
)

// Scheduler environment variables the Kafka scheduler reads.
const (
	VarBrokerCount = "BROKER_COUNT"
	VarTestBroker  = "KAFKA_TEST_BROKER"
	VarKafkaURI    = "KAFKA_URI"
	// VarKafkaVersion is the Kafka release (2.13-4.1.1), which the test
	// broker plays and the roll gates check metadata.version against.
	VarKafkaVersion = "KAFKA_VERSION"
	// DC/OS Kafka's service.security.transport_encryption options.
	VarTLS            = "SECURITY_TRANSPORT_ENCRYPTION_ENABLED"
	VarAllowPlaintext = "SECURITY_TRANSPORT_ENCRYPTION_ALLOW_PLAINTEXT"
	// The service.security.sasl_scram.enabled option.
	VarSCRAM = "SECURITY_SASL_SCRAM_ENABLED"
	// What Extension computes from them for svc.yml's sections: "true",
	// or "" (a false section).
	VarTLSSection       = "KAFKA_TLS"
	VarPlaintextSection = "KAFKA_PLAINTEXT"
	VarSCRAMSection     = "KAFKA_SCRAM"
)

// Extension is the Kafka scheduler's runtime extension for a scheduler
// environment env (what renders svc.yml): Env and the seeds, the cluster
// id (KAFKA_CLUSTER_ID when the operator gives one) and the controller
// count (from BROKER_COUNT), the actions of the plans move-broker and
// drain-brokers (Actions), the guard that refuses removing brokers that
// hold replicas (DrainGuard), the update plan's finalize action
// (FinalizeMetadataVersion, to KAFKA_METADATA_VERSION), InPlace, which
// applies the options Kafka changes at runtime without restarting the
// brokers, and the roll gates (Gates) unless KAFKA_ROLL_GATES=false. It
// refuses an environment the spec would
// render into a broken cluster: KAFKA_ADVERTISE other than agent or
// autoip, KAFKA_ROLL_GATES other than true or false, KAFKA_TEST_BROKER other than true or false, a BROKER_COUNT that
// is not a positive number, a malformed KAFKA_CLUSTER_ID, a KAFKA_METADATA_VERSION that is not a
// metadata.version. With
// KAFKA_TEST_BROKER=true it empties KAFKA_URI in env, so that the brokers
// fetch no Kafka distribution: the test broker is in the kennel binary.
// It sets KAFKA_TLS (TLS listener, inter-broker traffic over it) and
// KAFKA_PLAINTEXT (a PLAINTEXT listener: without TLS, or with
// SECURITY_TRANSPORT_ENCRYPTION_ALLOW_PLAINTEXT) to "true" or "", from
// the true/false options SECURITY_TRANSPORT_ENCRYPTION_ENABLED and
// SECURITY_TRANSPORT_ENCRYPTION_ALLOW_PLAINTEXT (unset: false), and
// KAFKA_SCRAM from SECURITY_SASL_SCRAM_ENABLED (which needs TLS): then the
// admin's password is a secret seed (SeedSCRAMAdmin) the brokers receive
// with their certificates (TaskSecrets).
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
	tls, err := boolOption(env, VarTLS)
	if err != nil {
		return runtime.Extension{}, err
	}
	plain, err := boolOption(env, VarAllowPlaintext)
	if err != nil {
		return runtime.Extension{}, err
	}
	env[VarTLSSection], env[VarPlaintextSection] = section(tls), section(!tls || plain)
	scram, err := boolOption(env, VarSCRAM)
	if err != nil {
		return runtime.Extension{}, err
	}
	if scram && !tls {
		return runtime.Extension{}, fmt.Errorf("kafka: %s=true needs %s=true: the scheduler hands the brokers its SCRAM admin credential with their certificates",
			VarSCRAM, VarTLS)
	}
	env[VarSCRAMSection] = section(scram)
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
	var fin FinalizeMetadataVersion
	switch v := env[VarMetadataVersion]; v {
	case "":
	case MetadataVersionKeep:
		fin.Keep = true
	default:
		if fin.Want, err = finalize.ParseLevel(v); err != nil {
			return runtime.Extension{}, fmt.Errorf("kafka: %s: %w (or %s: leave it as it is)", VarMetadataVersion, err, MetadataVersionKeep)
		}
	}
	actions := Actions()
	actions[ActionFinalize] = fin
	ext := runtime.Extension{Env: Env{}, Actions: actions, DecommissionGuard: DrainGuard{}, InPlace: InPlace{}, Seeds: []runtime.Seed{
		{Name: SeedClusterID, Generate: ClusterIDSeed(env[VarClusterID])},
		{Name: SeedControllers, Generate: ControllersSeed(count)},
	}}
	if gates != nil {
		ext.Gates = *gates
	}
	if scram {
		ext.Seeds = append(ext.Seeds, runtime.Seed{Name: SeedSCRAMAdmin, Secret: true, Generate: AdminPasswordSeed})
		ext.TaskSecrets = TaskSecrets
	}
	return ext, nil
}

// boolOption reads a true/false option of env; unset is false.
func boolOption(env map[string]string, key string) (bool, error) {
	switch env[key] {
	case "true":
		return true, nil
	case "false", "":
		return false, nil
	}
	return false, fmt.Errorf("kafka: %s=%q: want true or false", key, env[key])
}

// section is a Mustache section's value: "true", or "" for false (a
// "false" string would be true).
func section(on bool) string {
	if on {
		return "true"
	}
	return ""
}
