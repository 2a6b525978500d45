package local

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadConfig(t *testing.T) {
	cfg, err := LoadConfig("testdata/cluster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Agents) != 2 || cfg.Agents[1].MountDisksMB[1] != 51200 || cfg.Agents[0].Attributes["rack"] != "r1" || *cfg.Port != 5050 || cfg.TimeScale != 0.5 {
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
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := parseConfig(b)
		if err != nil {
			return
		}
		// A valid config declares resources for every agent.
		for _, a := range cfg.Agents {
			if _, err := agentResources(a, "/d"); err != nil {
				t.Fatalf("valid agent %+v: %v", a, err)
			}
		}
	})
}
