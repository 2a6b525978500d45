package main

import (
	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/api/client"
)

// tlsCommand returns `kennel tls`, about the service's transport
// encryption.
func tlsCommand(module string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tls",
		Short: "The service's transport encryption: its certificate authority",
	}
	ca := &cobra.Command{
		Use:   "ca",
		Short: "Print the service's CA certificate (PEM), which its TLS endpoints' certificates chain to",
		Long: `Prints the certificate of the CA the scheduler created for the service's
transport encryption (GET /v1/artifacts/tls/ca.crt), PEM: give it to clients
of the service's TLS endpoints, e.g. kcat -X ssl.ca.location=<file>. The CA's
key never leaves the scheduler's state store. With --json: {"ca": "<PEM>"}.`,
		Args: cobra.NoArgs,
	}
	f := newAPIFlags(ca, module)
	asJSON := jsonFlag(ca)
	ca.RunE = f.runE(func(cmd *cobra.Command, _ []string, c *client.Client) error {
		pem, err := c.CACertificate(cmd.Context())
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), map[string]string{"ca": string(pem)})
		}
		_, err = cmd.OutOrStdout().Write(pem)
		return err
	})
	cmd.AddCommand(ca)
	return cmd
}
