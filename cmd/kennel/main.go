// Command kennel is the single Kennel binary: the scheduler, the executor,
// the local cluster and the operator CLI are its subcommands.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// exitError carries an exit status for main to use after the command has
// already printed what went wrong.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "kennel",
		Short:         "Run stateful services on Apache Mesos",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(specCommand(), localCommand(), executorCommand(), bootstrapCommand(), schedulerCommand())
	return root
}

func main() {
	if err := newRootCommand().Execute(); err != nil {
		var exit exitError
		if errors.As(err, &exit) {
			os.Exit(exit.code)
		}
		fmt.Fprintln(os.Stderr, "kennel:", err)
		os.Exit(1)
	}
}
