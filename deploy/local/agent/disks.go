package agent

import (
	"os"
	"path/filepath"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// prepareDisks creates the directories that back MOUNT disks.
func (a *Agent) prepareDisks() error {
	for _, r := range a.total {
		if root := r.GetDisk().GetSource().GetMount().GetRoot(); root != "" {
			if err := os.MkdirAll(root, 0o755); err != nil {
				return err
			}
		}
	}
	return os.MkdirAll(filepath.Join(a.cfg.Dir, "volumes"), 0o755)
}

// volumePath is where a persistent volume's data lives on the agent: a
// MOUNT disk's root itself, else <dir>/volumes/roles/<role>/<persistence
// id> (a role's "/" become " ", as in Mesos).
func (a *Agent) volumePath(r mesos.Resource) string {
	if root := r.GetDisk().GetSource().GetMount().GetRoot(); root != "" {
		return root
	}
	role := "*"
	if n := len(r.Reservations); n > 0 {
		role = r.Reservations[n-1].GetRole()
	}
	return filepath.Join(a.cfg.Dir, "volumes", "roles", strings.ReplaceAll(role, "/", " "), r.GetDisk().GetPersistence().GetID())
}

// DestroyVolume deletes a volume's data: a ROOT volume's directory, or the
// contents of a MOUNT disk (its root stays, as in Mesos).
func (a *Agent) DestroyVolume(vol mesos.Resource) error {
	a.mu.Lock()
	running := a.running
	a.mu.Unlock()
	if !running {
		return errStopped
	}
	path := a.volumePath(vol)
	if vol.GetDisk().GetSource().GetMount().GetRoot() == "" {
		return os.RemoveAll(path)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(path, e.Name())); err != nil {
			return err
		}
	}
	return nil
}
