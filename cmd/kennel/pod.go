package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/api/client"
)

func podCommand(module string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pod",
		Short: "Show a service's pods; restart, replace, pause or resume one",
		Long:  "Show and act on a service's pod instances (hello-0, kafka-2, ...).",
	}
	f := newAPIFlags(cmd, module)
	cmd.AddCommand(podListCommand(f), podStatusCommand(f), podInfoCommand(f),
		podActionCommand(f, "restart", "Kill a pod instance's tasks so that they relaunch in place, keeping their volumes", (*client.Client).PodRestart),
		podActionCommand(f, "replace", "Relaunch a pod instance elsewhere with new reservations, dropping its volumes", (*client.Client).PodReplace),
		podTasksCommand(f, "pause", podPauseShort, (*client.Client).PodPause),
		podTasksCommand(f, "resume", podResumeShort, (*client.Client).PodResume))
	return cmd
}

const (
	podPauseShort  = "Relaunch a pod instance's tasks (or those given with -t) idle, for debugging"
	podResumeShort = "Relaunch paused tasks with their own command"
)

func podListCommand(f *apiFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the pod instances' names (as JSON)",
		Args:  cobra.NoArgs,
	}
	jsonFlag(cmd)
	cmd.RunE = f.runE(func(cmd *cobra.Command, _ []string, c *client.Client) error {
		names, err := c.Pods(cmd.Context())
		if err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), names)
	})
	return cmd
}

func podStatusCommand(f *apiFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status [POD]",
		Short: "Print the tasks' statuses of every pod instance, or of one",
		Long: `Print the tasks' statuses of every pod instance, or of one, as a tree:
each task's status, then where it runs (its container's IP, else its
agent's hostname), its ports, and while it runs its health check result
(healthy, unhealthy, health unknown) and readiness (ready, not ready)
when it has those checks. The details come from GET /v1/pod/POD/info;
--json prints GET /v1/pod/status (or /v1/pod/POD/status) alone.`,
		Args: cobra.MaximumNArgs(1),
	}
	asJSON := jsonFlag(cmd)
	cmd.RunE = f.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
		ctx := cmd.Context()
		var v any
		var instances []string
		if len(args) == 1 {
			s, err := c.PodInstanceStatus(ctx, args[0])
			if err != nil {
				return err
			}
			v, instances = s, []string{s.Name}
		} else {
			s, err := c.PodStatus(ctx)
			if err != nil {
				return err
			}
			v = s
			for _, p := range s.Pods {
				for _, inst := range p.Instances {
					instances = append(instances, inst.Name)
				}
			}
		}
		if *asJSON {
			return printJSON(cmd.OutOrStdout(), v)
		}
		details, err := instanceDetails(ctx, c, instances)
		if err != nil {
			return err
		}
		var tree string
		switch s := v.(type) {
		case client.InstanceStatus:
			tree = instanceTree(s, details)
		case client.ServiceStatus:
			tree = serviceTree(s, details)
		}
		_, err = fmt.Fprintln(cmd.OutOrStdout(), tree)
		return err
	})
	return cmd
}

func podInfoCommand(f *apiFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "info POD",
		Short: "Print a pod instance's tasks' TaskInfos and latest TaskStatuses (JSON)",
		Args:  cobra.ExactArgs(1),
	}
	jsonFlag(cmd)
	cmd.RunE = f.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
		info, err := c.PodInfo(cmd.Context(), args[0])
		if err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), info)
	})
	return cmd
}

// podAction is a pod command of the client (restart, replace).
type podAction func(*client.Client, context.Context, string) (client.PodAction, error)

// podTasksAction is a pod command that may name tasks (pause, resume).
type podTasksAction func(*client.Client, context.Context, string, []string) (client.PodAction, error)

