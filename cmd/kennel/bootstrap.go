package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"strings"
	"time"

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
	var envWait, tlsWait time.Duration
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
variables it does nothing.

When KENNEL_ENV_URL is set, a service written in Go still had environment
values pending when the task launched (a KRaft controller quorum waits for
every controller to be placed): the values are fetched from that URL, asking
again every few seconds while some are pending (each new reason printed to
stderr), at most --env-wait, and rendered over the task's environment.

When KENNEL_TLS is set, the task's spec asks for transport encryption: a
private key is created here (it never leaves the task), its certificate
signing request is sent to KENNEL_TLS_URL with KENNEL_TLS_TOKEN, and the
files of each entry are written into the sandbox before the templates are
rendered: <name>.crt, <name>.key and <name>.ca for TLS, <name>.keystore and
<name>.truststore (PKCS #12, password "notsecure") for KEYSTORE. Secrets the
scheduler gives the task with its certificate (a Kafka broker's SCRAM admin
password) are rendered into the templates, never put in the environment.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			environ := os.Environ()
			templates, envErr := bootstrap.FromEnv(environ)
			env := bootstrapEnv(environ)
			if url := env[bootstrap.EnvURLVariable]; url != "" {
				ctx, cancel := context.WithTimeout(cmd.Context(), envWait)
				defer cancel()
				values, err := bootstrap.FetchEnv(ctx, http.DefaultClient, url, 2*time.Second, func(reason string) {
					fmt.Fprintln(cmd.ErrOrStderr(), "bootstrap: waiting for the scheduler's environment values:", reason)
				})
				if err != nil {
					return statusError{err: fmt.Errorf("bootstrap: %w", err), code: bootstrap.ExitCode}
				}
				maps.Copy(env, values)
			}
			tlsCtx, cancel := context.WithTimeout(cmd.Context(), tlsWait)
			defer cancel()
			written, secrets, err := bootstrap.Certificates(tlsCtx, http.DefaultClient, dir, env, 2*time.Second, func(reason string) {
				fmt.Fprintln(cmd.ErrOrStderr(), "bootstrap: waiting for the task's certificate:", reason)
			})
			for _, line := range written {
				fmt.Fprintln(cmd.OutOrStdout(), line)
			}
			if err != nil {
				return statusError{err: fmt.Errorf("bootstrap: %w", err), code: bootstrap.ExitCode}
			}
			// Secrets render into the templates only: the task's command
			// and its children never see them in their environment.
			maps.Copy(env, secrets)
			rendered, renderErr := bootstrap.Render(dir, templates, env)
			for _, line := range rendered {
				fmt.Fprintln(cmd.OutOrStdout(), line)
			}
			if err := errors.Join(envErr, renderErr); err != nil {
				return statusError{err: fmt.Errorf("bootstrap: %w", err), code: bootstrap.ExitCode}
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&envWait, "env-wait", 15*time.Minute, "how long to wait for the environment values of "+bootstrap.EnvURLVariable)
	cmd.Flags().DurationVar(&tlsWait, "tls-wait", 5*time.Minute, "how long to keep asking the scheduler for the task's certificate while it cannot be reached")
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
