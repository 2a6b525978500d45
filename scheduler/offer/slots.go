package offer

import (
	"maps"
	"slices"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/servicespec"
)

type slotKind int

const (
	slotScalar slotKind = iota
	slotPort
	slotRootVolume
	slotMountVolume
)

// slot is one resource a pod instance holds: a place with a stable key
// ("executor/cpus", "task:server/port:http", "volume:data") that a
// reservation fills.
type slot struct {
	key    string
	owner  string // "executor", or the task or resource set it belongs to
	kind   slotKind
	name   string  // cpus, mem, gpus, disk, ports
	amount float64 // scalars and volume sizes (MB)
	port   uint64  // a static port; 0 for any
	ranges []mesos.Value_Range
	path   string // a volume's container path
	envKey string // a port's environment variable
}

const executorOwner = "executor"

// ownerOf is who holds a task's resources: its resource set if it names
// one (the tasks of a set share them), else the task.
func ownerOf(t *servicespec.TaskSpec) string {
	if t.ResourceSet != "" {
		return "set:" + t.ResourceSet
	}
	return "task:" + t.Name
}

// executorSlots are the executor's overhead and the pod-level volumes.
func executorSlots(pod *servicespec.PodSpec) []slot {
	out := []slot{
		{key: "executor/cpus", owner: executorOwner, name: "cpus", amount: ExecutorCPUs},
		{key: "executor/mem", owner: executorOwner, name: "mem", amount: ExecutorMemMB},
		{key: "executor/disk", owner: executorOwner, name: "disk", amount: ExecutorDiskMB},
	}
	return append(out, volumeSlots(executorOwner, "volume:", pod.Volumes)...)
}

// taskSlots are the resources of a task (or its resource set).
func taskSlots(pod *servicespec.PodSpec, t *servicespec.TaskSpec) []slot {
	owner := ownerOf(t)
	res := pod.TaskResources(t)
	var out []slot
	add := func(name string, v float64) {
		if v > 0 {
			out = append(out, slot{key: owner + "/" + name, owner: owner, name: name, amount: v})
		}
	}
	add("cpus", res.CPUs)
	add("mem", float64(res.Memory))
	add("gpus", res.GPUs)
	for _, name := range slices.Sorted(maps.Keys(res.Ports)) {
		ps := res.Ports[name]
		s := slot{key: owner + "/port:" + name, owner: owner, kind: slotPort, name: "ports", port: uint64(ps.Port), envKey: portEnvKey(name, ps)}
		for _, r := range ps.Ranges {
			rg := mesos.Value_Range{Begin: 1, End: 65535}
			if r.Begin != nil {
				rg.Begin = uint64(*r.Begin)
			}
			if r.End != nil {
				rg.End = uint64(*r.End)
			}
			s.ranges = append(s.ranges, rg)
		}
		out = append(out, s)
	}
	return append(out, volumeSlots(owner, owner+"/volume:", res.Volumes)...)
}

func volumeSlots(owner, prefix string, vols map[string]servicespec.VolumeSpec) []slot {
	var out []slot
	for _, name := range slices.Sorted(maps.Keys(vols)) {
		v := vols[name]
		kind := slotRootVolume
		if v.Type == "MOUNT" {
			kind = slotMountVolume
		}
		out = append(out, slot{key: prefix + v.Path, owner: owner, kind: kind, name: "disk", amount: float64(v.Size), path: v.Path})
	}
	return out
}

// portEnvKey is the variable a port reaches its task through: env-key,
// else PORT_<NAME>.
func portEnvKey(name string, ps servicespec.PortSpec) string {
	if ps.EnvKey != "" {
		return ps.EnvKey
	}
	return "PORT_" + envName(name)
}

// envName upper-cases a name and turns what a variable name cannot hold
// into '_'.
func envName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			return r
		}
		return '_'
	}, s)
}

// footprint maps slot keys to the reserved resources an instance holds,
// read from its stored TaskInfos.
func footprint(existing map[string]*mesos.TaskInfo) map[string]mesos.Resources {
	fp := map[string]mesos.Resources{}
	seen := map[string]bool{}
	add := func(rs []mesos.Resource) {
		for _, r := range rs {
			slot, id := labelOf(r, LabelSlot), resourceID(r)
			if slot == "" || id == "" || seen[id+"\x00"+r.String()] {
				continue
			}
			seen[id+"\x00"+r.String()] = true
			fp[slot] = append(fp[slot], r)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(existing)) {
		info := existing[name]
		if info == nil {
			continue
		}
		add(info.Resources)
		if info.Executor != nil {
			add(info.Executor.Resources)
		}
	}
	return fp
}
