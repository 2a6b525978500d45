package servicespec

import (
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"
)

// notSupported is the one list of the ServiceSpec fields that Kennel parses
// and validates but whose effect its runtime does not implement yet. Load
// refuses a spec that sets any of them (unless LoadOptions.AcceptUnsupported,
// for tools that work on the language only), at the field's key:
//
//	svc.yml:7:5: pods.hello.image: is not supported by Kennel yet: <why>
//
// so that neither `kennel spec validate` nor `kennel scheduler` (both load
// through Load) accepts a field that would be silently ignored. The issue
// that makes the runtime act on a field removes its entry here.
//
// The fields, by where they are written:
//
//	web-url                                   (framework has no web UI URL)
//	scheduler.zookeeper                       (other than master.mesos:2181, the
//	                                           default of `scheduler --state`)
//	pods.<pod>.image
//	pods.<pod>.networks
//	pods.<pod>.host-volumes
//	pods.<pod>.external-volumes
//	pods.<pod>.secrets
//	pods.<pod>.share-pid-namespace            (when true)
//	pods.<pod>.seccomp-unconfined             (when true)
//	pods.<pod>.seccomp-profile-name
//	pods.<pod>.ipc-mode, pods.<pod>.shm-size
//	….tasks.<task>.ipc-mode, ….tasks.<task>.shm-size
//	….tasks.<task>.discovery.visibility       (other than CLUSTER)
//	gpus, resource-limits                     (of a task or a resource set)
//	profiles                                  (of any volume)
//
// The defaults the canonical form writes out (scheduler.zookeeper,
// share-pid-namespace, seccomp-unconfined, discovery visibility) are
// accepted: they say what Kennel does. Decode does not refuse any of these
// fields: a configuration stored by an earlier version stays readable.
var notSupported = []refusal{
	{key: "web-url", why: "the framework registers without a web UI URL",
		svc: func(s *ServiceSpec, _ *decoder) bool { return s.WebURL != "" }},
	{key: "scheduler.zookeeper", why: "the scheduler's state store is chosen with `kennel scheduler --state` (default zk://" + DefaultZookeeper + "/kennel)",
		svc: func(s *ServiceSpec, _ *decoder) bool {
			return s.Scheduler.Zookeeper != "" && s.Scheduler.Zookeeper != DefaultZookeeper
		}},
	{key: "image", why: "tasks run as processes in the agent's sandbox, without a container image",
		pod: func(p *PodSpec) bool { return p.Image != "" }},
	{key: "networks", why: "tasks use the agent's host network",
		pod: func(p *PodSpec) bool { return len(p.Networks) > 0 }},
	{key: "host-volumes", why: "no agent directory is mounted into tasks",
		pod: func(p *PodSpec) bool { return len(p.HostVolumes) > 0 }},
	{key: "external-volumes", why: "no volume driver is called",
		pod: func(p *PodSpec) bool { return len(p.ExternalVolumes) > 0 }},
	{key: "secrets", why: "no secret store is read",
		pod: func(p *PodSpec) bool { return len(p.Secrets) > 0 }},
	{key: "share-pid-namespace", why: "tasks run without PID namespaces",
		pod: func(p *PodSpec) bool { return p.SharePIDNamespace }},
	{key: "seccomp-unconfined", why: "tasks run without seccomp profiles",
		pod: func(p *PodSpec) bool { return p.SeccompUnconfined }},
	{key: "seccomp-profile-name", why: "tasks run without seccomp profiles",
		pod: func(p *PodSpec) bool { return p.SeccompProfile != "" }},
	{key: "ipc-mode", why: "tasks run without IPC namespaces",
		pod:  func(p *PodSpec) bool { return p.IPCMode != "" },
		task: func(t *TaskSpec) bool { return t.IPCMode != "" }},
	{key: "shm-size", why: "tasks run without IPC namespaces",
		pod:  func(p *PodSpec) bool { return p.ShmSize != nil },
		task: func(t *TaskSpec) bool { return t.ShmSize != nil }},
	{key: "discovery.visibility", why: "tasks are always discoverable as CLUSTER",
		task: func(t *TaskSpec) bool { return t.Discovery != nil && t.Discovery.Visibility != "CLUSTER" }},
	{key: "gpus", why: "the framework does not ask Mesos for GPU offers",
		res: func(r Resources) bool { return r.GPUs > 0 }},
	{key: "resource-limits", why: "a task's TaskInfo carries only its reservation",
		res: func(r Resources) bool { return r.ResourceLimits != nil }},
	{key: "profiles", why: "MOUNT disks are matched by size only",
		vol: func(v VolumeSpec) bool { return len(v.Profiles) > 0 }},
}