// podActionCommand prints the scheduler's answer to a pod command, its
// JSON body as received but indented, as the DC/OS CLI does; --json is
// accepted and changes nothing.
func podActionCommand(f *apiFlags, verb, short string, act podAction) *cobra.Command {
	cmd := &cobra.Command{
		Use:   verb + " POD",
		Short: short,
		Args:  cobra.ExactArgs(1),
	}
	jsonFlag(cmd)
	cmd.RunE = f.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
		res, err := act(c, cmd.Context(), args[0])
		return printPodAction(cmd, res, err)
	})
	return cmd
}

// podTasksCommand is podActionCommand with -t TASK options.
func podTasksCommand(f *apiFlags, verb, short string, act podTasksAction) *cobra.Command {
	var tasks []string
	cmd := &cobra.Command{
		Use:   verb + " POD",
		Short: short,
		Args:  cobra.ExactArgs(1),
	}
	cmd.Flags().StringArrayVarP(&tasks, "task", "t", nil, "only this `TASK` (server or hello-0-server; repeatable)")
	jsonFlag(cmd)
	cmd.RunE = f.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
		res, err := act(c, cmd.Context(), args[0], tasks)
		return printPodAction(cmd, res, err)
	})
	return cmd
}

// printPodAction prints a pod command's answer as received, indented, or
// returns err.
func printPodAction(cmd *cobra.Command, res client.PodAction, err error) error {
	if err != nil {
		return err
	}
	return printJSON(cmd.OutOrStdout(), res.Raw)
}

// serviceTree renders GET /v1/pod/status as the DC/OS CLI's `pod status`
// tree, each task followed by its status and the details known of it
// (host, ports, health, readiness), aligned:
//
//	hello-world
//	└─ hello
//	   ├─ hello-0
//	   │  └─ hello-0-server  RUNNING   127.0.1.1  ports 1025,1026  healthy  ready
//	   └─ hello-1
//	      └─ hello-1-server  STARTING  127.0.1.1  ports 1027
func serviceTree(s client.ServiceStatus, details map[string]taskDetail) string {
	lines := []taskLine{{head: unknownIfEmpty(s.Service)}}
	for i, pod := range s.Pods {
		lastPod := i == len(s.Pods)-1
		lines = append(lines, taskLine{head: treeBranch(lastPod) + unknownIfEmpty(pod.Name)})
		for j, inst := range pod.Instances {
			lastInst := j == len(pod.Instances)-1
			lines = append(lines, taskLine{head: treeIndent(lastPod) + treeBranch(lastInst) + unknownIfEmpty(inst.Name)})
			lines = appendTasks(lines, treeIndent(lastPod)+treeIndent(lastInst), inst.Tasks, details)
		}
	}
	return strings.Join(alignLines(lines), "\n")
}

// instanceTree renders GET /v1/pod/{pod}/status as the DC/OS CLI's
// `pod status POD`: the instance's name, then its tasks as in serviceTree.
func instanceTree(s client.InstanceStatus, details map[string]taskDetail) string {
	lines := appendTasks([]taskLine{{head: unknownIfEmpty(s.Name)}}, "", s.Tasks, details)
	return strings.Join(alignLines(lines), "\n")
}

// appendTasks appends one line per task under indent: its name, then its
// status (<UNKNOWN> before the first) and its details.
func appendTasks(lines []taskLine, indent string, tasks []client.TaskStatus, details map[string]taskDetail) []taskLine {
	for k, t := range tasks {
		lines = append(lines, taskLine{
			head: indent + treeBranch(k == len(tasks)-1) + unknownIfEmpty(t.Name),
			cols: details[t.Name].columns(t.Status),
		})
	}
	return lines
}

func treeBranch(last bool) string {
	if last {
		return "└─ "
	}
	return "├─ "
}

// treeIndent continues a branch's vertical line under it, unless it was
// the last one.
func treeIndent(last bool) string {
	if last {
		return "   "
	}
	return "│  "
}

func unknownIfEmpty(s string) string {
	if s == "" {
		return "<UNKNOWN>"
	}
	return s
}
