// Package executor will hold the Kennel executor: it runs a task group in
// its sandbox (processes, environment, persistent volumes, config
// templates), runs health and readiness checks, applies kill policies and
// sends status updates reliably over the Mesos v1 executor API.
package executor
