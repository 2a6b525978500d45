package local

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	cfg, err := LoadConfig("testdata/cluster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Agents) != 2 || cfg.Agents[1].MountDisksMB[1] != 51200 || cfg.Agents[0].Attributes["rack"] != "r1" || *cfg.Port != 5050 || cfg.TimeScale != 0.5 ||
		time.Duration(*cfg.AgentPingTimeout) != 5*time.Second || *cfg.MaxAgentPingTimeouts != 3 {
		t.Fatalf("%+v", cfg)
	}
	res, err := agentResources(cfg.Agents[1], "/d")
	if err != nil {
		t.Fatal(err)
	}
	var mounts []string
	for _, r := range res {
		if root := r.GetDisk().GetSource().GetMount().GetRoot(); root != "" {
			mounts = append(mounts, root)
		}
	}
	if strings.Join(mounts, ",") != "/d/disks/mount-1,/d/disks/mount-2" {
		t.Errorf("MOUNT roots %v", mounts)
	}
}

func TestConfigErrors(t *testing.T) {
	ok := func() Config { return DefaultConfig("/tmp/x", 2) }
	neg := -1
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"no agents", func(c *Config) { c.Agents = nil }, "at least one agent"},
		{"bad name", func(c *Config) { c.Agents[0].Name = "Agent_1" }, "agents[0].name"},
		{"duplicate name", func(c *Config) { c.Agents[1].Name = c.Agents[0].Name }, "used twice"},
		{"no cpus", func(c *Config) { c.Agents[1].CPUs = 0 }, "agents[1]: cpus and mem must be positive"},
		{"bad ports", func(c *Config) { c.Agents[0].Ports = "9-1" }, "agents[0].ports"},
		{"overlapping ports", func(c *Config) { c.Agents[1].Ports = "31500-32500" }, "overlaps"},
		{"bad mount", func(c *Config) { c.Agents[0].MountDisksMB = []float64{0} }, "mount-disks[0]"},
		{"negative scale", func(c *Config) { c.TimeScale = -1 }, "time-scale"},
		{"bad port", func(c *Config) { c.Port = &neg }, "port: -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok()
			tc.mutate(&c)
			err := c.Validate()
			if err == nil || !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an ErrInvalidConfig naming %q", err, tc.want)
			}
		})
	}
	if err := ok().Validate(); err != nil {
		t.Fatalf("the default config is invalid: %v", err)
	}
}

func TestLoadConfigRejectsUnknownKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("agents:\n  - name: a\n    cpu: 4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfig(path)
	if err == nil || !strings.Contains(err.Error(), "cpu") || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("got %v, want an error naming the unknown key and its line", err)
	}
}

func FuzzParseConfig(f *testing.F) {
	seed, err := os.ReadFile("testdata/cluster.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("agents: [{name: a, cpus: 1, mem: 1, ports: 1-2}]"))
	f.Add([]byte("port: 99999\nagents: []"))
	f.Add([]byte("agent-ping-timeout: 1.5secs\nmax-agent-ping-timeouts: 2\nagents: [{name: a, cpus: 1, mem: 1}]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := parseConfig(b)
		if err != nil {
			return
		}
		// A valid config pings agents within Mesos's bounds.
		if p := masterTiming(cfg, 1); p.AgentPing < time.Second || p.AgentPing > 15*time.Minute || p.MaxPingTimeouts < 1 {
			t.Fatalf("valid config pings every %v, %d times", p.AgentPing, p.MaxPingTimeouts)
		}
		// A valid config declares resources for every agent.
		for _, a := range cfg.Agents {
			if _, err := agentResources(a, "/d"); err != nil {
				t.Fatalf("valid agent %+v: %v", a, err)
			}
		}
	})
}

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"15secs", 15 * time.Second, true},
		{"1.5mins", 90 * time.Second, true},
		{"500ms", 500 * time.Millisecond, true},
		{"10us", 10 * time.Microsecond, true},
		{"100ns", 100, true},
		{"2hrs", 2 * time.Hour, true},
		{"1days", 24 * time.Hour, true},
		{"2weeks", 14 * 24 * time.Hour, true},
		{" 3secs ", 3 * time.Second, true},
		{"", 0, false},
		{"15", 0, false},
		{"secs", 0, false},
		{"15s", 0, false},
		{"1m", 0, false},
		{"1e3secs", 0, false},
		{"-1secs", 0, false},
		{"NaNsecs", 0, false},
		{"infsecs", 0, false},
		{"99999999weeks", 0, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDuration(tc.in)
			switch {
			case tc.ok && (err != nil || time.Duration(got) != tc.want):
				t.Fatalf("ParseDuration(%q) = %v, %v; want %v", tc.in, time.Duration(got), err, tc.want)
			case !tc.ok && (err == nil || !strings.Contains(err.Error(), "e.g. 15secs")):
				t.Fatalf("ParseDuration(%q) = %v, %v; want an error showing the syntax", tc.in, time.Duration(got), err)
			}
		})
	}
	for _, d := range []time.Duration{15 * time.Second, 1500 * time.Millisecond, 7, 3 * 7 * 24 * time.Hour} {
		if back, err := ParseDuration(Duration(d).String()); err != nil || time.Duration(back) != d {
			t.Errorf("%v written as %q reads back as %v, %v", d, Duration(d), time.Duration(back), err)
		}
	}
}

