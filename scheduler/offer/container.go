package offer

import (
	"maps"
	"slices"
	"strings"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/servicespec"
)

// container is the ContainerInfo of every task of a pod, as DC/OS Commons
// builds it for the default executor: type MESOS; for each pod-level
// volume (held in ExecutorInfo.resources, so mounted into the executor's
// sandbox only) a SANDBOX_PATH volume of type PARENT that hands the
// executor's <path> to the task at the same relative <path>, read-write;
// and the pod's rlimits. Mesos's default executor gives a task no other
// way to reach the pod's volumes (reference mesos-api.md, "Volumes of a
// task group").
func container(pod *servicespec.PodSpec) *mesos.ContainerInfo {
	c := &mesos.ContainerInfo{Type: mesos.ContainerInfo_MESOS.Enum()}
	for _, name := range slices.Sorted(maps.Keys(pod.Volumes)) {
		c.Volumes = append(c.Volumes, parentVolume(pod.Volumes[name].Path))
	}
	if len(pod.RLimits) > 0 {
		c.RlimitInfo = rlimitInfo(pod.RLimits)
	}
	return c
}

// parentVolume shares the executor sandbox's <path> with a task at <path>.
func parentVolume(path string) mesos.Volume {
	return mesos.Volume{
		Mode:          mesos.RW.Enum(),
		ContainerPath: path,
		Source: &mesos.Volume_Source{
			Type: mesos.Volume_Source_SANDBOX_PATH,
			SandboxPath: &mesos.Volume_Source_SandboxPath{
				Type: mesos.Volume_Source_SandboxPath_PARENT,
				Path: path,
			},
		},
	}
}

// rlimitInfo turns the spec's RLIMIT_<X> limits into Mesos's RLMT_<X>
// ones, in name order; a limit without soft and hard is unlimited. The
// spec's names were validated against the same list.
func rlimitInfo(limits map[string]servicespec.RLimitSpec) *mesos.RLimitInfo {
	info := &mesos.RLimitInfo{}
	for _, name := range slices.Sorted(maps.Keys(limits)) {
		l := limits[name]
		r := mesos.RLimitInfo_RLimit{Type: RLimitType(name)}
		if l.Soft != nil && l.Hard != nil {
			r.Soft, r.Hard = proto.Uint64(uint64(*l.Soft)), proto.Uint64(uint64(*l.Hard))
		}
		info.Rlimits = append(info.Rlimits, r)
	}
	return info
}

// RLimitType is the Mesos type of a spec rlimit name (RLIMIT_NOFILE →
// RLMT_NOFILE); UNKNOWN for a name Mesos has no type for.
func RLimitType(name string) mesos.RLimitInfo_RLimit_Type {
	rest, ok := strings.CutPrefix(name, "RLIMIT_")
	v, known := mesos.RLimitInfo_RLimit_Type_value["RLMT_"+rest]
	if !ok || !known {
		return mesos.RLimitInfo_RLimit_UNKNOWN
	}
	return mesos.RLimitInfo_RLimit_Type(v)
}
