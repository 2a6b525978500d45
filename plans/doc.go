// Package plans is how operators see and steer a Kennel scheduler: plans of
// phases of steps, each step acting on one pod instance. Statuses,
// aggregation, strategies and operator actions follow DC/OS Commons so that
// existing tools read them the same way; unlike DC/OS Commons, operator
// intent and progress survive a restart.
//
// The package is pure: no IO, no goroutines, no clock. A Set is computed
// from a World (the target ServiceSpec and its configuration id, the tasks
// the scheduler knows, configuration errors, and the time) and an Intent
// (what task states cannot tell: interrupts, forced completions, restarts,
// canary progress, plan parameters, failure backoff, and the marks that
// keep a step COMPLETE once it got there). The scheduler stores the Intent;
// a Set rebuilt from the same World and Intent reports the same statuses.
//
// The scheduler drives a Set with events (UpdateTask, Prepared, Launched,
// RemoveTask, Advance) and operator actions (Start, Stop, Interrupt,
// Continue, ForceComplete, Restart, each returning the outcome the API maps
// to 200, 208, 400 or 404), calls Settle after each batch, stores Intent()
// when it changed, and then works on Candidates(): PENDING or PREPARED
// candidates are launched, the others waited on.
//
// # Plans
//
//   - deploy: the spec's deploy plan, or one serial phase per pod type with
//     one step per instance launching all its tasks; once a deployment has
//     completed, the spec's update plan (if any) takes its place under the
//     name deploy. A step whose tasks are at their goal on the target
//     configuration is COMPLETE from the start.
//   - recovery: dynamic; a phase of one step for each pod instance with a
//     RUNNING task that stopped (TRANSIENT, in place) or must be replaced
//     (PERMANENT), kept for display after it recovers.
//   - decommission: present while pod instances beyond the spec's count or
//     of a removed pod type exist: per instance, kill each task, release
//     each reservation, erase each task.
//   - custom plans of the spec: created interrupted, run on Start, whose
//     parameters become task environment.
//
// # Statuses
//
// A step's status is that of its least advanced task (ERROR > DELAYED >
// PENDING > PREPARED > STARTING > STARTED > COMPLETE); a phase's and a
// plan's follow DC/OS Commons' aggregation rules in their order (see
// aggregate). Strategies alone decide which children are candidates:
// serial, parallel, dependency (steps of an instance in order, instances in
// parallel: a parallel phase with explicit steps), and their canary forms,
// whose first two steps each wait for a `continue`.
package plans
