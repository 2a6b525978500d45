package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kennel-sdk/kennel/deploy/catalog"
	"github.com/kennel-sdk/kennel/deploy/cosmos"
	"github.com/kennel-sdk/kennel/deploy/local"
	"github.com/kennel-sdk/kennel/deploy/marathon/client"
)

// cosmosFlags say which Marathon, repository and cluster the package
// commands work with.
type cosmosFlags struct {
	marathon, repo, master, artifactDir, cluster, dcosURL string
	// dataDir is the local cluster's data dir flag (shared with the
	// scheduler flags in "update").
	dataDir *string
	poll    time.Duration
}

const cosmosFlagsHelp = `
Apps go to the Marathon at --marathon ($MARATHON_URL; default the local
cluster's, http://127.0.0.1:8080). Packages come from the repository --repo
($KENNEL_REPO; default ./examples when it exists): <repo>/<name>/package/
holds package.json, config.json, resource.json and marathon.json.mustache
(or one such directory per version, named by releaseVersion: 0, 1, ...), and
<repo>/<name>/ holds the service's spec.

--cluster local (the default) installs on the local cluster: the package's
artifacts (the spec archive and this kennel binary) are published under the
cluster's data dir and fetched as file:// URIs, and the options
service.mesos_master (--master) and service.state (a file store under the
data dir) are set under the user's options, since the package defaults name
DC/OS hosts (leader.mesos, master.mesos) the local cluster does not serve.
--cluster dcos sets no options and needs --artifact-dir, the URL the
artifacts are published under, and --dcos-url for the uninstall.`

func (f *cosmosFlags) register(fl *pflag.FlagSet, withDataDir bool) {
	fl.StringVar(&f.marathon, "marathon", envOr("MARATHON_URL", "http://127.0.0.1:8080"), "Marathon's `URL` ($MARATHON_URL)")
	fl.StringVar(&f.repo, "repo", os.Getenv("KENNEL_REPO"), "the package repository `DIR` ($KENNEL_REPO; default ./examples)")
	fl.StringVar(&f.cluster, "cluster", "local", "the cluster kind: local or dcos")
	fl.StringVar(&f.master, "master", envOr("KENNEL_MESOS_MASTER", "http://127.0.0.1:5050"), "with --cluster local: the master's `URL` ($KENNEL_MESOS_MASTER)")
	fl.StringVar(&f.artifactDir, "artifact-dir", "", "the `URL` the packages' artifacts are published under (default with --cluster local: published under the data dir)")
	fl.StringVar(&f.dcosURL, "dcos-url", os.Getenv("DCOS_URL"), "with --cluster dcos: the cluster's `URL`, whose Admin Router reaches schedulers ($DCOS_URL)")
	if withDataDir {
		f.dataDir = new(string)
		fl.StringVar(f.dataDir, "data-dir", "", "with --cluster local: the local cluster's data `DIR` (default ~/.local/share/kennel/local)")
	}
}

// repository opens --repo, or ./examples.
func (f *cosmosFlags) repository() (*cosmos.Repository, error) {
	dir := f.repo
	if dir == "" {
		if st, err := os.Stat("examples"); err != nil || !st.IsDir() {
			return nil, errors.New("no package repository: give --repo DIR or $KENNEL_REPO (./examples, the default, does not exist here)")
		}
		dir = "examples"
	}
	return cosmos.OpenRepository(dir)
}

func (f *cosmosFlags) marathonClient() (*client.Client, error) {
	return client.New(f.marathon, nil)
}