// TestConfigAgentPings covers Mesos's --agent_ping_timeout and
// --max_agent_ping_timeouts in a config file, with Mesos's bounds.
func TestConfigAgentPings(t *testing.T) {
	const agents = "agents: [{name: a, cpus: 1, mem: 1}]\n"
	for _, tc := range []struct {
		name    string
		yaml    string
		timeout time.Duration // want, when valid
		misses  int
		err     string // want in the error, when invalid
	}{
		{"given", "agent-ping-timeout: 2secs\nmax-agent-ping-timeouts: 3\n", 2 * time.Second, 3, ""},
		{"bounds", "agent-ping-timeout: 15mins\nmax-agent-ping-timeouts: 1\n", 15 * time.Minute, 1, ""},
		{"go syntax", "agent-ping-timeout: 15s\n", 0, 0, `line 1: "15s" is not a Mesos duration`},
		{"no unit", "agent-ping-timeout: 15\n", 0, 0, "not a Mesos duration"},
		{"negative", "agent-ping-timeout: -1secs\n", 0, 0, "not a Mesos duration"},
		{"not a scalar", "agent-ping-timeout: [1secs]\n", 0, 0, "want a duration like 15secs"},
		{"too short", "agent-ping-timeout: 500ms\n", 0, 0, "agent-ping-timeout: 500ms must be between 1secs and 15mins"},
		{"too long", "agent-ping-timeout: 16mins\n", 0, 0, "must be between 1secs and 15mins"},
		{"no misses", "max-agent-ping-timeouts: 0\n", 0, 0, "max-agent-ping-timeouts: 0 must be at least 1"},
		{"negative misses", "max-agent-ping-timeouts: -2\n", 0, 0, "at least 1"},
		{"not a number", "max-agent-ping-timeouts: many\n", 0, 0, "many"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseConfig([]byte(tc.yaml + agents))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want an error with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if time.Duration(*cfg.AgentPingTimeout) != tc.timeout || *cfg.MaxAgentPingTimeouts != tc.misses {
				t.Fatalf("ping timeout %v × %d, want %v × %d", time.Duration(*cfg.AgentPingTimeout), *cfg.MaxAgentPingTimeouts, tc.timeout, tc.misses)
			}
		})
	}
}

// TestMasterTiming: the ping flags are taken as given; only what is not
// given follows the time scale, and the heartbeat never follows the pings.
func TestMasterTiming(t *testing.T) {
	two, three := Duration(2*time.Second), 3
	for _, tc := range []struct {
		name            string
		scale           float64
		timeout         *Duration
		misses          *int
		ping, heartbeat time.Duration
		wantMisses      int
	}{
		{"defaults", 1, nil, nil, 15 * time.Second, 15 * time.Second, 5},
		{"scaled", 0.1, nil, nil, 1500 * time.Millisecond, 1500 * time.Millisecond, 5},
		{"given", 1, &two, &three, 2 * time.Second, 15 * time.Second, 3},
		{"given and scaled", 0.1, &two, nil, 2 * time.Second, 1500 * time.Millisecond, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := masterTiming(Config{AgentPingTimeout: tc.timeout, MaxAgentPingTimeouts: tc.misses}, tc.scale)
			if got.AgentPing != tc.ping || got.MaxPingTimeouts != tc.wantMisses || got.Heartbeat != tc.heartbeat {
				t.Fatalf("ping %v × %d, heartbeat %v; want %v × %d, %v", got.AgentPing, got.MaxPingTimeouts, got.Heartbeat, tc.ping, tc.wantMisses, tc.heartbeat)
			}
		})
	}
}
