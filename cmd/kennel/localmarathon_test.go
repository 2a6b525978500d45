package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/deploy/local"
)

// TestLocalUpStartsMarathon: the local Marathon starts on the cluster
// unless disabled, and refuses a schema file it cannot read.
func TestLocalUpStartsMarathon(t *testing.T) {
	cfg := local.DefaultConfig(t.TempDir(), 1)
	zero := 0
	cfg.Port, cfg.AgentPort, cfg.ExecutorCommand = &zero, &zero, []string{"/bin/false"}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := local.Start(context.Background(), cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Shutdown)
	for _, f := range []marathonFlags{{port: 0, disabled: true}, {port: -1}} {
		if m, err := startMarathon(t.Context(), c, cfg, f, logger); m != nil || err != nil {
			t.Errorf("%+v: got %v, %v; want no Marathon", f, m, err)
		}
	}
	if _, err := startMarathon(t.Context(), c, cfg, marathonFlags{schema: filepath.Join(t.TempDir(), "missing.json")}, logger); err == nil ||
		!strings.Contains(err.Error(), "missing.json") {
		t.Errorf("a missing schema: %v", err)
	}
	m, err := startMarathon(t.Context(), c, cfg, marathonFlags{port: 0}, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Shutdown)
	resp, err := http.Get(m.URL() + "/v2/info")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info struct {
		Name   string `json:"name"`
		Config struct {
			Master string `json:"master"`
		} `json:"marathon_config"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil || info.Name != "marathon" || info.Config.Master != c.URL() {
		t.Errorf("GET /v2/info: %+v, %v", info, err)
	}
}