// cosmos assembles the package manager over repo (the flags' when nil).
func (f *cosmosFlags) cosmos(repo *cosmos.Repository) (*cosmos.Cosmos, error) {
	var err error
	if repo == nil {
		if repo, err = f.repository(); err != nil {
			return nil, err
		}
	}
	m, err := f.marathonClient()
	if err != nil {
		return nil, err
	}
	c := &cosmos.Cosmos{Repo: repo, Marathon: m, PollInterval: f.poll}
	if f.artifactDir != "" {
		c.Artifacts = cosmos.PublishedArtifacts{URL: f.artifactDir}
	}
	switch f.cluster {
	case "local":
		dataDir := ""
		if f.dataDir != nil {
			dataDir = *f.dataDir
		}
		if dataDir == "" {
			if dataDir, err = local.DefaultDataDir(); err != nil {
				return nil, err
			}
		}
		if dataDir, err = filepath.Abs(dataDir); err != nil {
			return nil, err
		}
		c.ClusterOptions = cosmos.LocalClusterOptions(f.master, dataDir)
		c.Router = cosmos.TaskRouter{Tasks: m}
		if c.Artifacts == nil {
			bin, err := os.Executable()
			if err != nil {
				return nil, fmt.Errorf("the kennel binary to publish: %w", err)
			}
			c.Artifacts = cosmos.LocalArtifacts{Dir: filepath.Join(dataDir, "artifacts"), Binary: bin}
		}
	case "dcos":
		if f.dcosURL == "" {
			return nil, errors.New("--cluster dcos: give --dcos-url (or $DCOS_URL)")
		}
		r := cosmos.HTTPRouter{Base: f.dcosURL}
		if tok := os.Getenv("DCOS_ACS_TOKEN"); tok != "" {
			r.Header = map[string][]string{"Authorization": {"token=" + tok}}
		}
		c.Router = r
	default:
		return nil, fmt.Errorf("--cluster %q: want local or dcos", f.cluster)
	}
	return c, nil
}

// readOptions reads an options file ("" for none; "stdin" or "-" reads
// standard input).
func readOptions(cmd *cobra.Command, file string) (map[string]any, error) {
	var data []byte
	var err error
	switch file {
	case "":
		return nil, nil
	case "stdin", "-":
		data, err = io.ReadAll(cmd.InOrStdin())
	default:
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, fmt.Errorf("--options: %w", err)
	}
	opts, err := catalog.ParseOptions(data)
	if err != nil {
		return nil, fmt.Errorf("--options %s: %w", file, err)
	}
	return opts, nil
}

// explainCosmos prints a Cosmos error for an operator, every options error
// on a line of its own prefixed with the options file, and returns exit
// status 1.
func explainCosmos(stderr io.Writer, err error, optionsFile string) error {
	if err == nil {
		return nil
	}
	var exit exitError
	if errors.As(err, &exit) {
		return err
	}
	var oe *catalog.OptionsError
	if errors.As(err, &oe) {
		for _, e := range oe.Errors {
			fmt.Fprintf(stderr, "%s: %s\n", optionsName(optionsFile), e)
		}
		fmt.Fprintln(stderr, "Nothing was installed or changed.")
		return exitError{code: 1}
	}
	fmt.Fprintln(stderr, errorPrefix+err.Error())
	return exitError{code: 1}
}

// confirm asks question on stdout and reads yes/no from stdin; yes skips it.
func confirm(cmd *cobra.Command, yes bool, question string) (bool, error) {
	if yes {
		return true, nil
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s [yes/no]: ", question)
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "yes", "y":
		return true, nil
	}
	fmt.Fprintln(cmd.OutOrStdout(), "Cancelled.")
	return false, nil
}

