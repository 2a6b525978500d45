package agent

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	execproto "github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/kennel-sdk/kennel/deploy/local/wire"
	"github.com/kennel-sdk/kennel/taskstate"
)

// executorState is an executor the agent launched, and its tasks.
type executorState struct {
	frameworkID string
	info        mesos.ExecutorInfo
	command     bool // a command executor for one LAUNCHed task
	containerID string
	dir         string
	pid         int
	sub         *wire.Stream       // its subscription, while connected
	pending     []*execproto.Event // events waiting for the subscription
	tasks       map[string]*taskState
	exited      bool
	timer       *time.Timer // registration or reregistration deadline
	killTimer   *time.Timer // SHUTDOWN grace
	saved       bool        // it has its directory in the checkpoint
}

func (e *executorState) key() string { return e.frameworkID + "/" + e.info.ExecutorID.Value }

func (e *executorState) stopTimers() {
	for _, t := range []*time.Timer{e.timer, e.killTimer} {
		if t != nil {
			t.Stop()
		}
	}
}

// deliver sends an event to the executor, or queues it until it subscribes.
func (a *Agent) deliver(e *executorState, ev *execproto.Event) {
	if a.simulated() {
		a.simulate(e, ev)
		return
	}
	if e.sub != nil {
		if err := e.sub.Send(ev); err == nil {
			return
		}
		e.sub.Close()
		e.sub = nil
	}
	e.pending = append(e.pending, ev)
	a.markExecutor(e)
}

// launchExecutor starts an executor process in a new sandbox. The process
// runs in its own session so that it survives an agent restart.
func (a *Agent) launchExecutor(fw *mesos.FrameworkInfo, info mesos.ExecutorInfo, command bool) (*executorState, error) {
	e := &executorState{frameworkID: fw.GetID().GetValue(), info: info, command: command, tasks: map[string]*taskState{}}
	e.containerID = uuid.NewString()
	e.dir = filepath.Join(a.cfg.Dir, "slaves", a.id, "frameworks", e.frameworkID, "executors", info.ExecutorID.Value, "runs", e.containerID)
	if a.simulated() {
		a.adoptExecutor(e, fw)
		return e, nil
	}
	if err := os.MkdirAll(e.dir, 0o755); err != nil {
		return nil, err
	}
	if err := a.linkVolumes(e.dir, info.Resources); err != nil {
		return nil, err
	}
	argv := a.cfg.ExecutorCommand
	if info.Type == mesos.ExecutorInfo_CUSTOM && !command {
		argv = []string{"sh", "-c", info.GetCommand().GetValue()}
	}
	stdout, err := os.Create(filepath.Join(e.dir, "stdout"))
	if err != nil {
		return nil, err
	}
	defer stdout.Close()
	stderr, err := os.Create(filepath.Join(e.dir, "stderr"))
	if err != nil {
		return nil, err
	}
	defer stderr.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = e.dir, stdout, stderr
	cmd.Env = a.executorEnv(e, fw)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting executor %s: %w", info.ExecutorID.Value, err)
	}
	e.pid = cmd.Process.Pid
	a.adoptExecutor(e, fw)
	e.timer = time.AfterFunc(a.cfg.Timing.ExecutorRegistration, func() { a.registrationTimeout(e) })
	c := &child{done: make(chan struct{})}
	a.children[e.pid] = c
	a.reaping.Add(1)
	go func() {
		defer a.reaping.Done()
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			c.code = int32(ee.ExitCode())
		}
		close(c.done)
		a.executorExited(e, c.code)
	}()
	a.log.Info("executor launched", "framework", e.frameworkID, "executor", info.ExecutorID.Value, "pid", e.pid)
	return e, nil
}

// adoptExecutor records a launched executor. An executor id used again:
// updates of the old run's tasks that await acknowledgement stay
// reachable.
func (a *Agent) adoptExecutor(e *executorState, fw *mesos.FrameworkInfo) {
	if old := a.executors[e.key()]; old != nil {
		for id, t := range old.tasks {
			if len(t.queue) > 0 {
				e.tasks[id] = t
			}
		}
	}
	a.executors[e.key()] = e
	a.adoptFramework(fw)
	a.markExecutor(e)
}

