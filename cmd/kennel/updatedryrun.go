package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/api/client"
	"github.com/kennel-sdk/kennel/deploy/cosmos"
	"github.com/kennel-sdk/kennel/deploy/updatepreview"
)

// targetTimeout bounds the dry run's question to the scheduler: one that
// does not answer in time is left out, not waited for.
const targetTimeout = 10 * time.Second

// updateDryRun prints what "update start" would do with req, changing
// nothing: Cosmos plans the update on Update's own code path, the
// scheduler (when reachable) gives its target configuration, and
// updatepreview compares, with the in-place classification of the Go
// service the updated app runs (a Kafka broker's dynamic configs: "in
// place, no restart"). An update the scheduler would refuse, or whose
// spec would not load, exits 1 after the report.
func updateDryRun(cmd *cobra.Command, api *apiFlags, f *cosmosFlags, req cosmos.ServiceUpdateRequest, optionsFile string, asJSON bool) error {
	if api.module != "" {
		return errors.New("--dry-run needs Kennel's package manager (--marathon, --repo): DC/OS's Cosmos has no dry run")
	}
	c, err := f.cosmos(nil)
	if err != nil {
		return err
	}
	plan, err := c.PlanUpdate(cmd.Context(), req)
	if err != nil {
		return explainCosmos(cmd.ErrOrStderr(), err, optionsFile)
	}
	in := updatepreview.Input{Installed: plan.Installed, Update: plan.Update, Spec: os.DirFS(plan.SpecDir),
		InPlace: goServiceOf(plan.Update).inPlace}
	if plan.InstalledSpecDir != "" {
		in.InstalledSpec = os.DirFS(plan.InstalledSpecDir)
	}
	target, why := schedulerTarget(cmd, api, f)
	if target == nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "The scheduler's target configuration is not available (%v): comparing with the spec the installed app renders.\n", why)
	}
	in.Target = target
	report, err := updatepreview.Preview(in)
	if err != nil {
		return explainCosmos(cmd.ErrOrStderr(), err, optionsFile)
	}
	if asJSON {
		err = printJSON(cmd.OutOrStdout(), report)
	} else {
		err = report.Write(cmd.OutOrStdout())
	}
	if err != nil {
		return err
	}
	if len(report.Refused) > 0 || len(report.Spec.Errors) > 0 {
		fmt.Fprintln(cmd.ErrOrStderr(), "The update would be refused. Nothing was changed (dry run).")
		return exitError{code: 1}
	}
	fmt.Fprintln(cmd.ErrOrStderr(), "Nothing was changed (dry run).")
	return nil
}

// schedulerTarget is the scheduler's target configuration, or nil and why
// not.
func schedulerTarget(cmd *cobra.Command, api *apiFlags, f *cosmosFlags) ([]byte, error) {
	c, err := schedulerClient(cmd, api, f)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), targetTimeout)
	defer cancel()
	target, err := c.Target(ctx)
	if err != nil {
		return nil, err
	}
	return target, nil
}

// schedulerClient is a client of the service's scheduler: the one the
// flags or the local cluster name, else the task Marathon runs as app
// --name.
func schedulerClient(cmd *cobra.Command, api *apiFlags, f *cosmosFlags) (*client.Client, error) {
	c, err := api.client()
	if err != nil && api.name != "" && api.url == "" && api.module == "" {
		c, err = marathonScheduler(cmd, api, f)
	}
	return c, err
}