func packageInstallCommand() *cobra.Command {
	f := &cosmosFlags{}
	var optionsFile, version, appID string
	var yes bool
	cmd := &cobra.Command{
		Use:   "install NAME|DIR",
		Short: "Install a package's service through Marathon, as `dcos package install`",
		Long: `Installs package NAME of the repository, or the package in DIR (a directory
holding package.json): its options (config.json's defaults, the cluster's, then
--options) are validated, every error printed with its option's path, the
artifacts published, and the app rendered, all before Marathon is called; then
the app is created. An app with the same id is an error that changes nothing.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := readOptions(cmd, optionsFile)
			if err != nil {
				return err
			}
			var repo *cosmos.Repository
			name := args[0]
			if _, err := os.Stat(filepath.Join(name, catalog.PackageFile)); err == nil {
				if repo, err = cosmos.OpenRepository(name); err != nil {
					return err
				}
				names, err := repo.Names()
				if err != nil {
					return explainCosmos(cmd.ErrOrStderr(), err, optionsFile)
				}
				name = names[0]
			}
			c, err := f.cosmos(repo)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			d, err := c.Describe(ctx, cosmos.DescribeRequest{PackageName: name, PackageVersion: version})
			if err != nil {
				return explainCosmos(cmd.ErrOrStderr(), err, optionsFile)
			}
			out := cmd.OutOrStdout()
			if notes, _ := d.Package["preInstallNotes"].(string); notes != "" {
				fmt.Fprintln(out, notes)
			}
			if ok, err := confirm(cmd, yes, "Continue installing?"); !ok || err != nil {
				return err
			}
			pkgVersion, _ := d.Package["version"].(string)
			res, err := c.Install(ctx, cosmos.InstallRequest{PackageName: name, PackageVersion: pkgVersion, Options: opts, AppID: appID})
			if err != nil {
				return explainCosmos(cmd.ErrOrStderr(), err, optionsFile)
			}
			fmt.Fprintf(out, "Installed Marathon app %s for package [%s] version [%s]\n", res.AppID, res.PackageName, res.PackageVersion)
			if res.PostInstallNotes != "" {
				fmt.Fprintln(out, res.PostInstallNotes)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&optionsFile, "options", "", "JSON `FILE` of install options (stdin: standard input)")
	fl.StringVar(&version, "package-version", "", "the package `VERSION` (default the newest)")
	fl.StringVar(&appID, "app-id", "", "the app's `ID`, instead of the package's (service.name)")
	fl.BoolVar(&yes, "yes", false, "do not ask for confirmation")
	f.register(cmd.Flags(), true)
	cmd.Long = strings.TrimSpace(cmd.Long + "\n" + cosmosFlagsHelp)
	return cmd
}

func packageListCommand() *cobra.Command {
	f := &cosmosFlags{}
	var appID string
	cmd := &cobra.Command{
		Use:   "list [NAME]",
		Short: "List the services installed from packages (apps with DCOS_PACKAGE_NAME)",
		Args:  cobra.MaximumNArgs(1),
	}
	asJSON := cmd.Flags().Bool("json", false, "print Cosmos's list response")
	cmd.Flags().StringVar(&appID, "app-id", "", "only the app `ID`")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		m, err := f.marathonClient()
		if err != nil {
			return err
		}
		req := cosmos.ListRequest{AppID: appID}
		if len(args) == 1 {
			req.PackageName = args[0]
		}
		res, err := (&cosmos.Cosmos{Marathon: m}).List(cmd.Context(), req)
		if err != nil {
			return explainCosmos(cmd.ErrOrStderr(), err, "")
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), res)
		}
		return printPackageList(cmd.OutOrStdout(), res)
	}
	cmd.Flags().StringVar(&f.marathon, "marathon", envOr("MARATHON_URL", "http://127.0.0.1:8080"), "Marathon's `URL` ($MARATHON_URL)")
	return cmd
}

// printPackageList prints installed packages as a table.
func printPackageList(out io.Writer, res *cosmos.ListResponse) error {
	if len(res.Packages) == 0 {
		_, err := fmt.Fprintln(out, "There are currently no installed packages.")
		return err
	}
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tVERSION\tAPP\tDESCRIPTION")
	for _, p := range res.Packages {
		d := p.PackageInformation.PackageDefinition
		desc, _ := d["description"].(string)
		if len(desc) > 60 {
			desc = desc[:57] + "..."
		}
		fmt.Fprintf(w, "%v\t%v\t%s\t%s\n", d["name"], d["version"], p.AppID, desc)
	}
	return w.Flush()
}

func packageDescribeCommand() *cobra.Command {
	f := &cosmosFlags{}
	var version, appID string
	cmd := &cobra.Command{
		Use:   "describe NAME",
		Short: "Print a package's definition, or with --app-id its installed service",
		Long: `Prints Cosmos's describe of package NAME (--package-version, default the
newest), as JSON. With --app-id, prints the service describe of the installed
app instead: its package, the versions it may be updated to (upgradesTo,
downgradesTo), its resolved options and the options the user gave.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.cosmos(nil)
			if err != nil {
				return err
			}
			var res any
			if appID != "" {
				if version != "" {
					return errors.New("--app-id describes the installed version: it does not go with --package-version")
				}
				s, err := c.ServiceDescribe(cmd.Context(), cosmos.ServiceDescribeRequest{AppID: appID})
				if err != nil {
					return explainCosmos(cmd.ErrOrStderr(), err, "")
				}
				if s.Package["name"] != args[0] {
					return explainCosmos(cmd.ErrOrStderr(), fmt.Errorf("the app %s runs package %v, not %s", appID, s.Package["name"], args[0]), "")
				}
				res = s
			} else if res, err = c.Describe(cmd.Context(), cosmos.DescribeRequest{PackageName: args[0], PackageVersion: version}); err != nil {
				return explainCosmos(cmd.ErrOrStderr(), err, "")
			}
			return printJSON(cmd.OutOrStdout(), res)
		},
	}
	cmd.Flags().StringVar(&version, "package-version", "", "the package `VERSION` (default the newest)")
	cmd.Flags().StringVar(&appID, "app-id", "", "describe the installed app `ID`")
	f.register(cmd.Flags(), true)
	cmd.Long = strings.TrimSpace(cmd.Long + "\n" + cosmosFlagsHelp)
	return cmd
}

