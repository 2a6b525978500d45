package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/deploy/catalog"
)

// packageCommand groups the catalog package commands.
func packageCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "package",
		Short: "Work with catalog (Universe) packages",
		Long: `Work with catalog packages: a directory with package.json (packaging version
4.0), config.json (the options schema), resource.json and
marathon.json.mustache, as DC/OS's Cosmos installs them.`,
	}
	cmd.AddCommand(packageRenderCommand(), packageInstallCommand(), packageListCommand(), packageDescribeCommand(), packageUninstallCommand())
	return cmd
}

func packageRenderCommand() *cobra.Command {
	var optionsFile, source, appID, artifactDir string
	cmd := &cobra.Command{
		Use:   "render DIR",
		Short: "Print the Marathon app a package installs, rendered as Cosmos does",
		Long: `Renders the package in DIR as Cosmos does on install: config.json's defaults
merged with the --options file, validated against config.json (every error is
reported with its option's path, and nothing is rendered), then
marathon.json.mustache rendered with the options and resource.json, and the
DCOS_PACKAGE_* labels set. Prints the app definition as indented JSON.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pkg, err := catalog.Load(args[0])
			if err != nil {
				return err
			}
			if artifactDir != "" {
				pkg.SetArtifactDir(artifactDir)
			} else if pkg.NeedsArtifactDir() {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s: %s is left as it is (give --artifact-dir URL)\n", catalog.ResourceFile, catalog.ArtifactDirVariable)
			}
			req := catalog.Request{Source: source, AppID: appID}
			if optionsFile != "" {
				data, err := os.ReadFile(optionsFile)
				if err != nil {
					return fmt.Errorf("--options: %w", err)
				}
				if req.Options, err = catalog.ParseOptions(data); err != nil {
					return fmt.Errorf("--options %s: %w", optionsFile, err)
				}
			}
			if req.Source == "" {
				abs, err := filepath.Abs(args[0])
				if err != nil {
					return fmt.Errorf("package source: %w", err)
				}
				req.Source = "file://" + filepath.ToSlash(abs)
			}
			rendered, err := pkg.Render(req)
			var optErr *catalog.OptionsError
			if errors.As(err, &optErr) {
				for _, e := range optErr.Errors {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s\n", optionsName(optionsFile), e)
				}
				return exitError{code: 1}
			}
			if err != nil {
				return err
			}
			for _, name := range rendered.Missing {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s: {{%s}} has no value and renders empty\n", catalog.TemplateFile, name)
			}
			out, err := rendered.JSON()
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&optionsFile, "options", "", "JSON `FILE` of install options, merged over config.json's defaults")
	f.StringVar(&source, "package-source", "", "the repository recorded in DCOS_PACKAGE_SOURCE (default file://<absolute DIR>)")
	f.StringVar(&artifactDir, "artifact-dir", "", "the `URL` the package's artifacts are published under, for resource.json's {{artifact-dir}}")
	f.StringVar(&appID, "app-id", "", "replace the app's id, as `dcos package install --app-id` does")
	return cmd
}

// optionsName names the options in error lines.
func optionsName(file string) string {
	if file == "" {
		return "options"
	}
	return file
}
