package offer

import (
	"fmt"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// BootstrapExitCode is the status `kennel bootstrap` exits with when a
// config template fails to render (package executor/bootstrap's ExitCode,
// sysexits' EX_CONFIG).
const BootstrapExitCode = 78

// bootstrapLine runs `kennel bootstrap` and ends the shell with its status
// if it fails.
const bootstrapLine = "./kennel bootstrap || exit\n"

// BootstrapCommand is the shell command of a task with config templates:
// `kennel bootstrap` on a line of its own that ends the shell with the
// bootstrap's status if it fails, then the task's command unchanged. A
// failed bootstrap thus fails the task whatever the shape of cmd (several
// lines, `set -e`, comments, a trailing `&`), where `./kennel bootstrap &&
// <cmd>` guarded only cmd's first line.
func BootstrapCommand(cmd string) string { return bootstrapLine + cmd }

// ExplainStatus is a task status message for people: the message itself,
// and, when a task that runs `kennel bootstrap` exited with
// BootstrapExitCode, what that status means. Mesos's default executor
// says only "Command exited with status N"; the task's stderr holds the
// bootstrap's errors.
func ExplainStatus(info *mesos.TaskInfo, message string) string {
	return ExplainBootstrapStatus(RunsBootstrap(info.GetCommand().GetValue()), message)
}

// RunsBootstrap reports whether a task's shell command cmd is a
// BootstrapCommand.
func RunsBootstrap(cmd string) bool { return strings.HasPrefix(cmd, bootstrapLine) }

// ExplainBootstrapStatus is ExplainStatus of a task whose command runs
// `kennel bootstrap` or not (RunsBootstrap).
func ExplainBootstrapStatus(bootstraps bool, message string) string {
	if !bootstraps || message != fmt.Sprintf("Command exited with status %d", BootstrapExitCode) {
		return message
	}
	return fmt.Sprintf("%s: its config templates failed to render (see the task's stderr)", message)
}
