// Package scheduler is Kennel's decision core: a pure function of events
// and time. Core takes Mesos events (Subscribed, Offers, Update), operator
// actions (PodRestart, PodReplace, PlanAction), gates' answers
// (GateVerdict) and clock ticks (Tick), and
// returns Decisions: a state batch to write and Mesos calls to send, in that
// order. It does no IO, reads no clock and starts no goroutine; package
// scheduler/runtime feeds it from one goroutine and applies its decisions,
// writing the batch before sending any call that depends on it. Batches
// and the task records the core loads are plain values of package
// scheduler/record, which the store (scheduler/state) applies and returns:
// the core does not depend on the store.
//
// What the core decides, following DC/OS Commons (reference §1):
//
//   - launches: each candidate step of the plans (package plans) is matched
//     against the offers by package scheduler/offer; its TaskInfos are stored
//     (with a TASK_STAGING status) before the ACCEPT that reserves, creates
//     volumes and launches; running tasks a step relaunches are killed first;
//   - identity: reservations carry resource_id labels; an instance relaunches
//     in place on the reservations its stored TaskInfos name, on the agent
//     that holds them (also when only some of its tasks relaunch), and
//     resources labelled with the framework id that no task claims are
//     released (DESTROY, then UNRESERVE);
//   - recovery: tasks that should run and stopped are relaunched in place; a
//     pod replaced by an operator, gone by operator or unreachable past the
//     permanent-failure timeout is relaunched on fresh resources, its old
//     footprint released first once none of its tasks runs (so the
//     replacement may reuse its disk); a step held by an unreachable agent
//     says so;
//   - confirmation: a launch whose reservations are not known to exist (Mesos
//     never reported it, e.g. the scheduler died before the ACCEPT) is redone
//     on fresh resources, never on reservations that may not exist; this
//     holds per reservation: a relaunch reuses those of confirmed launches
//     (and those an unconfirmed launch took from one, which it records),
//     and reserves the rest afresh, also when other tasks of the instance
//     are confirmed;
//   - reconciliation: explicit after each subscription (no launch before it
//     completes), then implicit every hour; a launch recorded in a terminal
//     state stays in it: a later status of it (an agent's retry overtaken by
//     a reconciliation answer, an "unknown" answer once Mesos forgot the
//     task) is acknowledged only, so a finished ONCE task never runs again;
//     an answer that only repeats a task's record (same state and agent, a
//     confirmed launch, no new health or check result) is not stored and
//     leaves the plans alone, so reconciling thousands of running tasks
//     writes nothing;
//   - offer discipline: declines with long filters when idle, SUPPRESS when
//     nothing needs offers, REVIVE (at most every 5 s) when something does;
//     offers held (bounded) while launch work waits behind steps in
//     progress, and matched in the event that makes it a candidate
//     (hold.go); an ACCEPT's filter 0 s while launch work remains;
//   - configuration: ResolveTarget decides the target when the scheduler
//     starts; tasks of instances an update does not change keep running;
//   - a service's Go extension (EnvSource): values added to the
//     environment of the tasks it launches, from where the service's
//     instances are placed and the seeds it is given; pending values are
//     fetched by the task's bootstrap (InstanceEnv);
//   - gates (Config.Gates): a running instance restarts only after its
//     BeforeRestart gate passed, and the next one only after the previous
//     one's AfterReady; the core asks through Decisions.GateAsks and takes
//     the answers as GateVerdict events, the waiting step showing the
//     gate's reason;
//   - decommission and uninstall; an uninstall waits at most
//     Config.UninstallAgentTimeout for a silent agent before its steps say
//     so, and `plan force-complete` gives them up.
//
// The stories under testdata/stories (story_test.go) replay the core's
// decisions event by event; `go test -run TestStories -update` rewrites
// them.
package scheduler
