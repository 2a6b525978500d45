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

// makeTaskSandbox creates <executorSandbox>/tasks/<taskID> and gives the
// task the volumes of its own (taskVolumes): for each, a symlink
// <task sandbox>/<container_path> → <executorSandbox>/<sandbox_path.path>,
// the way Mesos's volume/sandbox_path isolator does without bind mounts. A
// volume the task does not name stays out of its sandbox, even when the
// executor holds it. It returns the task sandbox's path.
func makeTaskSandbox(executorSandbox string, info *mesos.TaskInfo) (string, error) {
	taskID := info.TaskID.Value
	if taskID == "" || strings.ContainsAny(taskID, `/\`) || !filepath.IsLocal(taskID) {
		return "", fmt.Errorf("task ID %q cannot name a sandbox directory", taskID)
	}
	volumes, err := taskVolumes(info)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(executorSandbox, "tasks", taskID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating the task sandbox: %w", err)
	}
	for _, v := range volumes {
		if err := linkVolume(dir, executorSandbox, v); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// taskVolumes are the SANDBOX_PATH volumes a task's container gets, as
// Mesos's default executor and its volume/sandbox_path isolator compute
// them: the volumes of the task's ContainerInfo, then, for each resource of
// the task with a disk volume (a persistent volume it carries), a PARENT
// volume of the same container path and mode. It refuses what the local
// cluster's agent (posix isolation, symlinks, no bind mounts) cannot do as
// Mesos would: a non-MESOS container, an absolute container or sandbox
// path, a SELF volume (it needs an absolute container path), a path that
// leaves the sandbox, a volume of another source, and a read-only volume
// (a symlink cannot enforce it; Mesos with filesystem/linux does).
func taskVolumes(info *mesos.TaskInfo) ([]mesos.Volume, error) {
	var out []mesos.Volume
	if c := info.Container; c != nil {
		if c.GetType() != mesos.ContainerInfo_MESOS {
			return nil, fmt.Errorf("container type %s: only MESOS containers are supported", c.GetType())
		}
		out = append(out, c.Volumes...)
	}
	for _, r := range info.Resources {
		v := r.GetDisk().GetVolume()
		if v == nil {
			continue
		}
		out = append(out, mesos.Volume{Mode: v.Mode, ContainerPath: v.ContainerPath, Source: &mesos.Volume_Source{
			Type:        mesos.Volume_Source_SANDBOX_PATH,
			SandboxPath: &mesos.Volume_Source_SandboxPath{Type: mesos.Volume_Source_SandboxPath_PARENT, Path: v.ContainerPath},
		}})
	}
	for _, v := range out {
		if err := checkVolume(v); err != nil {
			return nil, fmt.Errorf("volume %q: %w", v.ContainerPath, err)
		}
	}
	return out, nil
}

// errUnsupportedVolume is wrapped by the refusal of a volume the local
// cluster cannot give a task the way Mesos would.
var errUnsupportedVolume = errors.New("not supported by the local cluster")

func checkVolume(v mesos.Volume) error {
	sp := v.GetSource().GetSandboxPath()
	switch {
	case v.ContainerPath == "":
		return errors.New("no container path")
	case v.GetSource().GetType() != mesos.Volume_Source_SANDBOX_PATH || sp == nil:
		return fmt.Errorf("a %s volume is %w (only SANDBOX_PATH volumes are)", volumeKind(v), errUnsupportedVolume)
	case filepath.IsAbs(sp.Path):
		return fmt.Errorf("path %q in SANDBOX_PATH volume is absolute", sp.Path)
	case filepath.IsAbs(v.ContainerPath):
		return fmt.Errorf("an absolute container path needs the 'linux' launcher and 'filesystem/linux' isolator: %w", errUnsupportedVolume)
	case sp.GetType() != mesos.Volume_Source_SandboxPath_PARENT:
		return fmt.Errorf("SANDBOX_PATH volume of type %s with a relative container path: only PARENT volumes can have one", sp.GetType())
	case !filepath.IsLocal(sp.Path) || !filepath.IsLocal(v.ContainerPath):
		return errors.New("the container path and the sandbox path must stay inside their sandboxes")
	case v.GetMode() == mesos.RO:
		return fmt.Errorf("a read-only volume is %w: a symlink cannot enforce it", errUnsupportedVolume)
	}
	return nil
}

func volumeKind(v mesos.Volume) string {
	switch {
	case v.Source != nil:
		return v.Source.GetType().String()
	case v.HostPath != nil:
		return "host_path"
	case v.Image != nil:
		return "image"
	}
	return "source-less"
}

// linkVolume links <taskSandbox>/<container_path> to <executorSandbox>/
// <sandbox_path.path>, creating the latter if missing (as Mesos does). An
// existing link to the same target is kept.
func linkVolume(taskSandbox, executorSandbox string, v mesos.Volume) error {
	link := filepath.Join(taskSandbox, v.ContainerPath)
	target := filepath.Join(executorSandbox, v.GetSource().GetSandboxPath().Path)
	if err := os.MkdirAll(target, 0o755); err != nil {
		return fmt.Errorf("volume %q: creating %s in the executor sandbox: %w", v.ContainerPath, target, err)
	}
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		return fmt.Errorf("volume %q: %w", v.ContainerPath, err)
	}
	err := os.Symlink(target, link)
	if errors.Is(err, fs.ErrExist) {
		if got, rerr := os.Readlink(link); rerr == nil && got == target {
			return nil
		}
		return fmt.Errorf("volume %q: %s already exists and is not a link to %s", v.ContainerPath, link, target)
	}
	if err != nil {
		return fmt.Errorf("volume %q: %w", v.ContainerPath, err)
	}
	return nil
}
