// Package scenario_test runs the Kafka service on the local cluster: the
// Kafka scheduler (`kennel kafka scheduler`) as a process, the brokers as
// real tasks of the local cluster's agents, driven through the public
// surfaces (the API, the CLI, the cluster's fault injection).
//
//   - TestSeam runs examples/kafka's spec with a stand-in for the broker
//     (the broker's command only sleeps; its readiness check reads the
//     rendered server.properties): it proves the scheduler's part, the
//     environment values (the quorum pending until every controller is
//     placed, fetched by `kennel bootstrap`), the cluster id kept in the
//     state across restarts, the endpoints and routes, replace and scale.
//   - TestTestBroker runs the spec as it is, with KAFKA_TEST_BROKER=true:
//     the kfake-based `kennel kafka test-broker` and the Go readiness
//     probe `kennel kafka probe`. It skips, saying so, when the kennel
//     binary under test has no `kafka test-broker` command.
package scenario_test
