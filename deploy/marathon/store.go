package marathon

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/kennel-sdk/kennel/deploy/marathon/app"
)

// record is everything Marathon keeps across restarts: the framework id,
// the apps with their versions, the tasks it launched and the deployments
// under way. It is written whole, atomically, before Marathon acts on a
// change (before an ACCEPT launches a task, before a deployment starts).
type record struct {
	FrameworkID string                 `json:"frameworkId,omitempty"`
	Apps        map[string]*appRecord  `json:"apps"`
	Tasks       map[string]*taskRecord `json:"tasks"`
	Deployments map[string]*deployment `json:"deployments"`
}

// appRecord is an app: its current definition and version, the version of
// its last configuration change (tasks of an older one are replaced) and
// every version it had.
type appRecord struct {
	App           app.App `json:"app"`
	Version       string  `json:"version"`
	ConfigVersion string  `json:"configVersion"`
	ScalingAt     string  `json:"scalingAt"`
	Deleting      bool    `json:"deleting,omitempty"`
	// LastTaskFailure is the last task that ended on its own, as
	// Marathon's lastTaskFailure.
	LastTaskFailure map[string]any     `json:"lastTaskFailure,omitempty"`
	Versions        map[string]app.App `json:"versions"`
}

// taskRecord is a task Marathon launched and has not seen end.
type taskRecord struct {
	ID      string `json:"id"`
	AppID   string `json:"appId"`
	AgentID string `json:"agentId"`
	Host    string `json:"host"`
	Ports   []int  `json:"ports"`
	Version string `json:"version"` // the app's ConfigVersion it runs
	State   string `json:"state"`
	Healthy *bool  `json:"healthy,omitempty"`
	// CheckResult is the latest check status, as Marathon's checkResult.
	CheckResult map[string]any `json:"checkResult,omitempty"`
	StagedAt    time.Time      `json:"stagedAt"`
	StartedAt   time.Time      `json:"startedAt,omitzero"`
	Killing     bool           `json:"killing,omitempty"`
	KillSent    time.Time      `json:"killSent,omitzero"`
}

// deployment is a change under way for one app; it ends when the app has
// converged on it.
type deployment struct {
	ID      string    `json:"id"`
	AppID   string    `json:"appId"`
	Version string    `json:"version"`
	Action  string    `json:"action"`
	Created time.Time `json:"created"`
}

// store persists the record as dir/state.json.
type store struct{ dir string }

func (s store) path() string { return filepath.Join(s.dir, "state.json") }

// load reads the record; a missing file is an empty record.
func (s store) load() (*record, error) {
	r := &record{}
	b, err := os.ReadFile(s.path())
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("reading Marathon's state: %w", err)
	default:
		if err := json.Unmarshal(b, r); err != nil {
			return nil, fmt.Errorf("reading Marathon's state %s: %w", s.path(), err)
		}
	}
	if r.Apps == nil {
		r.Apps = map[string]*appRecord{}
	}
	if r.Tasks == nil {
		r.Tasks = map[string]*taskRecord{}
	}
	if r.Deployments == nil {
		r.Deployments = map[string]*deployment{}
	}
	return r, nil
}

// save writes the record atomically: a synced temporary file renamed over
// the old one, then the directory synced.
func (s store) save(r *record) error {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("saving Marathon's state: %w", err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("saving Marathon's state: %w", err)
	}
	tmp, err := os.CreateTemp(s.dir, "state-*.json")
	if err != nil {
		return fmt.Errorf("saving Marathon's state: %w", err)
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.path())
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("saving Marathon's state: %w", err)
	}
	if d, err := os.Open(s.dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
