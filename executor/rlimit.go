package executor

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// A task with ContainerInfo.rlimit_info runs through the limit helper, as
// Mesos's posix/rlimits isolator sets the limits in the container's
// launcher before it execs the task: os/exec cannot call setrlimit in the
// child between fork and exec, and setting limits on the executor itself
// would limit it and race with other launches. The executor starts its own
// binary with limitsEnv naming the limits and the task's program and argv
// as arguments; ExecLimitHelper, called first thing by that binary's main,
// sets them and execs the task's program, which keeps the process, its
// group and its pid. A failure before the exec is written to the status
// pipe (file descriptor 3, close-on-exec otherwise), so the executor fails
// the task as a failed container launch; EOF on the pipe means the exec
// happened.
const (
	limitsEnv     = "KENNEL_EXECUTOR_RLIMITS"
	helperPipeEnv = "KENNEL_EXECUTOR_RLIMITS_PIPE"
	helperPipeFD  = 3
)

// rlimit is one limit to set: a Linux resource and its soft and hard values
// (RLIM_INFINITY for unlimited).
type rlimit struct {
	name       string // Mesos's name, e.g. RLMT_NOFILE
	resource   int
	soft, hard uint64
}

// rlimitInfinity is RLIM_INFINITY.
const rlimitInfinity = ^uint64(0)

// taskRLimits converts a task's rlimit_info, refusing what Mesos refuses:
// an unknown type, a type the OS lacks, only one of soft and hard, a soft
// limit above the hard one. A limit with neither is unlimited.
func taskRLimits(info *mesos.TaskInfo) ([]rlimit, error) {
	var out []rlimit
	for _, l := range info.GetContainer().GetRlimitInfo().GetRlimits() {
		name := l.Type.String()
		resource, ok := rlimitResources[l.Type]
		switch {
		case l.Type == mesos.RLimitInfo_RLimit_UNKNOWN:
			return nil, errors.New("could not convert rlimit: unknown rlimit type")
		case !ok:
			return nil, fmt.Errorf("could not convert rlimit: resource type '%s' not supported", name)
		case (l.Soft == nil) != (l.Hard == nil):
			return nil, fmt.Errorf("rlimit %s: invalid rlimit values: set both soft and hard, or neither", name)
		case l.Soft != nil && *l.Soft > *l.Hard:
			return nil, fmt.Errorf("rlimit %s: soft limit %d is above the hard limit %d", name, *l.Soft, *l.Hard)
		}
		r := rlimit{name: name, resource: resource, soft: rlimitInfinity, hard: rlimitInfinity}
		if l.Soft != nil {
			r.soft, r.hard = *l.Soft, *l.Hard
		}
		out = append(out, r)
	}
	return out, nil
}

// encodeRLimits writes limits as "<name>:<resource>=<soft>/<hard>,…".
func encodeRLimits(limits []rlimit) string {
	parts := make([]string, len(limits))
	for i, l := range limits {
		parts[i] = fmt.Sprintf("%s:%d=%d/%d", l.name, l.resource, l.soft, l.hard)
	}
	return strings.Join(parts, ",")
}

func decodeRLimits(s string) ([]rlimit, error) {
	var out []rlimit
	for _, part := range strings.Split(s, ",") {
		name, rest, ok0 := strings.Cut(part, ":")
		res, values, ok1 := strings.Cut(rest, "=")
		soft, hard, ok2 := strings.Cut(values, "/")
		r, err1 := strconv.Atoi(res)
		sv, err2 := strconv.ParseUint(soft, 10, 64)
		hv, err3 := strconv.ParseUint(hard, 10, 64)
		if !ok0 || !ok1 || !ok2 || errors.Join(err1, err2, err3) != nil {
			return nil, fmt.Errorf("malformed rlimit %q", part)
		}
		out = append(out, rlimit{name: name, resource: r, soft: sv, hard: hv})
	}
	return out, nil
}

// withLimits makes cmd run through the limit helper of the binary self.
// The returned pipe's read end reports a failure of the helper; the caller
// closes it, and closes the write end once the process has started.
func withLimits(cmd *exec.Cmd, self string, limits []rlimit) (read, write *os.File, err error) {
	read, write, err = os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("creating the rlimit helper's status pipe: %w", err)
	}
	cmd.Args = append([]string{self, cmd.Path}, cmd.Args...)
	cmd.Path = self
	cmd.Env = append(append([]string(nil), cmd.Env...), limitsEnv+"="+encodeRLimits(limits), helperPipeEnv+"="+strconv.Itoa(helperPipeFD))
	cmd.ExtraFiles = []*os.File{write}
	return read, write, nil
}

// ExecLimitHelper is the limit helper. A binary that runs the executor
// (`kennel executor`, or a test binary doubling as one) must call it first
// thing in main: when the process was started as the helper it sets the
// limits and replaces itself with the task's program, and never returns;
// otherwise it returns at once.
func ExecLimitHelper() {
	spec, ok := os.LookupEnv(limitsEnv)
	if !ok {
		return
	}
	pipe := os.NewFile(helperPipeFD, "status")
	err := execLimited(spec, os.Args, os.Environ())
	fmt.Fprintf(pipe, "rlimit helper: %v", err)
	os.Exit(127)
}

// execLimited sets the limits and execs args[1] with argv args[2:] and env
// without the helper's variables; it returns only on failure.
func execLimited(spec string, args, env []string) error {
	if len(args) < 3 {
		return fmt.Errorf("want the program and its argv, got %q", args)
	}
	limits, err := decodeRLimits(spec)
	if err != nil {
		return err
	}
	taskEnv := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, limitsEnv+"=") && !strings.HasPrefix(kv, helperPipeEnv+"=") {
			taskEnv = append(taskEnv, kv)
		}
	}
	syscall.CloseOnExec(helperPipeFD)
	for _, l := range limits {
		// syscall.Setrlimit of RLIMIT_NOFILE also stops the runtime from
		// restoring, at the exec, the soft limit it found at start-up.
		if err := syscall.Setrlimit(l.resource, &syscall.Rlimit{Cur: l.soft, Max: l.hard}); err != nil {
			return fmt.Errorf("setting %s to %s/%s: %w", l.name, limitText(l.soft), limitText(l.hard), err)
		}
	}
	return syscall.Exec(args[1], args[2:], taskEnv)
}

func limitText(v uint64) string {
	if v == rlimitInfinity {
		return "unlimited"
	}
	return strconv.FormatUint(v, 10)
}
