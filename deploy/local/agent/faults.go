package agent

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// CrashTask kills the processes of a running task with SIGKILL, as an
// out-of-memory kill or a crash would: the executor sees its task exit and
// reports it, the agent does not. Processes are found in the executor's
// session by the MESOS_TASK_ID in their environment. It returns how many
// processes it killed.
func (a *Agent) CrashTask(taskID string) (int, error) {
	a.mu.Lock()
	if a.simulated() {
		defer a.mu.Unlock()
		return a.simCrash(taskID)
	}
	sid := 0
	for _, e := range a.executors {
		if t := e.tasks[taskID]; t != nil && !e.exited {
			sid = e.pid
		}
	}
	a.mu.Unlock()
	if sid <= 0 {
		return 0, fmt.Errorf("task %s: %w", taskID, ErrUnknownTask)
	}
	want := []byte("MESOS_TASK_ID=" + taskID)
	killed := 0
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, ent := range entries {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || pid == sid {
			continue
		}
		if s, ok := sessionOf(pid); !ok || s != sid {
			continue
		}
		env, err := os.ReadFile("/proc/" + ent.Name() + "/environ")
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if bytes.Equal(kv, want) {
				if syscall.Kill(pid, syscall.SIGKILL) == nil {
					killed++
				}
				break
			}
		}
	}
	if killed == 0 {
		return 0, fmt.Errorf("task %s has no running process on agent %s", taskID, a.cfg.Name)
	}
	return killed, nil
}

// CrashExecutor kills the executor that runs taskID with SIGKILL, as a crash
// of the executor would. The agent then handles its exit as any other: as
// Mesos destroys an exited executor's container, the executor's tasks are
// killed and reported TASK_FAILED (REASON_EXECUTOR_TERMINATED). It returns
// the executor's pid.
func (a *Agent) CrashExecutor(taskID string) (int, error) {
	a.mu.Lock()
	pid := 0
	for _, e := range a.executors {
		if t := e.tasks[taskID]; t != nil && !e.exited {
			pid = e.pid
		}
	}
	a.mu.Unlock()
	if pid <= 0 {
		return 0, fmt.Errorf("task %s: %w", taskID, ErrUnknownTask)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return 0, fmt.Errorf("killing the executor of task %s (pid %d): %w", taskID, pid, err)
	}
	return pid, nil
}
