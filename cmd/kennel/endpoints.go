package main

import (
	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/api/client"
)

func endpointsCommand(module string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "endpoints [NAME]",
		Short: "List the service's endpoints, or print one's addresses",
		Long: `Without NAME, prints the names of the service's endpoints (JSON). With NAME,
prints the endpoint: JSON {"address": [...], "dns": [...], "vip": "..."} for
an advertised port, or whatever text a custom endpoint serves.`,
		Args: cobra.MaximumNArgs(1),
	}
	f := newAPIFlags(cmd, module)
	asJSON := jsonFlag(cmd)
	cmd.RunE = f.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
		if len(args) == 0 {
			names, err := c.Endpoints(cmd.Context())
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), names)
		}
		body, err := c.Endpoint(cmd.Context(), args[0])
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), body)
		}
		return printRaw(cmd.OutOrStdout(), body)
	})
	return cmd
}

func describeCommand(module string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "describe",
		Short: "Print the service's configuration (its package options as dcos-<module>, else its ServiceSpec)",
		Long: `As kennel, prints the target configuration (GET /v1/configurations/target):
the rendered ServiceSpec the scheduler deploys. As dcos-<module>, does what
the DC/OS Commons CLI's describe does: asks the cluster's Cosmos
(/cosmos/service/describe) and prints the package options the service runs
with (resolvedOptions).`,
		Args: cobra.NoArgs,
	}
	f := newAPIFlags(cmd, module)
	jsonFlag(cmd)
	target := f.runE(func(cmd *cobra.Command, _ []string, c *client.Client) error {
		spec, err := c.Target(cmd.Context())
		if err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), spec)
	})
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if module != "" {
			return describeOptions(cmd, f)
		}
		return target(cmd, args)
	}
	return cmd
}
