package executor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// makeTaskSandbox creates <executorSandbox>/tasks/<taskID> and, inside it, a
// symlink <container_path> → <executorSandbox>/<container_path> for every
// persistent volume among resources, so that the task finds each volume at
// its relative container path. The agent has created the executor sandbox's
// own volume links. It returns the task sandbox's path.
func makeTaskSandbox(executorSandbox, taskID string, resources []mesos.Resource) (string, error) {
	if taskID == "" || strings.ContainsAny(taskID, `/\`) || !filepath.IsLocal(taskID) {
		return "", fmt.Errorf("task ID %q cannot name a sandbox directory", taskID)
	}
	dir := filepath.Join(executorSandbox, "tasks", taskID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating the task sandbox: %w", err)
	}
	for _, r := range resources {
		cp, ok := volumePath(r)
		if !ok {
			continue
		}
		if err := linkVolume(dir, executorSandbox, cp); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// volumePath returns the container path of a persistent volume resource.
func volumePath(r mesos.Resource) (string, bool) {
	d := r.GetDisk()
	if d == nil || d.Persistence == nil || d.Volume == nil || d.Volume.ContainerPath == "" {
		return "", false
	}
	return d.Volume.ContainerPath, true
}

// linkVolume links <taskSandbox>/<containerPath> to the same path in the
// executor sandbox. An existing link to the same target is kept.
func linkVolume(taskSandbox, executorSandbox, containerPath string) error {
	if !filepath.IsLocal(containerPath) {
		return fmt.Errorf("persistent volume container path %q must be relative and inside the sandbox", containerPath)
	}
	link := filepath.Join(taskSandbox, containerPath)
	target := filepath.Join(executorSandbox, containerPath)
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		return fmt.Errorf("persistent volume %q: %w", containerPath, err)
	}
	err := os.Symlink(target, link)
	if errors.Is(err, fs.ErrExist) {
		if got, rerr := os.Readlink(link); rerr == nil && got == target {
			return nil
		}
		return fmt.Errorf("persistent volume %q: %s already exists and is not a link to %s", containerPath, link, target)
	}
	if err != nil {
		return fmt.Errorf("persistent volume %q: %w", containerPath, err)
	}
	return nil
}
