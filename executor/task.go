package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// task is one task and its process. Fields after "guarded by executor.mu" are
// guarded by executor.mu; the others are set before the task's goroutines
// start and never change.
type task struct {
	id     string
	info   mesos.TaskInfo
	ctx    context.Context    // cancelled when the task is killed or ends
	cancel context.CancelFunc // stops fetching and probes
	group  []*task            // the tasks launched together, itself included

	sandbox string   // set by prepareLaunch
	env     []string // set by prepareLaunch: the task's environment

	// guarded by executor.mu
	state          mesos.TaskState // latest state sent
	acked          bool            // some update of the task was acknowledged
	started        bool            // the process was started
	exited         bool            // the process was reaped
	pid            int             // process (and process group) ID
	startedAt      time.Time
	killing        bool
	killedByHealth bool
	escalateAt     time.Time   // when SIGKILL follows SIGTERM
	escalation     *time.Timer // sends SIGKILL
	terminal       bool
	healthy        *bool                  // latest health reported
	checkStatus    *mesos.CheckStatusInfo // latest check result
	checkNote      string                 // why the latest check did not pass (a Kennel extra)
}

func newTask(ctx context.Context, info mesos.TaskInfo) *task {
	ctx, cancel := context.WithCancel(ctx)
	return &task{id: info.TaskID.Value, info: info, ctx: ctx, cancel: cancel}
}

// launch is a prepared, not yet started, task process.
type launch struct {
	cmd   *exec.Cmd
	files []*os.File // the child's copies, closed once it has started
	// helper is the read end of the limit helper's status pipe, nil when
	// the task has no rlimits (see rlimit.go).
	helper *os.File
}

func (l *launch) closeFiles() {
	for _, f := range l.files {
		f.Close()
	}
	l.files = nil
}

// runTask prepares the task's sandbox, starts its process, runs its checks
// and reports its end. It is the only goroutine that reaps the process.
func (e *executor) runTask(t *task) {
	defer e.tasksWG.Done()
	var probes sync.WaitGroup
	defer probes.Wait()

	l, err := e.prepareLaunch(t)
	if err != nil {
		e.mu.Lock()
		if t.killing {
			e.finishLocked(t, mesos.TASK_KILLED, "Task killed before it started", nil)
		} else {
			e.finishLocked(t, mesos.TASK_FAILED, err.Error(), mesos.REASON_CONTAINER_LAUNCH_FAILED.Enum())
		}
		e.mu.Unlock()
		return
	}
	defer l.closeFiles()
	if l.helper != nil {
		defer l.helper.Close()
	}

	e.mu.Lock()
	if t.killing || e.closing {
		e.finishLocked(t, mesos.TASK_KILLED, "Task killed before it started", nil)
		e.mu.Unlock()
		return
	}
	e.enqueueLocked(t, e.newStatusLocked(t, mesos.TASK_STARTING))
	if err := l.cmd.Start(); err != nil {
		e.finishLocked(t, mesos.TASK_FAILED, fmt.Sprintf("Failed to launch the command: %v", err), mesos.REASON_CONTAINER_LAUNCH_FAILED.Enum())
		e.mu.Unlock()
		return
	}
	t.started = true
	t.pid = l.cmd.Process.Pid
	t.startedAt = time.Now()
	t.checkStatus = emptyCheckStatus(t.info.Check)
	if l.helper == nil {
		e.enqueueLocked(t, e.newStatusLocked(t, mesos.TASK_RUNNING))
	}
	e.mu.Unlock()
	l.closeFiles()
	if l.helper != nil && !e.helperExeced(t, l) {
		return
	}
	e.log.Info("task started", "task_id", t.id, "pid", t.pid)

	if hc := t.info.HealthCheck; hc != nil {
		probes.Go(func() { e.runHealthCheck(t, hc) })
	}
	if c := t.info.Check; c != nil {
		probes.Go(func() { e.runCheck(t, c) })
	}

	waitErr := l.cmd.Wait()

	e.mu.Lock()
	defer e.mu.Unlock()
	t.exited = true
	if t.escalation != nil {
		t.escalation.Stop()
	}
	// The container ends with its main process: kill what it left behind.
	_ = syscall.Kill(-t.pid, syscall.SIGKILL)
	state, message := exitOutcome(l.cmd.ProcessState, waitErr, t.killing)
	e.finishLocked(t, state, message, nil)
}