func packageUninstallCommand() *cobra.Command {
	f := &cosmosFlags{}
	var appID string
	var all, yes bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "uninstall NAME",
		Short: "Uninstall a package's service, as `dcos package uninstall`",
		Long: `Removes the app of package NAME (--app-id to pick one of several, --all for
every one). A DC/OS Commons scheduler (label DCOS_COMMONS_UNINSTALL) is
restarted with SDK_UNINSTALL=true and tears its service down (tasks, volumes,
reservations); once its deploy plan is complete the app is deleted. This
command waits for that, up to --timeout; run it again to go on waiting.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.cosmos(nil)
			if err != nil {
				return err
			}
			what := "every service of package " + args[0]
			if appID != "" {
				what = "the service " + appID
			}
			if ok, err := confirm(cmd, yes, "This uninstalls "+what+" and deletes its data. Continue?"); !ok || err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			res, err := c.Uninstall(ctx, cosmos.UninstallRequest{PackageName: args[0], AppID: appID, All: all})
			if res != nil {
				for _, r := range res.Results {
					fmt.Fprintf(cmd.OutOrStdout(), "Uninstalled package [%s] version [%s] (app %s)\n", r.PackageName, r.PackageVersion, r.AppID)
					if r.PostUninstallNotes != "" {
						fmt.Fprintln(cmd.OutOrStdout(), r.PostUninstallNotes)
					}
				}
			}
			return explainCosmos(cmd.ErrOrStderr(), err, "")
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&appID, "app-id", "", "the app `ID` to uninstall")
	fl.BoolVar(&all, "all", false, "uninstall every app of the package")
	fl.BoolVar(&yes, "yes", false, "do not ask for confirmation")
	fl.DurationVar(&f.poll, "poll-interval", time.Second, "how often to check on the scheduler tearing its service down (Cosmos: 10s)")
	fl.DurationVar(&timeout, "timeout", 15*time.Minute, "how long to wait for a scheduler to tear its service down")
	f.register(cmd.Flags(), true)
	cmd.Long = strings.TrimSpace(cmd.Long + "\n" + cosmosFlagsHelp)
	return cmd
}
