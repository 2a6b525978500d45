package local

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// MasterURLFile is where a running cluster records its master's URL, so
// that commands given only the data dir find it: <data-dir>/master-url.
// The file exists from Start until the cluster stops.
func MasterURLFile(dataDir string) string { return filepath.Join(dataDir, "master-url") }

// ErrNoCluster: no cluster runs on the data dir (it has no master-url).
var ErrNoCluster = errors.New("no local cluster runs on this data dir")

// ReadMasterURL returns the master URL the cluster running on dataDir
// recorded; an error wrapping ErrNoCluster when none runs there.
func ReadMasterURL(dataDir string) (string, error) {
	file := MasterURLFile(dataDir)
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%w: %s (%s does not exist: is \"kennel local up --data-dir %s\" running?)", ErrNoCluster, dataDir, file, dataDir)
	}
	if err != nil {
		return "", fmt.Errorf("reading the local cluster's master URL: %w", err)
	}
	url := strings.TrimSpace(string(b))
	if url == "" {
		return "", fmt.Errorf("%w: %s is empty", ErrNoCluster, file)
	}
	return url, nil
}

func (c *Cluster) recordMasterURL() error {
	if err := os.MkdirAll(c.cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("recording the master URL: %w", err)
	}
	if err := os.WriteFile(MasterURLFile(c.cfg.DataDir), []byte(c.URL()+"\n"), 0o644); err != nil {
		return fmt.Errorf("recording the master URL: %w", err)
	}
	return nil
}

// forgetMasterURL removes the record, unless another cluster took the
// data dir over since.
func (c *Cluster) forgetMasterURL() {
	file := MasterURLFile(c.cfg.DataDir)
	if b, err := os.ReadFile(file); err == nil && bytes.Equal(bytes.TrimSpace(b), []byte(c.URL())) {
		_ = os.Remove(file)
	}
}
