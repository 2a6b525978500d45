package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/api/client"
	"github.com/kennel-sdk/kennel/plans"
)

func planCommand(module string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show and steer a service's plans (deploy, recovery, custom plans)",
		Long:  "Show and steer a service's plans, as the DC/OS Commons CLI's `plan` commands do.",
	}
	f := newAPIFlags(cmd, module)
	cmd.AddCommand(planListCommand(f), planStatusCommand(f), planStartCommand(f), planStopCommand(f),
		planPauseCommand(f), planResumeCommand(f), planRestartCommand(f), planForceCompleteCommand(f))
	return cmd
}

func planListCommand(f *apiFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the plans' names (as JSON)",
		Args:  cobra.NoArgs,
	}
	jsonFlag(cmd)
	cmd.RunE = f.runE(func(cmd *cobra.Command, _ []string, c *client.Client) error {
		names, err := c.Plans(cmd.Context())
		if err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), names)
	})
	return cmd
}

func planStatusCommand(f *apiFlags) *cobra.Command {
	var w watchOptions
	cmd := &cobra.Command{
		Use:     "status [PLAN]",
		Aliases: []string{"show"},
		Short:   "Print a plan's status tree (the deploy plan by default)",
		Long: `Prints the plan's phases and steps with their statuses, and the plan's errors.
A plan with errors is not a failure of this command: it exits 0.

--watch redraws the tree every --interval, with a progress line under it,
until the plan is COMPLETE (exit 0) or has errors (exit 1); interrupted, it
exits 130.`,
		Args: cobra.MaximumNArgs(1),
	}
	asJSON := jsonFlag(cmd)
	cmd.Flags().BoolVar(&w.watch, "watch", false, "redraw the tree until the plan completes")
	cmd.Flags().DurationVar(&w.interval, "interval", time.Second, "with --watch: time between redraws")
	cmd.RunE = f.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
		name := plans.DeployPlan
		if len(args) == 1 {
			name = args[0]
		}
		if w.watch {
			if *asJSON {
				return fmt.Errorf("--watch prints trees; it does not go with --json")
			}
			return watchPlan(cmd, c, name, w)
		}
		info, _, err := c.Plan(cmd.Context(), name)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), info)
		}
		_, err = fmt.Fprintln(cmd.OutOrStdout(), info.Tree(name))
		return err
	})
	return cmd
}

func planStartCommand(f *apiFlags) *cobra.Command {
	var params []string
	cmd := &cobra.Command{
		Use:   "start PLAN",
		Short: "Start a plan, with -p KEY=VALUE environment variables for its tasks",
		Args:  cobra.ExactArgs(1),
	}
	cmd.Flags().StringArrayVarP(&params, "param", "p", nil, "an environment variable `KEY=VALUE` for the plan's tasks (repeatable)")
	cmd.RunE = f.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
		env := map[string]string{}
		for _, p := range params {
			k, v, ok := strings.Cut(p, "=")
			if !ok || k == "" {
				return fmt.Errorf("-p %q: want KEY=VALUE", p)
			}
			env[k] = v
		}
		if _, err := c.PlanStart(cmd.Context(), args[0], env); err != nil {
			return err
		}
		_, err := fmt.Fprintf(cmd.OutOrStdout(), "Plan %s has been started.\n", args[0])
		return err
	})
	return cmd
}

func planStopCommand(f *apiFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stop PLAN",
		Short: "Stop a plan: interrupt it and set its steps back to PENDING",
		Args:  cobra.ExactArgs(1),
	}
	cmd.RunE = f.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
		if _, err := c.PlanStop(cmd.Context(), args[0]); err != nil {
			return err
		}
		_, err := fmt.Fprintf(cmd.OutOrStdout(), "Plan %s has been stopped.\n", args[0])
		return err
	})
	return cmd
}

func planPauseCommand(f *apiFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "pause PLAN [PHASE]",
		Aliases: []string{"interrupt"},
		Short:   "Pause a plan, or one of its phases, after the steps in progress",
		Args:    cobra.RangeArgs(1, 2),
	}
	cmd.RunE = f.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
		plan, phase := args[0], argAt(args, 1)
		if _, err := c.PlanInterrupt(cmd.Context(), plan, phase); err != nil {
			return err
		}
		_, err := fmt.Fprintf(cmd.OutOrStdout(), "%s has been paused.\n", capitalize(describePosition(plan, phase, "")))
		return err
	})
	return cmd
}

func planResumeCommand(f *apiFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "resume PLAN [PHASE]",
		Aliases: []string{"continue"},
		Short:   "Resume a paused plan or phase",
		Args:    cobra.RangeArgs(1, 2),
	}
	cmd.RunE = f.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
		plan, phase := args[0], argAt(args, 1)
		if _, err := c.PlanContinue(cmd.Context(), plan, phase); err != nil {
			return err
		}
		_, err := fmt.Fprintf(cmd.OutOrStdout(), "%s has been resumed.\n", capitalize(describePosition(plan, phase, "")))
		return err
	})
	return cmd
}

func planRestartCommand(f *apiFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "force-restart PLAN [PHASE [STEP]]",
		Aliases: []string{"restart"},
		Short:   "Set a plan, a phase or a step back to PENDING so that it runs again",
		Args:    cobra.RangeArgs(1, 3),
	}
	cmd.RunE = f.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
		plan, phase, step := args[0], argAt(args, 1), argAt(args, 2)
		if _, err := c.PlanRestart(cmd.Context(), plan, phase, step); err != nil {
			return err
		}
		_, err := fmt.Fprintf(cmd.OutOrStdout(), "%s has been restarted.\n", capitalize(describePosition(plan, phase, step)))
		return err
	})
	return cmd
}

func planForceCompleteCommand(f *apiFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "force-complete PLAN PHASE STEP",
		Aliases: []string{"force"},
		Short:   "Mark a step COMPLETE without running it",
		Args:    cobra.ExactArgs(3),
	}
	cmd.RunE = f.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
		if _, err := c.PlanForceComplete(cmd.Context(), args[0], args[1], args[2]); err != nil {
			return err
		}
		_, err := fmt.Fprintf(cmd.OutOrStdout(), "%s has been forced to complete.\n", capitalize(describePosition(args[0], args[1], args[2])))
		return err
	})
	return cmd
}

// describePosition names a plan, a phase of it or a step of that phase:
// "plan deploy", "phase broker of plan deploy", "step kafka-0:[broker] of
// phase broker of plan deploy".
func describePosition(plan, phase, step string) string {
	s := "plan " + plan
	if phase != "" {
		s = "phase " + phase + " of " + s
		if step != "" {
			s = "step " + step + " of " + s
		}
	}
	return s
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// argAt returns args[i], or "" when there are not that many.
func argAt(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}
