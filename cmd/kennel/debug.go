package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/api/client"
)

func debugCommand(module string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "debug",
		Short: "Look into the scheduler: offer evaluations, configurations, state; pause pods",
		Long:  "Debugging aids, with the DC/OS Commons CLI's debug commands.",
	}
	f := newAPIFlags(cmd, module)
	cmd.AddCommand(debugOffersCommand(f), debugConfigCommand(f), debugStateCommand(f), debugPodCommand(f))
	return cmd
}

func debugOffersCommand(f *apiFlags) *cobra.Command {
	var plan, phase, step string
	cmd := &cobra.Command{
		Use:   "offers",
		Short: "Show why the latest offers were accepted or refused",
		Long: `Prints the scheduler's latest offer evaluations, in its order: for each, when
it happened, the step it was for, and the offer accepted or, for each offer
refused, the agent's hostname and the reasons. --plan, --phase and --step keep
only the evaluations for those (--phase and --step need --plan).`,
		Args: cobra.NoArgs,
	}
	cmd.Flags().StringVar(&plan, "plan", "", "only the evaluations for this `PLAN`")
	cmd.Flags().StringVar(&phase, "phase", "", "only the evaluations for this `PHASE`")
	cmd.Flags().StringVar(&step, "step", "", "only the evaluations for this `STEP`")
	asJSON := jsonFlag(cmd)
	cmd.RunE = f.runE(func(cmd *cobra.Command, _ []string, c *client.Client) error {
		rep, err := c.DebugOffers(cmd.Context(), plan, phase, step)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), rep.Raw)
		}
		_, err = io.WriteString(cmd.OutOrStdout(), offerReport(rep))
		return err
	})
	return cmd
}

// offerReport renders offer evaluations, one block per outcome:
//
//	2026-08-01T10:00:00Z kafka-0:[broker]
//	  offer O-2 on agent-2 refused:
//	    - insufficient cpus: 2 wanted, 1 offered
//	  accepted offer O-3
func offerReport(rep client.OfferReport) string {
	if len(rep.Outcomes) == 0 {
		return "No offer evaluations recorded.\n"
	}
	var b strings.Builder
	for i, o := range rep.Outcomes {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s %s\n", unknownIfEmpty(o.Time), unknownIfEmpty(o.Step))
		for _, r := range o.Refusals {
			fmt.Fprintf(&b, "  offer %s on %s refused:\n", unknownIfEmpty(r.OfferID), unknownIfEmpty(r.Hostname))
			for _, reason := range r.Reasons {
				fmt.Fprintf(&b, "    - %s\n", reason)
			}
		}
		if offer := acceptedOffer(o.AcceptedOffer); offer != "" {
			fmt.Fprintf(&b, "  accepted offer %s\n", offer)
		} else if len(o.Refusals) == 0 {
			b.WriteString("  no offer accepted\n")
		}
	}
	return b.String()
}

// acceptedOffer is an outcome's accepted offer as text: a JSON string's
// value, other JSON compacted, "" for none.
func acceptedOffer(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" || string(raw) == `""` {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

func debugConfigCommand(f *apiFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Read the stored configurations (ServiceSpecs)"}
	get := func(use, short string, args cobra.PositionalArgs, fetch func(*cobra.Command, []string, *client.Client) (any, error)) *cobra.Command {
		sub := &cobra.Command{Use: use, Short: short, Args: args}
		jsonFlag(sub)
		sub.RunE = f.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
			v, err := fetch(cmd, args, c)
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), v)
		})
		return sub
	}
	targetID := get("target-id", "Print the id of the configuration the scheduler deploys (as JSON)", cobra.NoArgs,
		func(cmd *cobra.Command, _ []string, c *client.Client) (any, error) {
			id, err := c.TargetID(cmd.Context())
			return []string{id}, err
		})
	targetID.Aliases = []string{"target_id"}
	cmd.AddCommand(
		get("list", "List the stored configurations' ids (as JSON)", cobra.NoArgs,
			func(cmd *cobra.Command, _ []string, c *client.Client) (any, error) {
				return c.Configurations(cmd.Context())
			}),
		get("show ID", "Print a stored configuration", cobra.ExactArgs(1),
			func(cmd *cobra.Command, args []string, c *client.Client) (any, error) {
				return c.Configuration(cmd.Context(), args[0])
			}),
		get("target", "Print the configuration the scheduler deploys", cobra.NoArgs,
			func(cmd *cobra.Command, _ []string, c *client.Client) (any, error) { return c.Target(cmd.Context()) }),
		targetID)
	return cmd
}

func debugStateCommand(f *apiFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "state", Short: "Read the scheduler's stored state (as kennel state)"}
	cmd.AddCommand(stateSubcommands(f)...)
	return cmd
}

func debugPodCommand(f *apiFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "pod", Short: "Pause and resume pod instances' tasks (as kennel pod pause|resume)"}
	cmd.AddCommand(
		podTasksCommand(f, "pause", podPauseShort, (*client.Client).PodPause),
		podTasksCommand(f, "resume", podResumeShort, (*client.Client).PodResume))
	return cmd
}
