package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/api/client"
	"github.com/kennel-sdk/kennel/deploy/cosmos"
	"github.com/kennel-sdk/kennel/deploy/cosmos/httpapi"
	"github.com/kennel-sdk/kennel/plans"
)

// updateCommand groups the DC/OS Commons CLI's update commands: start and
// package-versions go to Cosmos (here: the package manager over Marathon
// and the repository), status to the scheduler.
func updateCommand(module string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Update a service's options or package version, and follow the update",
		Long: `Changes an installed service's options or package version as DC/OS's Cosmos
does (the DC/OS Commons CLI's "update" commands), and shows the deploy plan
that rolls the change out. The service is --name.`,
	}
	api := newAPIFlags(cmd, module)
	f := &cosmosFlags{dataDir: &api.dataDir}
	f.register(cmd.PersistentFlags(), false)
	cmd.Long = strings.TrimSpace(cmd.Long + "\n" + cosmosFlagsHelp)
	cmd.AddCommand(updateStartCommand(api, f), updateStatusCommand(api, f), updatePackageVersionsCommand(api, f))
	return cmd
}

// serviceApp is the app id of the service --name names.
func serviceApp(api *apiFlags) (string, error) {
	switch {
	case api.name != "":
		return api.name, nil
	case api.module != "":
		return dcosDefaultService(api.module), nil
	}
	return "", errors.New("name the service with --name")
}

// serviceManager is what update start and package-versions need of Cosmos:
// the package manager over Marathon here, or DC/OS's Cosmos when running
// as dcos-<module>.
type serviceManager interface {
	ServiceDescribe(ctx context.Context, req cosmos.ServiceDescribeRequest) (*cosmos.ServiceDescribeResponse, error)
	Update(ctx context.Context, req cosmos.ServiceUpdateRequest) (*cosmos.ServiceUpdateResponse, error)
}

// serviceManager is Kennel's Cosmos over --marathon and --repo, or, run as
// dcos-<module>, the Cosmos of the DC/OS cluster the DC/OS CLI is attached
// to (<core.dcos_url>/cosmos, with its token), as the DC/OS Commons CLI.
func (f *cosmosFlags) serviceManager(api *apiFlags) (serviceManager, error) {
	if api.module == "" {
		return f.cosmos(nil)
	}
	cfg, err := loadDCOSConfig(api.module)
	if err != nil {
		return nil, err
	}
	token, err := api.explicitToken()
	if err != nil {
		return nil, err
	}
	if token == "" {
		token = cfg.token
	}
	c := &httpapi.Client{Base: strings.TrimRight(cfg.url, "/") + "/cosmos"}
	if token != "" {
		c.Header = http.Header{"Authorization": {"token=" + token}}
	}
	return c, nil
}

// describeOptions is the DC/OS Commons CLI's describe (cli/queries
// package.go): Cosmos's service describe of the service, printing its
// resolvedOptions as indented JSON, or, when Cosmos gives none, the CLI's
// words for a Cosmos older than DC/OS 1.10.
func describeOptions(cmd *cobra.Command, api *apiFlags) error {
	id, err := serviceApp(api)
	if err != nil {
		return err
	}
	m, err := (&cosmosFlags{dataDir: &api.dataDir}).serviceManager(api)
	if err != nil {
		return err
	}
	d, err := m.ServiceDescribe(cmd.Context(), cosmos.ServiceDescribeRequest{AppID: id})
	if err != nil {
		return explainServiceCosmos(cmd.ErrOrStderr(), err, "", api.module, id)
	}
	if len(d.ResolvedOptions) == 0 {
		_, err := fmt.Fprintf(cmd.OutOrStdout(), "Package configuration is not available for service %s.\n"+
			"This command is only available for packages installed with Enterprise DC/OS 1.10 or newer.\n", id)
		return err
	}
	return printJSON(cmd.OutOrStdout(), d.ResolvedOptions)
}

