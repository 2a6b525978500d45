// Package brokers is what the Kafka scheduler adds to Kennel's generic
// scheduler (the SDK seam): it knows that pod instance N of pod type
// `kafka` is Kafka broker N, and computes what the spec cannot.
//
//   - Env (a scheduler.EnvSource) gives each broker, when it launches, its
//     cluster id (the seed SeedClusterID, generated once per service by
//     ClusterIDSeed and kept in the scheduler's state), its roles, the
//     host it advertises, and the static KRaft controller quorum
//     (controller.quorum.voters) from the controllers' agents and reserved
//     controller ports. Until every controller is placed the quorum is
//     pending and `kennel bootstrap` waits for it.
//   - Controllers is the `controllers` endpoint (text: the controllers'
//     host:port list, for `--bootstrap-controller`), in place of DC/OS
//     Kafka's `zookeeper` endpoint.
//   - Routes serves GET /v1/brokers and /v1/brokers/{id}, as DC/OS Kafka did.
//   - Actions are the steps of the plans move-broker (move-away,
//     replace-broker, move-back) and drain-brokers (drain): partition
//     reassignments under a replication throttle that their cleanup
//     always clears (examples/kafka/move's rules), and a pod replacement.
//   - InPlace (runtime.InPlace) names the package options Kafka changes at
//     runtime and applies them with IncrementalAlterConfigs, so that an
//     update changing only those restarts no broker.
//   - The scheduler's own Kafka clients (Bootstrap for the topic and user
//     API, Gates, InPlace) reach each broker through its PLAINTEXT listener,
//     or its SSL one trusting the service's CA when it has no PLAINTEXT one.
//
// The controllers are the first min(3, brokers) brokers at install: that
// number is itself a seed (SeedControllers), so the quorum never changes
// when the service scales (a static quorum cannot grow; scaling adds
// broker-only nodes).
//
// Everything a broker's values depend on is read from the tasks the
// scheduler stores (their agent and launch environment), so the values
// are a pure function of the scheduler's state.
package brokers
