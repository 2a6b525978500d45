package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/api/client"
)

func stateCommand(module string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "state",
		Short: "Read the scheduler's stored state: framework id, properties",
		Long:  "Read what the scheduler keeps in its state store.",
	}
	f := newAPIFlags(cmd, module)
	cmd.AddCommand(stateSubcommands(f)...)
	return cmd
}

// stateSubcommands are state's commands; debug state has them too, as the
// DC/OS CLI's debug state does.
func stateSubcommands(f *apiFlags) []*cobra.Command {
	id := &cobra.Command{
		Use:     "framework-id",
		Aliases: []string{"framework_id"},
		Short:   "Print the service's Mesos framework id",
		Args:    cobra.NoArgs,
	}
	idJSON := jsonFlag(id)
	id.RunE = f.runE(func(cmd *cobra.Command, _ []string, c *client.Client) error {
		fid, err := c.FrameworkID(cmd.Context())
		if err != nil {
			return err
		}
		// As dcos-<module>, print the scheduler's JSON array, as the DC/OS
		// Commons CLI does (cli/queries/state.go FrameworkID).
		if *idJSON || f.module != "" {
			return printJSON(cmd.OutOrStdout(), []string{fid})
		}
		_, err = fmt.Fprintln(cmd.OutOrStdout(), fid)
		return err
	})
	props := &cobra.Command{
		Use:   "properties",
		Short: "List the stored properties' keys (as JSON)",
		Args:  cobra.NoArgs,
	}
	jsonFlag(props)
	props.RunE = f.runE(func(cmd *cobra.Command, _ []string, c *client.Client) error {
		keys, err := c.Properties(cmd.Context())
		if err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), keys)
	})
	prop := &cobra.Command{
		Use:   "property KEY",
		Short: "Print a stored property's value (indented if it is JSON)",
		Args:  cobra.ExactArgs(1),
	}
	propJSON := jsonFlag(prop)
	prop.RunE = f.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
		value, err := c.Property(cmd.Context(), args[0])
		if err != nil {
			return err
		}
		if *propJSON {
			return printJSON(cmd.OutOrStdout(), value)
		}
		return printRaw(cmd.OutOrStdout(), value)
	})
	return []*cobra.Command{id, props, prop}
}