func updateStartCommand(api *apiFlags, f *cosmosFlags) *cobra.Command {
	var optionsFile, version string
	var replace, dryRun bool
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Update the service's options (merged with those it was installed with) or package version",
		Long: `Renders the service's package (--package-version, default the installed one:
the versions allowed are those "update package-versions" lists) with the
options it was installed with deep-merged with --options (--replace: --options
alone), over the package's defaults, and replaces its Marathon app. The
scheduler restarts with the new configuration and rolls it out; follow it with
"update status". Invalid options, a version the service cannot move to and a
changed service.name are refused before Marathon is called.

--dry-run changes nothing (no artifact published, no Marathon call but
reads) and prints what the update would do: the options diff, the scheduler
app's changes, the rendered ServiceSpec's diff (against the scheduler's
target configuration when the scheduler answers, else the spec the
installed app renders), what each pod instance would do (stay, restart,
launch, decommission) and why, the phases of the plan that would roll it
out (such as the Kafka update plan's finalize phase, which raises
metadata.version once every broker runs the new release), and the changes
the scheduler would refuse.
It exits 1 when the scheduler would refuse the update or the new spec is
invalid.`,
		Args: cobra.NoArgs,
	}
	asJSON := cmd.Flags().Bool("json", false, "print Cosmos's update response (with --dry-run: the preview's report)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if optionsFile == "" && version == "" {
			return errors.New("either --options and/or --package-version must be specified")
		}
		id, err := serviceApp(api)
		if err != nil {
			return err
		}
		opts, err := readOptions(cmd, optionsFile)
		if err != nil {
			return err
		}
		req := cosmos.ServiceUpdateRequest{AppID: id, PackageVersion: version, Options: opts, Replace: replace}
		if dryRun {
			return updateDryRun(cmd, api, f, req, optionsFile, *asJSON)
		}
		c, err := f.serviceManager(api)
		if err != nil {
			return err
		}
		res, err := c.Update(cmd.Context(), req)
		if err != nil {
			return explainServiceCosmos(cmd.ErrOrStderr(), err, optionsFile, api.module, id)
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), res)
		}
		status := fmt.Sprintf("kennel update status --name=%s", id)
		if api.module != "" {
			status = fmt.Sprintf("dcos %s --name=%s update status", api.module, id)
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "Update started (Marathon deployment %s). Please use `%s` to view progress.\n", res.MarathonDeploymentID, status)
		return err
	}
	fl := cmd.Flags()
	fl.StringVar(&optionsFile, "options", "", "JSON `FILE` of options (stdin: standard input)")
	fl.StringVar(&version, "package-version", "", "the package `VERSION` to move to")
	fl.BoolVar(&replace, "replace", false, "use --options alone, not merged with the installed options")
	fl.BoolVar(&dryRun, "dry-run", false, "print what the update would do, and change nothing")
	return cmd
}

func updatePackageVersionsCommand(api *apiFlags, f *cosmosFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "package-versions",
		Short: "Print the service's package version and the versions it can be updated to",
		Args:  cobra.NoArgs,
	}
	asJSON := cmd.Flags().Bool("json", false, "print Cosmos's service describe response")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		id, err := serviceApp(api)
		if err != nil {
			return err
		}
		c, err := f.serviceManager(api)
		if err != nil {
			return err
		}
		d, err := c.ServiceDescribe(cmd.Context(), cosmos.ServiceDescribeRequest{AppID: id})
		if err != nil {
			return explainServiceCosmos(cmd.ErrOrStderr(), err, "", api.module, id)
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), d)
		}
		return printPackageVersions(cmd.OutOrStdout(), d)
	}
	return cmd
}

// printPackageVersions prints as the DC/OS Commons CLI does (cli/queries
// package.go, VersionInfo): the version as is, each list in Cosmos's order, one
// "- version" line per entry.
func printPackageVersions(out io.Writer, d *cosmos.ServiceDescribeResponse) error {
	fmt.Fprintf(out, "Current package version is: %v\n", d.Package["version"])
	if len(d.DowngradesTo) > 0 {
		fmt.Fprintf(out, "Package can be downgraded to:\n%s\n", dashList(d.DowngradesTo))
	} else {
		fmt.Fprintln(out, "No valid package downgrade versions.")
	}
	var err error
	if len(d.UpgradesTo) > 0 {
		_, err = fmt.Fprintf(out, "Package can be upgraded to:\n%s\n", dashList(d.UpgradesTo))
	} else {
		_, err = fmt.Fprintln(out, "No valid package upgrade versions.")
	}
	return err
}

// dashList lists versions one a line, each after "- ".
func dashList(vs []string) string {
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = "- " + v
	}
	return strings.Join(lines, "\n")
}

func updateStatusCommand(api *apiFlags, f *cosmosFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Print the deploy plan, which rolls an update out",
		Long: `Prints the service's deploy plan, as "plan status deploy". A service that
Marathon runs on the local cluster is found through Marathon (its task's host
and port) when "kennel local up --service" did not record it.`,
		Args: cobra.NoArgs,
	}
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		c, err := schedulerClient(cmd, api, f)
		if err != nil {
			return err
		}
		return explain(cmd.ErrOrStderr(), printDeployPlan(cmd, c, *asJSON), api.module != "")
	}
	return cmd
}

// marathonScheduler is a client of the scheduler Marathon runs as app
// --name, at its task's host and first port.
func marathonScheduler(cmd *cobra.Command, api *apiFlags, f *cosmosFlags) (*client.Client, error) {
	m, err := f.marathonClient()
	if err != nil {
		return nil, err
	}
	url, err := cosmos.TaskRouter{Tasks: m}.SchedulerURL(cmd.Context(), api.name)
	if err != nil {
		return nil, fmt.Errorf("service %s: not recorded by the local cluster, nor found in Marathon: %w", api.name, err)
	}
	token, err := api.explicitToken()
	if err != nil {
		return nil, err
	}
	return newClient(url, token, false, nil)
}

func printDeployPlan(cmd *cobra.Command, c *client.Client, asJSON bool) error {
	info, _, err := c.Plan(cmd.Context(), plans.DeployPlan)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(cmd.OutOrStdout(), info)
	}
	_, err = fmt.Fprintln(cmd.OutOrStdout(), info.TreeAt(plans.DeployPlan, time.Now()))
	return err
}
