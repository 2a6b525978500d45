// Package local runs a Mesos cluster in one process: a master speaking the
// v1 scheduler HTTP API and agents that run executors as real processes,
// keep reservations and persistent volumes on disk, and survive restarts.
// Faults an operator meets on a real cluster — an agent stopping, a
// network partition, a host lost for good, a task crashing, a master
// failover, a framework too slow to read its events — can be injected
// through Cluster's methods and the admin HTTP API (admin.go).
//
// What it does and does not model is in README.md beside this file.
package local

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/deploy/local/agent"
	"github.com/kennel-sdk/kennel/deploy/local/master"
)

// ErrUnknownAgent is returned for an agent name the cluster does not have.
var ErrUnknownAgent = errors.New("no such agent")

// Cluster is a running local cluster.
type Cluster struct {
	cfg    Config
	log    *slog.Logger
	master *master.Master
	server *http.Server
	addr   string
	cancel context.CancelFunc
	served sync.WaitGroup // the master's HTTP server

	mu     sync.Mutex
	agents []*node
}

// node is one agent and its link to the master.
type node struct {
	cfg   AgentConfig
	agent *agent.Agent
	link  *link
	up    bool
}

// Start starts a cluster: the master listens on cfg.Host:cfg.Port and every
// agent registers. The agents' data survives in cfg.DataDir: starting a
// cluster on the same data dir recovers their reservations, volumes and
// any executors still running.
func Start(ctx context.Context, cfg Config, logger *slog.Logger) (*Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.Default()
	}
	if cfg.DataDir == "" {
		return nil, fmt.Errorf("%w: data-dir is required", ErrInvalidConfig)
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	port := DefaultPort
	if cfg.Port != nil {
		port = *cfg.Port
	}
	scale := cfg.TimeScale
	if scale == 0 {
		scale = 1
	}
	if len(cfg.ExecutorCommand) == 0 {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("finding the executor binary: %w", err)
		}
		cfg.ExecutorCommand = []string{self, "executor"}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("master: %w", err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	ctx, cancel := context.WithCancel(ctx)
	c := &Cluster{cfg: cfg, log: logger, addr: addr.String(), cancel: cancel}
	c.master = master.New(master.Config{ID: newMasterID(), Hostname: cfg.Host, Port: addr.Port,
		Timing: masterTiming(cfg, scale), Logger: logger})
	c.master.Start(ctx)
	mux := http.NewServeMux()
	mux.Handle("/api/v1/scheduler", c.master.Handler())
	mux.Handle("/master/", c.master.Handler())
	c.adminRoutes(mux)
	c.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	c.served.Add(1)
	go func() {
		defer c.served.Done()
		if err := c.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("master HTTP server", "err", err)
		}
	}()
	if err := c.recordMasterURL(); err != nil {
		c.Stop()
		return nil, err
	}
	for i, ac := range c.allAgents() {
		n, err := c.newNode(i, ac, scale)
		if err == nil {
			err = n.agent.Start()
		}
		if err != nil {
			c.Stop()
			return nil, fmt.Errorf("agent %s: %w", ac.Name, err)
		}
		n.up = true
		c.agents = append(c.agents, n)
	}
	return c, nil
}

// masterTiming is Mesos's intervals scaled by scale, except the agent
// ping timeout and count where the config gives them: those are Mesos's
// own flags and mean what they say.
func masterTiming(cfg Config, scale float64) master.Timing {
	t := master.DefaultTiming.Scaled(scale)
	if cfg.AgentPingTimeout != nil {
		t.AgentPing = time.Duration(*cfg.AgentPingTimeout)
	}
	if cfg.MaxAgentPingTimeouts != nil {
		t.MaxPingTimeouts = *cfg.MaxAgentPingTimeouts
	}
	return t
}

// newMasterID is a fresh id for each master run, so framework, agent and
// offer ids never repeat across runs.
func newMasterID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x-%x", b[:4], b[4:])
}

// allAgents is the configured agents, then the simulated ones.
func (c *Cluster) allAgents() []AgentConfig {
	all := c.cfg.Agents
	if n := c.cfg.SimulatedAgents; n > 0 {
		for i, ac := range DefaultConfig("", n).Agents {
			ac.Name, ac.Attributes, ac.simulated = fmt.Sprintf("sim-%d", i+1), map[string]string{"rack": fmt.Sprintf("sim-rack-%d", i+1)}, true
			// Nothing binds a simulated agent's ports: they may repeat.
			ac.Ports = fmt.Sprintf("%d-%d", firstAgentPort, firstAgentPort+agentPortsWidth-1)
			all = append(all, ac)
		}
	}
	return all
}

