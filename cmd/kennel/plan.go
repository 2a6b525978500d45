package main

import (
	"context"
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
		_, err = fmt.Fprintln(cmd.OutOrStdout(), info.TreeAt(name, time.Now()))
		return err
	})
	return cmd
}

// planStartCommand starts a plan and prints the scheduler's JSON answer,
// as the DC/OS CLI does (--json changes nothing).
func planStartCommand(f *apiFlags) *cobra.Command {
	var params []string
	cmd := &cobra.Command{
		Use:   "start PLAN",
		Short: "Start a plan, with -p KEY=VALUE environment variables for its tasks",
		Args:  cobra.ExactArgs(1),
	}
	cmd.Flags().StringArrayVarP(&params, "param", "p", nil, "an environment variable `KEY=VALUE` for the plan's tasks (repeatable)")
	jsonFlag(cmd)
	cmd.RunE = f.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
		env := map[string]string{}
		for _, p := range params {
			k, v, ok := strings.Cut(p, "=")
			if !ok || k == "" {
				return fmt.Errorf("-p %q: want KEY=VALUE", p)
			}
			env[k] = v
		}
		res, err := c.PlanStart(cmd.Context(), args[0], env)
		if err != nil {
			return err
		}
		return printRaw(cmd.OutOrStdout(), res.Body)
	})
	return cmd
}

// planStopCommand stops a plan and prints the scheduler's JSON answer, as
// the DC/OS CLI does (--json changes nothing).
func planStopCommand(f *apiFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stop PLAN",
		Short: "Stop a plan: interrupt it and set its steps back to PENDING",
		Args:  cobra.ExactArgs(1),
	}
	jsonFlag(cmd)
	cmd.RunE = f.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
		res, err := c.PlanStop(cmd.Context(), args[0])
		if err != nil {
			return err
		}
		return printRaw(cmd.OutOrStdout(), res.Body)
	})
	return cmd
}

// planAction is a plan command that reports in a sentence: pause, resume,
// force-restart, force-complete.
type planAction struct {
	use     string
	aliases []string
	short   string
	args    cobra.PositionalArgs
	// done is the DC/OS CLI's past participle for the command: "paused".
	done string
	// send makes the request; phase and step are "" when not given.
	send func(c *client.Client, ctx context.Context, plan, phase, step string) (client.CommandResult, error)
}

func planPauseCommand(f *apiFlags) *cobra.Command {
	return planActionCommand(f, planAction{
		use: "pause PLAN [PHASE]", aliases: []string{"interrupt"}, args: cobra.RangeArgs(1, 2), done: "paused",
		short: "Pause a plan, or one of its phases, after the steps in progress",
		send: func(c *client.Client, ctx context.Context, plan, phase, _ string) (client.CommandResult, error) {
			return c.PlanInterrupt(ctx, plan, phase)
		},
	})
}

func planResumeCommand(f *apiFlags) *cobra.Command {
	return planActionCommand(f, planAction{
		use: "resume PLAN [PHASE]", aliases: []string{"continue"}, args: cobra.RangeArgs(1, 2), done: "resumed",
		short: "Resume a paused plan or phase",
		send: func(c *client.Client, ctx context.Context, plan, phase, _ string) (client.CommandResult, error) {
			return c.PlanContinue(ctx, plan, phase)
		},
	})
}

func planRestartCommand(f *apiFlags) *cobra.Command {
	return planActionCommand(f, planAction{
		use: "force-restart PLAN [PHASE [STEP]]", aliases: []string{"restart"}, args: cobra.RangeArgs(1, 3), done: "restarted",
		short: "Set a plan, a phase or a step back to PENDING so that it runs again",
		send:  (*client.Client).PlanRestart,
	})
}

func planForceCompleteCommand(f *apiFlags) *cobra.Command {
	return planActionCommand(f, planAction{
		use: "force-complete PLAN [PHASE [STEP]]", aliases: []string{"force"}, args: cobra.RangeArgs(1, 3), done: "forced to complete",
		short: "Mark a step, a phase or a whole plan COMPLETE without running it",
		send:  (*client.Client).PlanForceComplete,
	})
}

// planActionCommand makes a command of a. After a 2xx it prints the DC/OS
// CLI's sentence (planSentence), or with --json the scheduler's answer as
// received (indented if it is JSON).
func planActionCommand(f *apiFlags, a planAction) *cobra.Command {
	cmd := &cobra.Command{Use: a.use, Aliases: a.aliases, Short: a.short, Args: a.args}
	asJSON := jsonFlag(cmd)
	cmd.RunE = f.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
		plan, phase, step := args[0], argAt(args, 1), argAt(args, 2)
		res, err := a.send(c, cmd.Context(), plan, phase, step)
		if err != nil {
			return err
		}
		if *asJSON {
			return printRaw(cmd.OutOrStdout(), res.Body)
		}
		_, err = fmt.Fprintln(cmd.OutOrStdout(), planSentence(plan, phase, step, a.done, res.Message != ""))
		return err
	})
	return cmd
}

// planSentence is the DC/OS Commons CLI's report of a plan command
// (cli/queries/plan.go), word for word:
//
//	"deploy" plan has been paused.
//	"deploy" plan: phase "broker" has been paused.
//	"deploy" plan: step "kafka-0:[broker]" in phase "broker" has been restarted.
//
// with "could not be" instead of "has been" when the scheduler's 2xx
// answer had no message (ok is false). Names are quoted as they are,
// without escaping.
func planSentence(plan, phase, step, done string, ok bool) string {
	outcome := "has been " + done + "."
	if !ok {
		outcome = "could not be " + done + "."
	}
	quote := func(s string) string { return `"` + s + `"` }
	switch {
	case phase == "" && step == "":
		return quote(plan) + " plan " + outcome
	case step == "":
		return quote(plan) + " plan: phase " + quote(phase) + " " + outcome
	}
	return quote(plan) + " plan: step " + quote(step) + " in phase " + quote(phase) + " " + outcome
}

// argAt returns args[i], or "" when there are not that many.
func argAt(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}
