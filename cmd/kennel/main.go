// Command kennel is the single Kennel binary: the scheduler, the executor,
// the local cluster and the operator CLI are its subcommands.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/executor"
)

// exitError carries an exit status for main to use after the command has
// already printed what went wrong.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// statusError is an error main prints and then exits with code.
type statusError struct {
	err  error
	code int
}

func (e statusError) Error() string { return e.err.Error() }
func (e statusError) Unwrap() error { return e.err }

// newRootCommand builds the command tree for the name the binary runs
// under (see rootCommandFor).
func newRootCommand() *cobra.Command { return rootCommandFor(filepath.Base(os.Args[0])) }

// rootCommandFor builds the command tree. Run as dcos-<module> (a symlink),
// the binary is a DC/OS CLI module: its scheduler commands drive the
// service <module> through the DC/OS cluster the DC/OS CLI is attached to.
func rootCommandFor(program string) *cobra.Command {
	module := dcosModule(program)
	root := &cobra.Command{
		Use:           "kennel",
		Short:         "Run stateful services on Apache Mesos",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	if module != "" {
		root.Use, root.Short = program, "Manage the "+module+" service"
		info := root.Flags().Bool("info", false, "print a one-line description, for the DC/OS CLI")
		_ = root.Flags().MarkHidden("info")
		root.RunE = func(cmd *cobra.Command, _ []string) error {
			if *info {
				_, err := fmt.Fprintln(cmd.OutOrStdout(), cmd.Short)
				return err
			}
			return cmd.Help()
		}
	}
	root.AddCommand(specCommand(), packageCommand(), localCommand(), executorCommand(), bootstrapCommand(), schedulerCommand(), kafkaCommand())
	root.AddCommand(taskCommand(), versionCommand(), dcosHelpCommand())
	root.AddCommand(apiCommands(module)...)
	strictCommands(root)
	addExamples(root)
	return root
}

func main() {
	// A task with rlimits starts as this binary: set them and exec the task.
	executor.ExecLimitHelper()
	// Resources are handled in the post-refinement format (a stack of
	// reservations) by the scheduler and the local cluster alike;
	// mesos-go's resource algebra must compare them so.
	mesos.CapabilityReservationRefinement = "1"
	program := filepath.Base(os.Args[0])
	root := rootCommandFor(program)
	root.SetArgs(cliArgs(dcosModule(program), os.Args[1:]))
	if err := root.Execute(); err != nil {
		var exit exitError
		if errors.As(err, &exit) {
			os.Exit(exit.code)
		}
		fmt.Fprintln(os.Stderr, errorPrefix+err.Error())
		var status statusError
		if errors.As(err, &status) {
			os.Exit(status.code)
		}
		os.Exit(1)
	}
}
