// Package executor is the Kennel executor: the process a Kennel (or any
// Mesos-compatible) agent launches as the default executor, for LAUNCH_GROUP
// task groups, and as the command executor, for a LAUNCH of one TaskInfo.
//
// It speaks the Mesos v1 executor HTTP API (protobuf, RecordIO) to the agent
// at Config.AgentEndpoint and runs every task as a real process:
//
//   - each task gets its own sandbox, <Sandbox>/tasks/<task id>, holding its
//     stdout and stderr files, the URIs fetched for it (archives extracted)
//     and, as with Mesos's default executor, only the volumes the task names:
//     a symlink at <container_path> to the executor sandbox's
//     <sandbox_path.path> for each SANDBOX_PATH/PARENT volume of its
//     ContainerInfo and for each volume among its own resources (a volume
//     only the executor holds stays out of sight);
//   - a task's ContainerInfo.rlimit_info is set before its command starts,
//     through the limit helper (ExecLimitHelper), which every binary that
//     runs the executor calls first in main;
//   - each task runs in its own process group with the executor's
//     environment (minus MESOS_* and KENNEL_* variables), the MESOS_* task
//     variables and its CommandInfo environment;
//   - a task group follows the default executor's rule: when one task ends
//     with anything but TASK_FINISHED, every other task of its group is killed;
//   - kills follow the kill policy: TASK_KILLING (when the framework has the
//     TASK_KILLING_STATE capability), SIGTERM to the process group, SIGKILL
//     after the grace period, TASK_KILLED;
//   - health checks (COMMAND, HTTP, TCP) report through TaskStatus.healthy and
//     kill the task after too many consecutive failures; checks report their
//     raw result through TaskStatus.check_status and never kill. A Kennel
//     extra: while a check fails, its TASK_RUNNING updates carry why as the
//     message (a COMMAND check's last output line, or why there was no
//     result), and a change of that line is reported like a new result.
//
// Status updates are reliable: each one carries a fresh UUID and stays
// unacknowledged until the agent sends ACKNOWLEDGED for it; every
// (re)SUBSCRIBE resends the unacknowledged updates and the TaskInfos of tasks
// that have none acknowledged. With checkpointing the executor survives agent
// restarts by re-subscribing with backoff for up to the recovery timeout.
//
// Run returns nil once every task is terminal and every update acknowledged
// (or, failing the acknowledgements, one shutdown grace period after the last
// task ended and the agent took every update), and after a SHUTDOWN.
package executor