// adoptFramework records the framework of a launch.
func (a *Agent) adoptFramework(fw *mesos.FrameworkInfo) {
	id := fw.GetID().GetValue()
	if old := a.frameworks[id]; old == nil || !old.Equal(fw) {
		a.markAgent()
	}
	a.frameworks[id] = fw
}

// executorEnv is the environment a Mesos agent gives an executor.
func (a *Agent) executorEnv(e *executorState, fw *mesos.FrameworkInfo) []string {
	env := make([]string, 0, len(os.Environ())+16)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MESOS_") && !strings.HasPrefix(kv, "LIBPROCESS_") {
			env = append(env, kv)
		}
	}
	checkpoint := "0"
	if fw.GetCheckpoint() {
		checkpoint = "1"
	}
	httpCommand := "0"
	if e.command {
		httpCommand = "1"
	}
	env = append(env,
		"MESOS_FRAMEWORK_ID="+e.frameworkID,
		"MESOS_EXECUTOR_ID="+e.info.ExecutorID.Value,
		"MESOS_AGENT_ENDPOINT="+a.Endpoint(),
		"MESOS_DIRECTORY="+e.dir,
		"MESOS_SANDBOX="+e.dir,
		"MESOS_CHECKPOINT="+checkpoint,
		"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD="+mesosDuration(a.cfg.Timing.ExecutorShutdownGrace),
		"MESOS_RECOVERY_TIMEOUT="+mesosDuration(a.cfg.Timing.RecoveryTimeout),
		"MESOS_SUBSCRIPTION_BACKOFF_MAX="+mesosDuration(a.cfg.Timing.SubscriptionBackoffMax),
		"MESOS_SLAVE_ID="+a.id,
		"MESOS_SLAVE_PID=slave(1)@"+a.Endpoint(),
		"MESOS_HTTP_COMMAND_EXECUTOR="+httpCommand,
		"LIBPROCESS_IP="+a.cfg.Hostname,
	)
	for _, v := range e.info.GetCommand().GetEnvironment().GetVariables() {
		env = append(env, v.Name+"="+v.GetValue())
	}
	return env
}

// mesosDuration writes d in Mesos's duration syntax.
func mesosDuration(d time.Duration) string {
	return fmt.Sprintf("%dms", d.Milliseconds())
}

// linkVolumes makes every persistent volume in res visible in the sandbox
// at its container path, as a symlink (the posix filesystem isolator's way).
func (a *Agent) linkVolumes(sandbox string, res []mesos.Resource) error {
	for _, r := range res {
		vol := r.GetDisk().GetVolume()
		if r.GetDisk().GetPersistence() == nil || vol == nil {
			continue
		}
		host := a.volumePath(r)
		if err := os.MkdirAll(host, 0o755); err != nil {
			return err
		}
		link := filepath.Join(sandbox, vol.ContainerPath)
		if target, err := os.Readlink(link); err == nil && target == host {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			return err
		}
		_ = os.Remove(link)
		if err := os.Symlink(host, link); err != nil {
			return err
		}
	}
	return nil
}

// registrationTimeout kills an executor that never subscribed.
func (a *Agent) registrationTimeout(e *executorState) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if e.sub != nil || e.exited || !a.running {
		return
	}
	a.log.Warn("executor did not subscribe in time; killing it", "executor", e.info.ExecutorID.Value)
	a.failTasks(e, mesos.REASON_EXECUTOR_REGISTRATION_TIMEOUT, "Executor did not register within the registration timeout")
	if pid := e.pid; pid > 0 {
		a.spawnLocked(func() { killTree(pid) })
	}
}