// helperExeced waits until the limit helper has set the task's limits and
// exec'd its program, then reports TASK_RUNNING. If the helper failed, it
// reaps it and fails the task as a failed container launch, and returns
// false.
func (e *executor) helperExeced(t *task, l *launch) bool {
	msg, err := io.ReadAll(l.helper)
	if err == nil && len(msg) == 0 {
		e.mu.Lock()
		if !t.killing && !t.terminal {
			e.enqueueLocked(t, e.newStatusLocked(t, mesos.TASK_RUNNING))
		}
		e.mu.Unlock()
		return true
	}
	if err != nil {
		msg = []byte("reading the rlimit helper's status: " + err.Error())
	}
	_ = l.cmd.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	t.exited = true
	_ = syscall.Kill(-t.pid, syscall.SIGKILL)
	if t.killing {
		e.finishLocked(t, mesos.TASK_KILLED, "Task killed before it started", nil)
	} else {
		e.finishLocked(t, mesos.TASK_FAILED, "Failed to launch container: "+string(msg), mesos.REASON_CONTAINER_LAUNCH_FAILED.Enum())
	}
	return false
}

// prepareLaunch creates the task sandbox with the volumes the task names, fetches the
// URIs and builds the command with its environment and output files.
func (e *executor) prepareLaunch(t *task) (*launch, error) {
	ci := t.info.Command
	if ci == nil {
		return nil, errors.New("task has no command")
	}
	if err := validateHealthCheck(t.info.HealthCheck); err != nil {
		return nil, err
	}
	if err := validateCheck(t.info.Check); err != nil {
		return nil, err
	}
	limits, err := taskRLimits(&t.info)
	if err != nil {
		return nil, err
	}
	dir, err := makeTaskSandbox(e.cfg.Sandbox, &t.info)
	if err != nil {
		return nil, err
	}
	t.sandbox = dir
	base := e.taskBaseEnv(t.id, dir)
	if t.env, err = withCommandEnv(base, ci.Environment); err != nil {
		return nil, err
	}
	if err := fetchURIs(t.ctx, dir, ci.URIs); err != nil {
		return nil, err
	}
	cmd, err := buildCommand(ci, dir, t.env)
	if err != nil {
		return nil, err
	}
	l := &launch{cmd: cmd}
	for _, name := range []string{"stdout", "stderr"} {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			l.closeFiles()
			return nil, fmt.Errorf("opening the task's %s: %w", name, err)
		}
		l.files = append(l.files, f)
	}
	cmd.Stdout, cmd.Stderr = l.files[0], l.files[1]
	if len(limits) > 0 {
		self, err := os.Executable()
		if err != nil {
			l.closeFiles()
			return nil, fmt.Errorf("finding the executor's binary for the rlimit helper: %w", err)
		}
		read, write, err := withLimits(cmd, self, limits)
		if err != nil {
			l.closeFiles()
			return nil, err
		}
		l.helper = read
		l.files = append(l.files, write)
	}
	return l, nil
}

// finishLocked sends t's terminal update and, unless t finished, kills the
// rest of its group. A task killed for failing its health check reports
// healthy=false. e.mu must be held.
func (e *executor) finishLocked(t *task, state mesos.TaskState, message string, reason *mesos.TaskStatus_Reason) {
	if t.terminal {
		return
	}
	st := e.newStatusLocked(t, state)
	if message != "" {
		st.Message = &message
	}
	st.Reason = reason
	if state == mesos.TASK_KILLED && t.killedByHealth {
		unhealthy := false
		st.Healthy = &unhealthy
	}
	t.terminal = true
	t.cancel()
	e.enqueueLocked(t, st)
	if state == mesos.TASK_FINISHED {
		return
	}
	for _, p := range t.group {
		if p != t && !p.terminal && !p.killing {
			e.log.Info("killing task because another task of its group ended", "task_id", p.id, "ended", t.id, "state", state.String())
			e.killLocked(p, killGrace(p, nil))
		}
	}
}