func (c *Cluster) newNode(i int, ac AgentConfig, scale float64) (*node, error) {
	dir := filepath.Join(c.cfg.DataDir, "agents", ac.Name)
	res, err := agentResources(ac, dir)
	if err != nil {
		return nil, err
	}
	if ac.simulated {
		// A simulated agent binds nothing: its address is only a name.
		k := i - len(c.cfg.Agents) + 1
		l := &link{master: c.master}
		a := agent.New(agent.Config{
			Name: ac.Name, Hostname: fmt.Sprintf("127.2.%d.%d", k/250, k%250+1), Port: DefaultAgentPort, Dir: dir, Resources: res,
			Attributes: attributes(ac.Attributes), Domain: domain(ac), Timing: agent.DefaultTiming.Scaled(scale), Logger: c.log,
			Simulation: c.cfg.Simulation.agentSimulation(),
		}, l)
		l.agent = a
		return &node{cfg: ac, agent: a, link: l}, nil
	}
	hostPort := DefaultAgentPort
	if c.cfg.AgentPort != nil {
		hostPort = *c.cfg.AgentPort
	}
	if hostPort == 0 {
		if hostPort, err = freePort(agentHost(i)); err != nil {
			return nil, err
		}
	}
	timing := agent.DefaultTiming.Scaled(scale)
	// Executors are real processes: however fast the clock runs, they get
	// two seconds to subscribe and one to re-subscribe after an agent
	// restart.
	timing.ExecutorRegistration = max(timing.ExecutorRegistration, 2*time.Second)
	timing.ExecutorReregistration = max(timing.ExecutorReregistration, time.Second)
	l := &link{master: c.master}
	a := agent.New(agent.Config{
		Name: ac.Name, Hostname: agentHost(i), Port: hostPort, Dir: dir, Resources: res,
		Attributes: attributes(ac.Attributes), Domain: domain(ac), ExecutorCommand: c.cfg.ExecutorCommand,
		Timing: timing, Logger: c.log,
	}, l)
	l.agent = a
	return &node{cfg: ac, agent: a, link: l}, nil
}

// agentHost is agent i's own loopback address.
func agentHost(i int) string { return fmt.Sprintf("127.0.1.%d", i+1) }

// freePort finds a port for an agent's executor API. The agent keeps it
// for the cluster's life, so an agent restarted in the same process is
// found at the same place.
func freePort(host string) (int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("agent address %s: %w", host, err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// agentResources declares an agent's resources: cpus, mem, a ROOT disk,
// ports and MOUNT disks under dir/disks.
func agentResources(ac AgentConfig, dir string) (mesos.Resources, error) {
	scalar := func(name string, v float64) mesos.Resource {
		return mesos.Resource{Name: name, Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: v}}
	}
	res := mesos.Resources{scalar("cpus", ac.CPUs), scalar("mem", ac.MemMB)}
	if ac.DiskMB > 0 {
		res = append(res, scalar("disk", ac.DiskMB))
	}
	if ac.Ports != "" {
		r, err := parseRange(ac.Ports)
		if err != nil {
			return nil, err
		}
		res = append(res, mesos.Resource{Name: "ports", Type: mesos.RANGES.Enum(),
			Ranges: &mesos.Value_Ranges{Range: []mesos.Value_Range{{Begin: r[0], End: r[1]}}}})
	}
	for k, size := range ac.MountDisksMB {
		d := scalar("disk", size)
		root := filepath.Join(dir, "disks", fmt.Sprintf("mount-%d", k+1))
		d.Disk = &mesos.Resource_DiskInfo{Source: &mesos.Resource_DiskInfo_Source{
			Type: mesos.Resource_DiskInfo_Source_MOUNT, Mount: &mesos.Resource_DiskInfo_Source_Mount{Root: &root}}}
		res = append(res, d)
	}
	return res, nil
}

func attributes(m map[string]string) []mesos.Attribute {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]mesos.Attribute, 0, len(keys))
	for _, k := range keys {
		out = append(out, mesos.Attribute{Name: k, Type: mesos.TEXT, Text: &mesos.Value_Text{Value: m[k]}})
	}
	return out
}

func domain(ac AgentConfig) *mesos.DomainInfo {
	if ac.Region == "" && ac.Zone == "" {
		return nil
	}
	return &mesos.DomainInfo{FaultDomain: &mesos.DomainInfo_FaultDomain{
		Region: mesos.DomainInfo_FaultDomain_RegionInfo{Name: ac.Region},
		Zone:   mesos.DomainInfo_FaultDomain_ZoneInfo{Name: ac.Zone},
	}}
}

// URL is the master's base URL, e.g. http://127.0.0.1:5050.
func (c *Cluster) URL() string { return "http://" + c.addr }

// Master is the cluster's master.
func (c *Cluster) Master() *master.Master { return c.master }

// Stop stops the master and the agents. Executors and their tasks keep
// running, as they would if the Mesos daemons stopped; the next Start on
// the same data dir recovers them. When Stop returns every goroutine of
// the cluster has ended and the agents write nothing more to the data
// dir; only the executors and tasks left running do. Use Shutdown to end
// them too.
func (c *Cluster) Stop() { c.end((*agent.Agent).Stop) }

// Shutdown stops the cluster and kills every executor and task; agents
// keep their ids, reservations and volumes. When it returns nothing
// writes to the data dir any more: every goroutine of the cluster has
// ended, every executor and task process is gone (executors this process
// started are reaped) and every file the cluster opened is closed.
func (c *Cluster) Shutdown() { c.end((*agent.Agent).Shutdown) }

// end stops every agent the given way, then the master and its server,
// and waits for the server's handlers.
func (c *Cluster) end(stop func(*agent.Agent)) {
	c.mu.Lock()
	agents := c.agents
	c.mu.Unlock()
	for _, n := range agents {
		stop(n.agent)
	}
	c.master.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.server.Shutdown(ctx); err != nil {
		_ = c.server.Close()
	}
	c.served.Wait()
	c.forgetMasterURL()
	c.cancel()
}

func (c *Cluster) node(name string) (*node, error) {
	for _, n := range c.agents {
		if n.cfg.Name == name {
			return n, nil
		}
	}
	names := make([]string, len(c.agents))
	for i, n := range c.agents {
		names[i] = n.cfg.Name
	}
	return nil, fmt.Errorf("%w: %q; the agents are: %s", ErrUnknownAgent, name, strings.Join(names, ", "))
}
