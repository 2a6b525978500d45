package local

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v4"

	"github.com/kennel-sdk/kennel/deploy/local/agent"
)

// Config describes a local cluster. The zero value of every field but
// Agents means its default; DefaultConfig fills Agents.
type Config struct {
	// DataDir holds the agents' sandboxes, checkpoints, disks and volumes.
	DataDir string `yaml:"data-dir"`
	// Host is the master's address (default 127.0.0.1). Agents get
	// loopback addresses of their own: 127.0.1.1, 127.0.1.2, ...
	Host string `yaml:"host"`
	// Port is the master's port (default 5050, 0 picks a free one).
	Port *int `yaml:"port"`
	// AgentPort is every agent's executor API port on its own address
	// (default 5051, as Mesos; 0 picks free ports, which executors cannot
	// find again after the cluster's process restarts).
	AgentPort *int `yaml:"agent-port"`
	// TimeScale multiplies every Mesos interval (pings, heartbeats,
	// retries, timeouts): 0.1 runs the cluster's clocks ten times faster.
	TimeScale float64 `yaml:"time-scale"`
	// AgentPingTimeout is Mesos's --agent_ping_timeout: the master pings
	// every agent this often and counts a ping not answered within it as
	// missed (default 15secs, times TimeScale). Given, it is used as is,
	// not scaled, and must lie between 1secs and 15mins as on Mesos.
	AgentPingTimeout *Duration `yaml:"agent-ping-timeout"`
	// MaxAgentPingTimeouts is Mesos's --max_agent_ping_timeouts: after
	// this many missed pings in a row the master marks the agent
	// unreachable (default 5, at least 1). Agent loss thus takes
	// AgentPingTimeout × MaxAgentPingTimeouts, whatever the framework
	// heartbeat interval.
	MaxAgentPingTimeouts *int `yaml:"max-agent-ping-timeouts"`
	// ExecutorCommand runs the Kennel executor (default: this binary's
	// "executor" command).
	ExecutorCommand []string      `yaml:"executor-command"`
	Agents          []AgentConfig `yaml:"agents"`
	// SimulatedAgents adds this many simulated agents, sim-1, sim-2, …,
	// after Agents: each with the resources of a default agent, whose
	// executors and tasks are not processes but follow Simulation (see
	// agent.Simulation). They register with the same master and speak
	// the same API; real and simulated agents mix.
	SimulatedAgents int `yaml:"simulated-agents"`
	// Simulation is how simulated tasks behave.
	Simulation SimulationConfig `yaml:"simulation"`
}

// SimulationConfig is how simulated agents' tasks behave; a delay not
// given is agent.DefaultSimulation's. Delays are not multiplied by
// TimeScale.
type SimulationConfig struct {
	StartingDelay *Duration `yaml:"starting-delay"` // launch to TASK_STARTING (default 10ms)
	RunningDelay  *Duration `yaml:"running-delay"`  // TASK_STARTING to TASK_RUNNING (50ms)
	CheckDelay    *Duration `yaml:"check-delay"`    // TASK_RUNNING to its readiness check passing (0: at once)
	KillDelay     *Duration `yaml:"kill-delay"`     // KILL to TASK_KILLED (20ms)
	// FailureRate is the probability, 0 to 1, that a task fails
	// (TASK_FAILED) instead of running.
	FailureRate float64 `yaml:"failure-rate"`
	Seed        uint64  `yaml:"seed"` // seeds the failures
}

// agentSimulation is the agent package's form of s.
func (s SimulationConfig) agentSimulation() *agent.Simulation {
	sim := agent.DefaultSimulation
	set := func(to *time.Duration, d *Duration) {
		if d != nil {
			*to = time.Duration(*d)
		}
	}
	set(&sim.StartingDelay, s.StartingDelay)
	set(&sim.RunningDelay, s.RunningDelay)
	set(&sim.CheckDelay, s.CheckDelay)
	set(&sim.KillDelay, s.KillDelay)
	sim.FailureRate, sim.Seed = s.FailureRate, s.Seed
	return &sim
}

// maxSimulatedAgents bounds SimulatedAgents: their addresses are
// 127.2.x.y (never bound, but unique).
const maxSimulatedAgents = 60000

// AgentConfig is one agent's declared resources and placement facts.
type AgentConfig struct {
	Name   string  `yaml:"name"`
	CPUs   float64 `yaml:"cpus"`
	MemMB  float64 `yaml:"mem"`
	DiskMB float64 `yaml:"disk"` // the ROOT disk
	// Ports is a range "begin-end".
	Ports string `yaml:"ports"`
	// MountDisksMB declares MOUNT disks of these sizes, backed by
	// directories under the agent's data dir (sizes are not enforced).
	MountDisksMB []float64         `yaml:"mount-disks"`
	Region       string            `yaml:"region"`
	Zone         string            `yaml:"zone"`
	Attributes   map[string]string `yaml:"attributes"`
	// simulated: one of Config.SimulatedAgents.
	simulated bool
}

// Defaults of a generated agent.
const (
	DefaultAgents    = 3
	DefaultPort      = 5050
	DefaultAgentPort = 5051
	defaultCPUs      = 4
	defaultMemMB     = 8192
	defaultDiskMB    = 20480
	defaultMountMB   = 10240
	// The bounds Mesos's master puts on --agent_ping_timeout.
	minAgentPingTimeout = Duration(time.Second)
	maxAgentPingTimeout = Duration(15 * time.Minute)
	firstAgentPort      = 31000
	agentPortsWidth     = 1000
)

