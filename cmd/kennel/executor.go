package main

import (
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/executor"
)

func executorCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "executor",
		Short: "Run as a Mesos executor (started by an agent, configured by MESOS_* variables)",
		Long: `Runs the Kennel executor: it subscribes to the agent named by
MESOS_AGENT_ENDPOINT and runs the tasks and task groups the agent launches,
each in a sandbox of its own with the persistent volumes it was given. It is
both the default executor (LAUNCH_GROUP) and the command executor (LAUNCH) of
the local cluster. SIGTERM kills its tasks and ends it.`,
		Args:   cobra.NoArgs,
		Hidden: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := executor.ConfigFromEnv(os.Getenv)
			if err != nil {
				return err
			}
			cfg.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return executor.Run(ctx, cfg)
		},
	}
}
