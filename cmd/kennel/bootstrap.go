package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/executor/bootstrap"
)

// bootstrapCommand returns `kennel bootstrap`, which renders the config
// templates named by the CONFIG_TEMPLATE_* variables of its environment. It
// prints one line per file written to stdout and fails, after trying every
// template, if any template is malformed, unreadable, unparsable or uses a
// variable the environment lacks.
func bootstrapCommand() *cobra.Command {
	dir := os.Getenv("MESOS_SANDBOX")
	if dir == "" {
		dir = "."
	}
	cmd := &cobra.Command{
		Use:   "bootstrap",
		Short: "Render a task's config templates (runs inside the task)",
		Long: `Renders the config templates of a task, inside the task, before its command:
the scheduler runs "./kennel bootstrap || exit" on a line before <cmd>. Each variable
CONFIG_TEMPLATE_<NAME>=<src>,<dest> names a Mustache template <src> (the
scheduler fetches it to config-templates/<name>) and the file <dest> to write;
relative paths are relative to --dir, and <src> ends at the first comma. The
templates are rendered, in order of variable name, against the task's whole
environment, without HTML escaping. A variable missing from the environment
is an error: every one is reported, with its position, and the template's
destination is not written. Any failure exits with status 78 (EX_CONFIG),
which the scheduler reports on the task's step. Without CONFIG_TEMPLATE_*
variables it does nothing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			environ := os.Environ()
			templates, envErr := bootstrap.FromEnv(environ)
			rendered, renderErr := bootstrap.Render(dir, templates, bootstrapEnv(environ))
			for _, line := range rendered {
				fmt.Fprintln(cmd.OutOrStdout(), line)
			}
			if err := errors.Join(envErr, renderErr); err != nil {
				return statusError{err: fmt.Errorf("bootstrap: %w", err), code: bootstrap.ExitCode}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", dir, "sandbox directory that relative template paths are resolved against ($MESOS_SANDBOX if set)")
	return cmd
}

// bootstrapEnv turns os.Environ's "KEY=value" entries into a map; a later entry
// for a key wins, as it does for os/exec.
func bootstrapEnv(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}
