package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/deploy/local"
	"github.com/kennel-sdk/kennel/deploy/sandbox"
)

// noMaster is the annotation of a local command that talks to no master:
// its flags' master is not resolved before it runs.
const noMaster = "kennel/no-master"

// localClusterFlags registers --master and --data-dir on the local group
// and returns the client of the master they designate, resolved before
// any command but "up" (which starts a cluster instead) and those
// annotated noMaster runs, and the flags themselves.
func localClusterFlags(group *cobra.Command) (func() *local.Client, *clusterFlags) {
	var cf clusterFlags
	cf.register(group)
	var master string
	group.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if cmd.Name() == "up" || cmd.HasSubCommands() || cmd.Annotations[noMaster] != "" { // up starts a cluster; a group prints help
			return nil
		}
		var err error
		master, err = cf.masterURL()
		return err
	}
	return func() *local.Client { return local.NewClient(master) }, &cf
}

// crashTask crashes the task named (or with the id) task: the master's
// state turns a name into the id of its active task.
func crashTask(ctx context.Context, c *local.Client, task string) error {
	finder := &sandbox.Client{Master: c.URL}
	t, findErr := finder.FindTask(ctx, task)
	if findErr == nil {
		return c.CrashTask(ctx, t.ID)
	}
	err := c.CrashTask(ctx, task) // an id the master does not list
	if err != nil && errors.Is(findErr, sandbox.ErrNotFound) {
		return findErr
	}
	return err
}
