package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/kennel-sdk/kennel/deploy/adminrouter"
	"github.com/kennel-sdk/kennel/deploy/cosmos"
	"github.com/kennel-sdk/kennel/deploy/cosmos/httpapi"
	"github.com/kennel-sdk/kennel/deploy/frontdoor"
	"github.com/kennel-sdk/kennel/deploy/marathon/client"
)

// frontDoorConfig is what the local cluster's front door needs: its own
// URL (Admin Router and Cosmos reach Marathon through it, as on DC/OS),
// the master's, the cluster's data dir and the package repository ("" for
// none: Cosmos is then not served).
type frontDoorConfig struct {
	self, master, dataDir, repo string
}

// frontDoor wraps the local Marathon's handler into DC/OS's one URL:
// Admin Router's /service/<name>/, Marathon at /marathon/ and /v2/, Cosmos
// at /cosmos/service/ and /package/, the master at /mesos/.
func frontDoor(cfg frontDoorConfig) (func(http.Handler) http.Handler, error) {
	master, err := url.Parse(cfg.master)
	if err != nil {
		return nil, fmt.Errorf("front door: master URL: %w", err)
	}
	var cosmosPart http.Handler
	if cfg.repo != "" {
		repo, err := cosmos.OpenRepository(cfg.repo)
		if err != nil {
			return nil, fmt.Errorf("front door: --repo: %w", err)
		}
		m, err := client.New(cfg.self, nil)
		if err != nil {
			return nil, fmt.Errorf("front door: %w", err)
		}
		bin, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("front door: the kennel binary to publish: %w", err)
		}
		cosmosPart = httpapi.Handler(&cosmos.Cosmos{
			Repo: repo, Marathon: m, Router: cosmos.TaskRouter{Tasks: m},
			Artifacts:      cosmos.LocalArtifacts{Dir: filepath.Join(cfg.dataDir, "artifacts"), Binary: bin},
			ClusterOptions: cosmos.LocalClusterOptions(cfg.master, cfg.dataDir),
			PollInterval:   time.Second,
		})
	}
	services := adminrouter.New(adminrouter.MarathonApps{BaseURL: cfg.self}, adminrouter.Options{})
	return func(marathon http.Handler) http.Handler {
		return frontdoor.Handler(frontdoor.Parts{Services: services, Marathon: marathon, Cosmos: cosmosPart, Mesos: master})
	}, nil
}
