package executor

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// buildCommand returns the command of ci, run in dir with env as its own
// process group: `/bin/sh -c <value>` when ci.shell is unset or true,
// otherwise value executed with arguments as its argv (argv[0] included;
// value alone when arguments are empty). Its output is not redirected.
func buildCommand(ci *mesos.CommandInfo, dir string, env []string) (*exec.Cmd, error) {
	value := ci.GetValue()
	if value == "" {
		return nil, errors.New("command has no value")
	}
	var cmd *exec.Cmd
	if ci.GetShell() {
		cmd = exec.Command("/bin/sh", "-c", value)
	} else {
		cmd = exec.Command(value)
		if len(ci.Arguments) > 0 {
			cmd.Args = append([]string(nil), ci.Arguments...)
		}
		if cmd.Err != nil {
			return nil, fmt.Errorf("command %q: %w", value, cmd.Err)
		}
	}
	cmd.Dir = dir
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd, nil
}

// taskBaseEnv is the environment every process of a task starts from: the
// executor's own environment without MESOS_* and KENNEL_* variables, plus
// the task variables a Mesos executor sets.
func (e *executor) taskBaseEnv(taskID, sandbox string) []string {
	env := make([]string, 0, len(e.environ)+5)
	for _, kv := range e.environ {
		if strings.HasPrefix(kv, "MESOS_") || strings.HasPrefix(kv, "KENNEL_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"MESOS_SANDBOX="+sandbox,
		"MESOS_TASK_ID="+taskID,
		"MESOS_FRAMEWORK_ID="+e.cfg.FrameworkID,
		"MESOS_EXECUTOR_ID="+e.cfg.ExecutorID,
		"MESOS_AGENT_ENDPOINT="+e.cfg.AgentEndpoint,
	)
}

// withCommandEnv appends the VALUE variables of ce to base and removes
// duplicates, the later definition winning. Secret variables are refused:
// the executor has no secret resolver.
func withCommandEnv(base []string, ce *mesos.Environment) ([]string, error) {
	env := append([]string(nil), base...)
	if ce != nil {
		for _, v := range ce.Variables {
			if v.Name == "" || strings.ContainsAny(v.Name, "=\x00") {
				return nil, fmt.Errorf("invalid environment variable name %q", v.Name)
			}
			switch v.GetType() {
			case mesos.Environment_Variable_VALUE:
				env = append(env, v.Name+"="+v.GetValue())
			default:
				return nil, fmt.Errorf("environment variable %s: type %s is not supported", v.Name, v.GetType())
			}
		}
	}
	return dedupEnv(env), nil
}

// dedupEnv keeps the last definition of every name, at the position of its
// first occurrence.
func dedupEnv(env []string) []string {
	index := make(map[string]int, len(env))
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if i, ok := index[name]; ok {
			out[i] = kv
			continue
		}
		index[name] = len(out)
		out = append(out, kv)
	}
	return out
}

// exitOutcome maps how a task's process ended to its terminal state and
// message: killed by the executor → TASK_KILLED; status 0 → TASK_FINISHED;
// anything else → TASK_FAILED. Messages follow Mesos: "Command exited with
// status N" or "Command terminated with signal <name>".
func exitOutcome(ps *os.ProcessState, waitErr error, killedByUs bool) (mesos.TaskState, string) {
	if ps == nil {
		msg := fmt.Sprintf("Failed to wait for the command: %v", waitErr)
		if killedByUs {
			return mesos.TASK_KILLED, msg
		}
		return mesos.TASK_FAILED, msg
	}
	var (
		msg     string
		success bool
	)
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		msg = "Command terminated with signal " + signalName(ws.Signal())
	} else {
		msg = fmt.Sprintf("Command exited with status %d", ps.ExitCode())
		success = ps.ExitCode() == 0
	}
	switch {
	case killedByUs:
		return mesos.TASK_KILLED, msg
	case success:
		return mesos.TASK_FINISHED, msg
	default:
		return mesos.TASK_FAILED, msg
	}
}

// signalName is the description strsignal(3) gives: "Terminated", "Killed".
func signalName(sig syscall.Signal) string {
	s := sig.String()
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
