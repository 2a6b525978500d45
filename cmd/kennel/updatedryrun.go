package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
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
	guardRefusals(cmd, api, f, &report)
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

// guardRefusals adds to report what the scheduler's decommission guard
// would refuse of the instances the update removes (a Kafka broker that
// holds replicas); when the scheduler cannot tell, it says so on stderr.
func guardRefusals(cmd *cobra.Command, api *apiFlags, f *cosmosFlags, report *updatepreview.Report) {
	var removed []string
	for _, inst := range report.Instances {
		if inst.Action == updatepreview.Decommission {
			removed = append(removed, inst.Instance)
		}
	}
	if len(removed) == 0 {
		return
	}
	c, err := schedulerClient(cmd, api, f)
	if err == nil {
		ctx, cancel := context.WithTimeout(cmd.Context(), guardTimeout)
		defer cancel()
		var refusals []string
		if refusals, err = c.DecommissionCheck(ctx, removed); err == nil {
			for _, r := range refusals {
				report.Refused = append(report.Refused, updatepreview.Refusal{Path: "scheduler", Msg: r})
			}
			return
		}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "The scheduler could not say whether it may remove %s (%v): it checks again when the update starts.\n",
		strings.Join(removed, ", "), err)
}

// guardTimeout bounds the scheduler's decommission check.
const guardTimeout = 45 * time.Second

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