// DefaultConfig is a cluster of n agents in three zones of region
// "local": each with 4 cpus, 8 GiB, a 20 GiB ROOT disk, two 10 GiB MOUNT
// disks and 1000 ports of its own (agent i gets 31000+1000(i-1) upward, so
// tasks on different agents never collide on a port of this one host).
func DefaultConfig(dataDir string, n int) Config {
	cfg := Config{DataDir: dataDir}
	for i := 1; i <= n; i++ {
		begin := firstAgentPort + agentPortsWidth*(i-1)
		cfg.Agents = append(cfg.Agents, AgentConfig{
			Name: fmt.Sprintf("agent-%d", i), CPUs: defaultCPUs, MemMB: defaultMemMB, DiskMB: defaultDiskMB,
			Ports:        fmt.Sprintf("%d-%d", begin, begin+agentPortsWidth-1),
			MountDisksMB: []float64{defaultMountMB, defaultMountMB},
			Region:       "local", Zone: fmt.Sprintf("zone-%d", (i-1)%3+1),
			Attributes: map[string]string{"rack": fmt.Sprintf("rack-%d", i)},
		})
	}
	return cfg
}

// DefaultDataDir is $KENNEL_DATA_DIR, else $XDG_DATA_HOME/kennel/local,
// else ~/.local/share/kennel/local.
func DefaultDataDir() (string, error) {
	if d := os.Getenv("KENNEL_DATA_DIR"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "kennel", "local"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no data dir: %w", err)
	}
	return filepath.Join(home, ".local", "share", "kennel", "local"), nil
}

// LoadConfig reads a cluster config file (YAML; unknown keys are errors).
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	cfg, err := parseConfig(b)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

func parseConfig(b []byte) (Config, error) {
	var cfg Config
	if err := yaml.Load(b, &cfg, yaml.WithKnownFields()); err != nil {
		return Config{}, err
	}
	return cfg, cfg.Validate()
}

// ErrInvalidConfig is wrapped by every Validate error.
var ErrInvalidConfig = errors.New("invalid local cluster config")

var agentName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// Validate reports every problem with the config.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	if len(c.Agents) == 0 && c.SimulatedAgents == 0 {
		bad("agents: at least one agent (or simulated-agents) is needed")
	}
	if c.SimulatedAgents < 0 || c.SimulatedAgents > maxSimulatedAgents {
		bad("simulated-agents: %d must be between 0 and %d", c.SimulatedAgents, maxSimulatedAgents)
	}
	if r := c.Simulation.FailureRate; r < 0 || r > 1 {
		bad("simulation.failure-rate: %g must be between 0 and 1", r)
	}
	if len(c.Agents) > 250 {
		bad("agents: at most 250 agents (each needs a loopback address)")
	}
	if c.TimeScale < 0 {
		bad("time-scale: must be positive, got %g", c.TimeScale)
	}
	if d := c.AgentPingTimeout; d != nil && (*d < minAgentPingTimeout || *d > maxAgentPingTimeout) {
		bad("agent-ping-timeout: %s must be between %s and %s (Mesos's bounds)", *d, minAgentPingTimeout, maxAgentPingTimeout)
	}
	if n := c.MaxAgentPingTimeouts; n != nil && *n < 1 {
		bad("max-agent-ping-timeouts: %d must be at least 1", *n)
	}
	if c.Port != nil && (*c.Port < 0 || *c.Port > 65535) {
		bad("port: %d is not a port", *c.Port)
	}
	if c.AgentPort != nil && (*c.AgentPort < 0 || *c.AgentPort > 65535) {
		bad("agent-port: %d is not a port", *c.AgentPort)
	}
	names := map[string]bool{}
	var ports [][2]uint64
	for i, a := range c.Agents {
		where := fmt.Sprintf("agents[%d]", i)
		switch {
		case !agentName.MatchString(a.Name):
			bad("%s.name: %q must be lowercase letters, digits and '-'", where, a.Name)
		case names[a.Name]:
			bad("%s.name: %q is used twice", where, a.Name)
		}
		names[a.Name] = true
		if a.CPUs <= 0 || a.MemMB <= 0 || a.DiskMB < 0 {
			bad("%s: cpus and mem must be positive, disk not negative", where)
		}
		for j, d := range a.MountDisksMB {
			if d <= 0 {
				bad("%s.mount-disks[%d]: size must be positive", where, j)
			}
		}
		if a.Ports != "" {
			r, err := parseRange(a.Ports)
			if err != nil {
				bad("%s.ports: %v", where, err)
				continue
			}
			for _, o := range ports {
				if r[0] <= o[1] && o[0] <= r[1] {
					bad("%s.ports: %s overlaps another agent's ports; agents share one host", where, a.Ports)
				}
			}
			ports = append(ports, r)
		}
	}
	return errors.Join(errs...)
}

func parseRange(s string) ([2]uint64, error) {
	lo, hi, ok := strings.Cut(s, "-")
	b, err1 := strconv.ParseUint(strings.TrimSpace(lo), 10, 16)
	e, err2 := strconv.ParseUint(strings.TrimSpace(hi), 10, 16)
	if !ok || err1 != nil || err2 != nil || b == 0 || b > e {
		return [2]uint64{}, fmt.Errorf("%q is not a port range like 31000-31999", s)
	}
	return [2]uint64{b, e}, nil
}
