// Package chaos holds Kennel's fault campaign, in its tests: a service
// deployed on the local cluster (one with MOUNT volumes and a ONCE task on
// ZooKeeper, hello-world on the file store, or Kafka with the test broker)
// under a schedule of faults drawn from a seed (scheduler SIGKILLs, also
// right after a state write; restarts with a changed config mid-rollout;
// a second scheduler; ZooKeeper restarts and session expiry; agents
// stopped, partitioned and destroyed; tasks and executors killed; master
// failovers; stalled event streams; full and slow disks under the file
// store; operator actions), with invariants read from the cluster after
// every fault. TestChaos is the CI-sized campaign; `make chaos` runs
// TestCampaign, the long one, once per service.
package chaos
