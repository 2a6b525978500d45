// Package chaos holds Kennel's fault campaign, in its tests: a service
// with MOUNT volumes and a ONCE task deployed on the local cluster with
// ZooKeeper, under a schedule of faults drawn from a seed (scheduler
// SIGKILLs, also right after a state write; restarts with a changed
// config mid-rollout; a second scheduler; ZooKeeper restarts and session
// expiry; agents stopped, partitioned and destroyed; tasks killed; master
// failovers; operator actions), with invariants read from the cluster
// after every fault. TestChaos is the CI-sized campaign; `make chaos` runs
// TestCampaign, the long one.
package chaos
