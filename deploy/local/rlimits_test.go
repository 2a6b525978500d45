package local_test

import (
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// TestRLimitsHoldInsideTheTask: the limits of a task's
// ContainerInfo.rlimit_info are those its command sees, as with Mesos's
// posix/rlimits isolator.
func TestRLimitsHoldInsideTheTask(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	f := subscribed(t, c, protobufCodec)
	p := reservePod(t, f, "", "rlimit-vol")
	p.task = commandTask("limited", p.offer, `test "$(ulimit -n)" = 321 && test "$(ulimit -Hn)" = 654 || { echo "ulimit -n: $(ulimit -n)/$(ulimit -Hn)"; exit 3; }`,
		allocated([]mesos.Resource{reserved(scalar("cpus", 0.4), role), reserved(scalar("mem", 128), role), reserved(scalar("disk", 32), role)}, role)...)
	soft, hard := uint64(321), uint64(654)
	p.task.Container = &mesos.ContainerInfo{Type: mesos.ContainerInfo_MESOS.Enum(), RlimitInfo: &mesos.RLimitInfo{
		Rlimits: []mesos.RLimitInfo_RLimit{{Type: mesos.RLimitInfo_RLimit_RLMT_NOFILE, Soft: &soft, Hard: &hard}}}}
	f.accept(p.offer, calls.OpLaunchGroup(p.executor, p.task))
	f.update("limited", mesos.TASK_STARTING)
	f.update("limited", mesos.TASK_RUNNING)
	if st := f.update("limited", mesos.TASK_FINISHED, mesos.TASK_FAILED); st.GetState() != mesos.TASK_FINISHED {
		t.Fatalf("the task saw other limits: %s %q", st.GetState(), st.GetMessage())
	}
}