// refusal is a field of notSupported: key, relative to the object it is
// written in, and the one predicate (by the kind of that object) that says
// whether a spec sets it. A field written in several kinds of objects has
// one predicate per kind.
type refusal struct {
	key  string
	why  string
	svc  func(*ServiceSpec, *decoder) bool
	pod  func(*PodSpec) bool
	task func(*TaskSpec) bool
	res  func(Resources) bool // a task's own resources, or a resource set
	vol  func(VolumeSpec) bool
}

// refuseUnsupported records an error at every field of s in notSupported.
func (d *decoder) refuseUnsupported(s *ServiceSpec) {
	for _, r := range notSupported {
		if r.svc != nil && r.svc(s, d) {
			d.refuse(r.key, r.why)
		}
		for i := range s.Pods {
			d.refusePod(r, &s.Pods[i])
		}
	}
}

func (d *decoder) refusePod(r refusal, p *PodSpec) {
	if r.pod != nil && r.pod(p) {
		d.refuse(podPath(p)+"."+r.key, r.why)
	}
	d.refuseVolumes(r, podPath(p), p.Volumes)
	for _, id := range slices.Sorted(maps.Keys(p.ResourceSets)) {
		d.refuseResources(r, setPath(p, id), p.ResourceSets[id].Resources)
	}
	for i := range p.Tasks {
		t := &p.Tasks[i]
		if r.task != nil && r.task(t) {
			d.refuse(taskPath(p, t)+"."+r.key, r.why)
		}
		d.refuseResources(r, taskPath(p, t), t.Resources)
	}
}

func (d *decoder) refuseResources(r refusal, path string, res Resources) {
	if r.res != nil && r.res(res) {
		d.refuse(path+"."+r.key, r.why)
	}
	d.refuseVolumes(r, path, res.Volumes)
}

func (d *decoder) refuseVolumes(r refusal, path string, vols map[string]VolumeSpec) {
	if r.vol == nil {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(vols)) {
		if r.vol(vols[name]) {
			d.refuse(path+".volumes."+name+"."+r.key, r.why)
		}
	}
}

// refuse records that the field at path is not supported, at its key,
// unless the field already failed to decode.
func (d *decoder) refuse(path, why string) {
	user := d.userPath(path)
	if d.bad[path] || d.bad[user] || d.full() {
		return
	}
	d.errs = append(d.errs, &Error{File: d.file, Pos: d.keyPos(user), Path: user, Msg: "is not supported by Kennel yet: " + why})
}

// keyPos is the position of the key of the field at path (a path as the
// user wrote it), or of the nearest thing lookupPos finds.
func (d *decoder) keyPos(path string) Pos {
	parent, key := "", path
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		parent, key = path[:i], path[i+1:]
	}
	if k := d.keyNode(d.objects[parent], key, 0); k != nil {
		return d.nodePos(k)
	}
	return d.lookupPos(path)
}

// maxMergeDepth bounds how deep keyNode follows merge keys ("<<").
const maxMergeDepth = 8

// keyNode returns the key node of key in mapping m, looking into the
// mappings m merges when m does not set key itself, or nil.
func (d *decoder) keyNode(m *yaml.Node, key string, depth int) *yaml.Node {
	m = d.resolveQuiet(m)
	if m == nil || m.Kind != yaml.MappingNode || depth > maxMergeDepth {
		return nil
	}
	var merged []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := d.resolveQuiet(m.Content[i])
		switch {
		case k.Tag == "!!merge":
			merged = append(merged, m.Content[i+1])
		case k.Value == key:
			return k
		}
	}
	for _, v := range merged {
		sources := []*yaml.Node{v}
		if v = d.resolveQuiet(v); v.Kind == yaml.SequenceNode {
			sources = v.Content
		}
		for _, s := range sources {
			if k := d.keyNode(s, key, depth+1); k != nil {
				return k
			}
		}
	}
	return nil
}
