package local_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// TestPodVolumeReachesOnlyTasksThatNameIt: a persistent volume held by the
// default executor (ExecutorInfo.resources, a pod-level volume) is, as on
// Mesos 1.11, visible to a task of the group only when the task's
// ContainerInfo names it with a SANDBOX_PATH volume of type PARENT.
func TestPodVolumeReachesOnlyTasksThatNameIt(t *testing.T) {
	named := &mesos.ContainerInfo{Type: mesos.ContainerInfo_MESOS.Enum(), Volumes: []mesos.Volume{{
		Mode: mesos.RW.Enum(), ContainerPath: "data", Source: &mesos.Volume_Source{
			Type:        mesos.Volume_Source_SANDBOX_PATH,
			SandboxPath: &mesos.Volume_Source_SandboxPath{Type: mesos.Volume_Source_SandboxPath_PARENT, Path: "data"},
		}}}}
	for _, tc := range []struct {
		name      string
		container *mesos.ContainerInfo
		visible   bool
	}{
		{"without a SANDBOX_PATH volume", nil, false},
		{"with a MESOS container without volumes", &mesos.ContainerInfo{Type: mesos.ContainerInfo_MESOS.Enum()}, false},
		{"with a SANDBOX_PATH volume of type PARENT", named, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := startCluster(t, 1)
			f := subscribed(t, c, protobufCodec)
			p := reservePod(t, f, "", "pod-vol")
			// The volume goes to the executor, not to the task.
			p.executor.Resources = append(p.executor.Resources, allocated([]mesos.Resource{p.volume}, role)...)
			p.task = commandTask("probe", p.offer, `if [ -e data ]; then echo "$MESOS_TASK_ID" > data/proof; fi`,
				allocated([]mesos.Resource{reserved(scalar("cpus", 0.4), role), reserved(scalar("mem", 128), role), reserved(scalar("disk", 32), role)}, role)...)
			p.task.Container = tc.container
			f.accept(p.offer, calls.OpLaunchGroup(p.executor, p.task))
			f.update("probe", mesos.TASK_STARTING)
			f.update("probe", mesos.TASK_RUNNING)
			f.update("probe", mesos.TASK_FINISHED)

			root := p.volume.GetDisk().GetSource().GetMount().GetRoot()
			b, err := os.ReadFile(filepath.Join(root, "proof"))
			switch {
			case tc.visible && (err != nil || string(b) != "probe\n"):
				t.Errorf("the task named the volume but did not reach it: %q, %v", b, err)
			case !tc.visible && !errors.Is(err, fs.ErrNotExist):
				t.Errorf("the task reached a volume it does not name: %q, %v", b, err)
			}
		})
	}
}
