package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/deploy/local"
	"github.com/kennel-sdk/kennel/deploy/marathon"
)

func localCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "local",
		Short: "Run and steer a Mesos cluster on this machine",
		Long: `A local cluster is a Mesos master and agents in one process. Executors and
tasks run as real processes; reservations and volumes live under the data
dir. "kennel local up" runs it in the foreground; the other commands steer a
running cluster through its admin API: --master, else $KENNEL_MESOS_MASTER,
else the cluster running on --data-dir ($KENNEL_DATA_DIR, else the default
data dir), which records its master's URL there.`,
	}
	client, cf := localClusterFlags(cmd)
	cmd.AddCommand(localUpCommand(), localAgentsCommand(client), localAgentCommand(client),
		localTaskCommand(client), localMasterCommand(client), localFrameworkCommand(client), localStateCommand(client),
		localServiceCommand(cf))
	return cmd
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func localUpCommand() *cobra.Command {
	var (
		configFile, dataDir, host string
		agents, port, agentPort   int
		maxPingTimeouts           int
		timeScale                 float64
		pingTimeout               = local.Duration(15 * time.Second)
		destroy                   bool
		simAgents                 int
		simFailureRate            float64
		svc                       serviceFlags
		mar                       marathonFlags
		debug                     debugAddr
	)
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run a local cluster in the foreground until interrupted",
		Long: `Runs a master and agents until SIGINT or SIGTERM. Without --config, the
cluster has --agents agents, each with 4 cpus, 8 GiB of memory, a 20 GiB ROOT
disk, two 10 GiB MOUNT disks, ports of its own and a zone (zone-1..3).
Stopping the cluster leaves executors and tasks running, as stopping the Mesos
daemons would; the next "up" on the same data dir recovers them. --destroy
kills them on exit instead.

Unless --no-marathon (or a negative --marathon-port), it also serves a
Marathon REST API (/v2/apps, /v2/deployments, /v2/info) on --marathon-port of
--host (0 picks a free port): a Mesos framework of the cluster that launches
apps as command-executor tasks, keeping its apps under <data-dir>/marathon.
That port is also DC/OS's front door, the one URL (core.dcos_url) the DC/OS
CLI talks to: Admin Router's /service/<name>/ (to a service's scheduler),
Marathon at /marathon/, Cosmos at /cosmos/service/ and /package/ (packages
from --repo), the master at /mesos/.

--service DIR also runs the scheduler of the service in DIR (its svc.yml, svc.env
and config templates) on the cluster, with its state under the data dir. The
scheduler's API URL is printed on a line of its own once it serves, then the
deploy plan's status tree each time it changes. --until-complete exits 0 once
the deploy plan is COMPLETE (non-zero after --timeout), stopping the cluster and
its tasks.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var cfg local.Config
			if configFile != "" {
				var err error
				if cfg, err = local.LoadConfig(configFile); err != nil {
					return err
				}
			} else {
				cfg = local.DefaultConfig("", agents)
			}
			flags := cmd.Flags()
			if flags.Changed("data-dir") || cfg.DataDir == "" {
				if dataDir == "" {
					d, err := local.DefaultDataDir()
					if err != nil {
						return err
					}
					dataDir = d
				}
				cfg.DataDir = dataDir
			}
			if flags.Changed("host") {
				cfg.Host = host
			}
			if flags.Changed("port") || cfg.Port == nil {
				cfg.Port = &port
			}
			if flags.Changed("agent-port") {
				cfg.AgentPort = &agentPort
			}
			if flags.Changed("time-scale") {
				cfg.TimeScale = timeScale
			}
			if flags.Changed("agent-ping-timeout") {
				cfg.AgentPingTimeout = &pingTimeout
			}
			if flags.Changed("max-agent-ping-timeouts") {
				cfg.MaxAgentPingTimeouts = &maxPingTimeouts
			}
			if flags.Changed("simulated-agents") {
				cfg.SimulatedAgents = simAgents
			}
			if flags.Changed("simulated-failure-rate") {
				cfg.Simulation.FailureRate = simFailureRate
			}
			if _, err := debug.serve(cmd.Context(), slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))); err != nil {
				return err
			}
			if svc.dir != "" {
				return runLocalService(cmd.Context(), cfg, svc, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			return runLocal(cmd.Context(), cfg, mar, destroy, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&configFile, "config", "", "cluster config file (YAML: agents, resources, zones, ports)")
	f.StringVar(&dataDir, "data-dir", "", "where agents keep sandboxes, volumes and checkpoints (default ~/.local/share/kennel/local)")
	f.StringVar(&host, "host", "127.0.0.1", "the master's address")
	f.IntVar(&agents, "agents", local.DefaultAgents, "number of agents (without --config)")
	f.IntVar(&port, "port", local.DefaultPort, "the master's port")
	f.IntVar(&agentPort, "agent-port", local.DefaultAgentPort, "every agent's port on its own loopback address")
	f.Float64Var(&timeScale, "time-scale", 1, "multiply Mesos timeouts and intervals (0.1 = ten times faster)")
	f.Var(&pingTimeout, "agent-ping-timeout", "Mesos's --agent_ping_timeout: the master pings agents this often and counts an unanswered ping as missed (1secs..15mins; unless given, the default is multiplied by --time-scale)")
	f.IntVar(&maxPingTimeouts, "max-agent-ping-timeouts", 5, "Mesos's --max_agent_ping_timeouts: missed pings in a row before an agent is unreachable")
	f.BoolVar(&destroy, "destroy", false, "kill executors and tasks when the cluster stops")
	f.IntVar(&simAgents, "simulated-agents", 0, "also run this many simulated agents (sim-1…): no processes, tasks follow the config's simulation delays")
	f.Float64Var(&simFailureRate, "simulated-failure-rate", 0, "the probability (0..1) that a simulated task fails instead of running")
	f.IntVar(&mar.port, "marathon-port", 8080, "the local Marathon's port on --host (0 = a free port; negative = no Marathon)")
	f.BoolVar(&mar.disabled, "no-marathon", false, "do not run the local Marathon")
	f.StringVar(&mar.repo, "repo", os.Getenv("KENNEL_REPO"), "the package `DIR` the front door's Cosmos installs from ($KENNEL_REPO; default ./examples when it exists, else no Cosmos)")
	f.StringVar(&mar.schema, "marathon-schema", "", "Marathon's AppDefinition.json to validate apps with (default $KENNEL_SCHEMAS/AppDefinition.json when set)")
	debug.register(f)
	svc.register(cmd)
	return cmd
}

// marathonFlags are the local Marathon's flags.
type marathonFlags struct {
	port     int
	disabled bool
	schema   string
	repo     string
}

// startMarathon starts the local Marathon on the cluster, unless disabled
// (nil then).
func startMarathon(ctx context.Context, c *local.Cluster, cfg local.Config, f marathonFlags, logger *slog.Logger) (*marathon.Marathon, error) {
	if f.disabled || f.port < 0 {
		return nil, nil
	}
	path := f.schema
	if dir := os.Getenv("KENNEL_SCHEMAS"); path == "" && dir != "" {
		path = filepath.Join(dir, "AppDefinition.json")
	}
	var schema []byte
	if path != "" {
		var err error
		if schema, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("marathon schema: %w", err)
		}
	}
	host := cfg.Host
	if host == "" {
		host = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(f.port)))
	if err != nil {
		return nil, fmt.Errorf("marathon: %w", err)
	}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		ln.Close()
		return nil, err
	}
	front, err := frontDoor(frontDoorConfig{self: "http://" + ln.Addr().String(), master: c.URL(), dataDir: dataDir, repo: f.packageRepo()})
	if err != nil {
		ln.Close()
		return nil, err
	}
	m, err := marathon.Start(ctx, marathon.Config{
		Master: c.URL(), DataDir: filepath.Join(cfg.DataDir, "marathon"), Schema: schema,
		Listener: ln, Front: front, Logger: logger,
	})
	if err != nil {
		ln.Close()
	}
	return m, err
}

// packageRepo is --repo, else ./examples when it is a directory, else ""
// (no Cosmos on the front door).
func (f marathonFlags) packageRepo() string {
	if f.repo != "" {
		return f.repo
	}
	if st, err := os.Stat("examples"); err == nil && st.IsDir() {
		return "examples"
	}
	return ""
}

func runLocal(ctx context.Context, cfg local.Config, mf marathonFlags, destroy bool, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	c, err := local.Start(ctx, cfg, logger)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "local cluster: master %s, %d agents, data in %s\n", c.URL(), len(cfg.Agents), cfg.DataDir)
	mar, err := startMarathon(ctx, c, cfg, mf, logger)
	if err != nil {
		c.Stop()
		return err
	}
	if mar != nil {
		fmt.Fprintf(stdout, "local cluster: marathon %s\n", mar.URL())
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "local cluster: stopping")
	if mar != nil {
		mar.Shutdown()
	}
	if destroy {
		c.Shutdown()
	} else {
		c.Stop()
	}
	return nil
}

func localAgentsCommand(client func() *local.Client) *cobra.Command {
	return &cobra.Command{
		Use:   "agents",
		Short: "List the agents",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			agents, err := client().Agents(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tID\tENDPOINT\tZONE\tUP\tPARTITIONED")
			for _, a := range agents {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%t\t%t\n", a.Name, a.ID, a.Endpoint, a.Zone, a.Up, a.Partitioned)
			}
			return w.Flush()
		},
	}
}

func localAgentCommand(client func() *local.Client) *cobra.Command {
	actions := []local.AgentAction{local.ActionStop, local.ActionStart, local.ActionRestart, local.ActionPartition,
		local.ActionHeal, local.ActionDestroy, local.ActionGone}
	names := make([]string, len(actions))
	for i, a := range actions {
		names[i] = string(a)
	}
	return &cobra.Command{
		Use:       "agent (" + strings.Join(names, "|") + ") NAME",
		Short:     "Stop, start, partition, heal, destroy or remove an agent",
		ValidArgs: names,
		Args:      cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return client().Agent(cmd.Context(), args[1], local.AgentAction(args[0]))
		},
	}
}

func localTaskCommand(client func() *local.Client) *cobra.Command {
	cmd := &cobra.Command{Use: "task", Short: "Inject task faults"}
	cmd.AddCommand(&cobra.Command{
		Use:     "kill TASK",
		Aliases: []string{"crash"},
		Short:   "Kill a task's processes with SIGKILL, as a crash or the OOM killer would",
		Long: `Kills the task's processes with SIGKILL behind its executor's back, as a crash
or the kernel's OOM killer would: the executor reports the task failed. To kill
a task the way a scheduler does (kill policy, TASK_KILLED), use the scheduler's
KILL call instead.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return crashTask(cmd.Context(), client(), args[0])
		},
	})
	return cmd
}

func localMasterCommand(client func() *local.Client) *cobra.Command {
	cmd := &cobra.Command{Use: "master", Short: "Inject master faults"}
	cmd.AddCommand(&cobra.Command{
		Use:   "restart",
		Short: "Fail the master over: frameworks must re-subscribe, agents re-register",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return client().RestartMaster(cmd.Context())
		},
	})
	return cmd
}

func localFrameworkCommand(client func() *local.Client) *cobra.Command {
	cmd := &cobra.Command{Use: "framework", Short: "Inject framework faults"}
	for _, verb := range []string{"stall", "unstall"} {
		cmd.AddCommand(&cobra.Command{
			Use:   verb + " FRAMEWORK_ID",
			Short: map[string]string{"stall": "Stop delivering a framework's events, keeping its connection", "unstall": "Resume a stalled framework's events"}[verb],
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return client().StallFramework(cmd.Context(), args[0], verb == "stall")
			},
		})
	}
	return cmd
}

func localStateCommand(client func() *local.Client) *cobra.Command {
	return &cobra.Command{
		Use:   "state",
		Short: "Print the master's state (GET /master/state) as JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := client().State(cmd.Context())
			if err != nil {
				return err
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(s)
		},
	}
}