// executorExited handles the end of an executor process: tasks not yet
// terminal fail with REASON_EXECUTOR_TERMINATED, and the master hears of it.
func (a *Agent) executorExited(e *executorState, code int32) {
	a.mu.Lock()
	// A stopped agent does not see executors end: when it starts again it
	// recovers them from its checkpoint and finds them gone. A restarted
	// agent recovers its executors into new states; the old state's process
	// watcher must not report the exit a second time.
	if e.exited || !a.running || a.executors[e.key()] != e {
		a.mu.Unlock()
		return
	}
	e.exited = true
	a.markExecutor(e)
	delete(a.children, e.pid)
	e.stopTimers()
	if e.sub != nil {
		e.sub.Close()
		e.sub = nil
	}
	a.failTasks(e, mesos.REASON_EXECUTOR_TERMINATED, "Executor terminated")
	// As Mesos destroys an exited executor's container: tasks that outlived
	// a crashed executor must not keep running (and writing to volumes).
	if pid := e.pid; pid > 0 {
		a.spawnLocked(func() { killTree(pid) })
	}
	_ = a.checkpoint()
	running, id := a.running, a.id
	a.mu.Unlock()
	a.log.Info("executor exited", "executor", e.info.ExecutorID.Value, "status", code)
	if running && !e.command {
		_ = a.master.ExecutorExited(id, e.frameworkID, e.info.ExecutorID.Value, code)
	}
}

// failTasks fails every task of e that is not terminal.
func (a *Agent) failTasks(e *executorState, reason mesos.TaskStatus_Reason, msg string) {
	for _, t := range e.tasks {
		if !taskstate.Terminal(t.state) {
			a.agentUpdate(e, t, mesos.TASK_FAILED, reason, msg)
		}
	}
}

// watchRecovered follows an executor recovered from the checkpoint: it
// must re-subscribe in time, or it is killed. Its end is reported with its
// exit status when this process started it (an agent restarted in the
// same process); an executor that outlived the process that started it is
// not our child, its end is noticed by polling its pid and its status is
// unknown (-1). Call with a.mu held.
func (a *Agent) watchRecovered(e *executorState) {
	if e.exited {
		return
	}
	if a.simulated() {
		a.simRecover(e)
		return
	}
	e.timer = time.AfterFunc(a.cfg.Timing.ExecutorReregistration, func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if e.sub != nil || e.exited || !a.running {
			return
		}
		a.log.Warn("executor did not re-subscribe after the agent restarted; killing it", "executor", e.info.ExecutorID.Value)
		if pid := e.pid; pid > 0 {
			a.spawnLocked(func() { killTree(pid) })
		}
	})
	done := a.done
	if c := a.children[e.pid]; c != nil && e.pid > 0 {
		a.spawnLocked(func() {
			select {
			case <-c.done:
				a.executorExited(e, c.code)
			case <-done:
			}
		})
		return
	}
	a.spawnLocked(func() {
		poll := time.NewTicker(100 * time.Millisecond)
		defer poll.Stop()
		for {
			select {
			case <-done:
				return
			case <-poll.C:
			}
			if e.pid <= 0 || syscall.Kill(e.pid, 0) != nil || zombie(e.pid) {
				a.executorExited(e, -1)
				return
			}
			a.mu.Lock()
			exited := e.exited
			a.mu.Unlock()
			if exited {
				return
			}
		}
	})
}

// killTree kills an executor and everything in its session (tasks run in
// process groups of their own, so the session is found in /proc) and waits
// until they are gone (zombies count as gone: they run no more). SIGKILL
// cannot be caught, so only a process stuck in the kernel outlasts it; the
// wait ends after a minute for that one.
func killTree(sid int) {
	deadline := time.Now().Add(time.Minute)
	for {
		_ = syscall.Kill(sid, syscall.SIGKILL)
		left := 0
		entries, _ := os.ReadDir("/proc")
		for _, ent := range entries {
			pid, err := strconv.Atoi(ent.Name())
			if err != nil {
				continue
			}
			if s, ok := sessionOf(pid); ok && s == sid && !zombie(pid) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
				left++
			}
		}
		if left == 0 || time.Now().After(deadline) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// zombie reports whether pid has exited and waits to be reaped.
func zombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] == 'Z' || b[i+2] == 'X'
}

// sessionOf reads the session id of pid from /proc/<pid>/stat (field 6).
// The command name in field 2 may contain spaces and parentheses, so fields
// are counted from the last ')'.
func sessionOf(pid int) (int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	// After ')': state ppid pgrp session ...
	if len(f) < 4 {
		return 0, false
	}
	s, err := strconv.Atoi(f[3])
	return s, err == nil
}
