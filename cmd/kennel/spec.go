package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/servicespec"
)

// defaultsFile is the file beside a spec whose values render it unless
// --env-file or -e override them.
const defaultsFile = "svc.env"

type specFlags struct {
	envFiles   []string
	env        []string
	attributes []string
}

func (f *specFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.attributes, "attribute", nil, "an agent attribute `NAME` the cluster has, for placement rules (repeatable)")
	cmd.Flags().StringArrayVar(&f.envFiles, "env-file", nil, "read KEY=VALUE lines from `FILE` (repeatable; later files win)")
	cmd.Flags().StringArrayVarP(&f.env, "env", "e", nil, "set `KEY=VALUE` for rendering (repeatable; wins over files)")
}

func specCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "spec",
		Short: "Check and render a ServiceSpec (svc.yml) offline",
		Long: `Check and render a ServiceSpec offline.

A spec is a Mustache template rendered against an environment before it is
parsed. Its values come, lowest precedence first, from svc.env beside the spec
(when present), from each --env-file, and from each -e KEY=VALUE.

A field Kennel's runtime does not act on yet (image, networks, secrets,
transport-encryption, ...) is an error, as it is for the scheduler:
FILE:LINE:COL: PATH: is not supported by Kennel yet: WHY.`,
	}
	cmd.AddCommand(specValidateCommand(), specRenderCommand())
	return cmd
}

func specValidateCommand() *cobra.Command {
	var flags specFlags
	cmd := &cobra.Command{
		Use:   "validate FILE|DIR",
		Short: "Report every error of a spec, or summarise it in one line",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := loadSpec(cmd, args[0], flags)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: valid: %s\n", args[0], spec.Summary())
			return nil
		},
	}
	flags.register(cmd)
	return cmd
}

func specRenderCommand() *cobra.Command {
	var flags specFlags
	var format string
	var showPlans bool
	cmd := &cobra.Command{
		Use:   "render FILE|DIR",
		Short: "Print the canonical form of a spec (defaults applied, templates inlined), or its plans",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "json" && format != "yaml" {
				return fmt.Errorf("--format must be json or yaml, got %q", format)
			}
			spec, err := loadSpec(cmd, args[0], flags)
			if err != nil {
				return err
			}
			if showPlans {
				_, err = io.WriteString(cmd.OutOrStdout(), freshInstallPlans(spec))
				return err
			}
			out := spec.IndentedJSON()
			if format == "yaml" {
				out = spec.YAML()
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	flags.register(cmd)
	cmd.Flags().StringVar(&format, "format", "json", "output `format`: json or yaml")
	cmd.Flags().BoolVar(&showPlans, "plans", false, "print the status tree of every plan a fresh install starts with")
	return cmd
}

// freshInstallPlans renders every plan of spec before anything has run.
func freshInstallPlans(spec *servicespec.ServiceSpec) string {
	set := plans.New(plans.World{Spec: spec, Config: spec.ID(), Now: time.Now()}, plans.Intent{})
	var b strings.Builder
	for _, p := range set.Plans() {
		b.WriteString(p.Info().Tree(p.Name))
		b.WriteString("\n\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// loadSpec loads the spec at path with the layered environment. Spec errors
// are printed one per line and become exit status 1.
func loadSpec(cmd *cobra.Command, path string, flags specFlags) (*servicespec.ServiceSpec, error) {
	path = specPath(path)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	defaults := filepath.Join(filepath.Dir(path), defaultsFile)
	env, err := flags.environment(defaults)
	if err == nil {
		var spec *servicespec.ServiceSpec
		var warnings servicespec.ErrorList
		spec, warnings, err = servicespec.LoadWithWarnings(path, data, servicespec.LoadOptions{
			Env:        env,
			Templates:  os.DirFS(filepath.Dir(path)),
			Attributes: flags.attributes,
		})
		if err == nil {
			for _, w := range warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
			}
			return spec, nil
		}
	}
	var list servicespec.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Fprintln(cmd.ErrOrStderr(), e.Error()+flags.origin(e.Var, env, defaults))
		}
		return nil, exitError{code: 1}
	}
	return nil, err
}

// environment layers svc.env (if present), the env files and -e values.
func (f specFlags) environment(defaults string) (map[string]string, error) {
	env := map[string]string{}
	files := f.envFiles
	if _, err := os.Stat(defaults); err == nil {
		files = append([]string{defaults}, files...)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		values, err := servicespec.ParseEnvFile(name, data)
		if err != nil {
			return nil, err
		}
		for k, v := range values {
			env[k] = v
		}
	}
	for _, kv := range f.env {
		k, v, err := servicespec.ParseEnvAssignment(kv)
		if err != nil {
			return nil, fmt.Errorf("-e: %w", err)
		}
		env[k] = v
	}
	return env, nil
}

// specPath is path, or the svc.yml in it when path is a directory.
func specPath(path string) string {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return filepath.Join(path, "svc.yml")
	}
	return path
}
