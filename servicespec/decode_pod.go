package servicespec

import (
	"fmt"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v4"
)

var (
	podKeys = keysOf(
		"count", "allow-decommission", "placement", "image", "networks", "rlimits", "uris",
		"volume", "volumes", "host-volumes", "external-volumes", "pre-reserved-role", "secrets",
		"share-pid-namespace", "seccomp-unconfined", "seccomp-profile-name", "ipc-mode", "shm-size",
		"resource-sets", "tasks",
	)
	taskKeys = keysOf(
		"goal", "essential", "cmd", "env", "labels", "configs", "cpus", "gpus", "memory",
		"resource-limits", "ports", "volume", "volumes", "resource-set", "health-check",
		"readiness-check", "discovery", "kill-grace-period", "transport-encryption", "ipc-mode", "shm-size",
	)
	resourceKeys = keysOf("cpus", "gpus", "memory", "resource-limits", "ports", "volume", "volumes")

	// A key of the wrong level says where it belongs.
	podSchema = keySet{keys: podKeys.keys, known: podKeys.known, hint: misplaced(podKeys, taskKeys, func(path string) string {
		return fmt.Sprintf("it is a task setting: put it under %s.tasks.<task>", path)
	})}
	taskSchema = keySet{keys: taskKeys.keys, known: taskKeys.known, hint: misplaced(taskKeys, podKeys, func(path string) string {
		return fmt.Sprintf("it is a pod setting: put it under %s", path[:strings.Index(path, ".tasks.")])
	})}

	goals = []string{GoalRunning, GoalFinish, GoalOnce}
)

// Bounds of pod and task fields.
const (
	MaxCount           = 10000
	MaxKillGracePeriod = 14 * 24 * 3600 // two weeks, in seconds
)

func (d *decoder) pods(n *yaml.Node, path string) Pods {
	var pods Pods
	entries := d.named(n, path, podNameRule, func(name string, e entry) {
		if strings.Contains(name, "__") {
			d.fail(e.keyNode, e.path, "pod name must not contain \"__\"")
		}
		pods = append(pods, d.pod(name, e))
	})
	if entries == 0 && !d.bad[path] {
		d.fail(d.resolveQuiet(n), path, "a service needs at least one pod")
	}
	return pods
}

func (d *decoder) pod(name string, e entry) PodSpec {
	o := d.object(e.valNode, e.path, podSchema)
	p := PodSpec{Name: name, PreReservedRole: "*"}
	if !o.ok {
		return p
	}
	o.require("count", "tasks")
	p.Count = o.integer("count", 0)
	if o.has("count") && (p.Count < 0 || p.Count > MaxCount) && !d.bad[o.pathOf("count")] {
		d.fail(o.node("count"), o.pathOf("count"), "must be between 0 and %d, got %d", MaxCount, p.Count)
	}
	p.AllowDecommission = o.boolean("allow-decommission", false)
	p.Placement = d.placement(o)
	p.Image = o.str("image", "")
	if o.has("image") && (p.Image == "" || strings.ContainsAny(p.Image, " \t\n")) {
		d.fail(o.node("image"), o.pathOf("image"), "must be an image reference such as `user/image:tag`, got %q", p.Image)
	}
	p.Networks = d.networks(o)
	p.RLimits = d.rlimits(o)
	p.URIs = d.uris(o)
	p.Volumes = d.volumeSet(o)
	p.HostVolumes = d.hostVolumes(o)
	p.ExternalVolumes = d.externalVolumes(o)
	p.PreReservedRole = o.str("pre-reserved-role", "*")
	if why := checkRole(p.PreReservedRole); why != "" && o.has("pre-reserved-role") {
		d.fail(o.node("pre-reserved-role"), o.pathOf("pre-reserved-role"), "%s", why)
	}
	p.Secrets = d.secrets(o)
	p.SharePIDNamespace = o.boolean("share-pid-namespace", false)
	p.SeccompUnconfined = o.boolean("seccomp-unconfined", false)
	p.SeccompProfile = o.str("seccomp-profile-name", "")
	if p.SeccompUnconfined && o.has("seccomp-profile-name") {
		d.fail(o.node("seccomp-profile-name"), o.pathOf("seccomp-profile-name"), "cannot be set together with `seccomp-unconfined: true`")
	}
	p.IPCMode, p.ShmSize = d.ipc(o, false)
	if o.has("resource-sets") {
		p.ResourceSets = map[string]ResourceSetSpec{}
		d.named(o.node("resource-sets"), o.pathOf("resource-sets"), setNameRule, func(id string, e entry) {
			ro := d.object(e.valNode, e.path, resourceKeys)
			p.ResourceSets[id] = ResourceSetSpec{Resources: d.resources(ro)}
		})
	}
	if o.has("tasks") {
		entries := d.named(o.node("tasks"), o.pathOf("tasks"), taskNameRule, func(tn string, e entry) {
			p.Tasks = append(p.Tasks, d.task(tn, e))
		})
		if entries == 0 && !d.bad[o.pathOf("tasks")] {
			d.fail(o.node("tasks"), o.pathOf("tasks"), "a pod needs at least one task")
		}
	}
	return p
}

func (d *decoder) task(name string, e entry) TaskSpec {
	o := d.object(e.valNode, e.path, taskSchema)
	t := TaskSpec{Name: name, Essential: true}
	if !o.ok {
		return t
	}
	o.require("goal")
	t.Goal = d.goal(o)
	t.Essential = o.boolean("essential", true)
	t.Cmd = o.str("cmd", "")
	t.Env = d.env(o)
	t.Labels = d.labels(o, "labels")
	t.Configs = d.configs(o)
	t.ResourceSet = o.str("resource-set", "")
	t.Resources = d.resources(o)
	t.HealthCheck = d.healthCheck(o)
	t.ReadinessCheck = d.readinessCheck(o)
	t.Discovery = d.discovery(o)
	t.KillGracePeriod = d.bounded(o, "kill-grace-period", 0, 0, MaxKillGracePeriod)
	t.TransportEncryption = d.transportEncryption(o)
	t.IPCMode, t.ShmSize = d.ipc(o, true)
	return t
}

func (d *decoder) goal(o *object) string {
	if !o.has("goal") {
		return ""
	}
	if v := o.str("goal", ""); equalFold(v, "FINISHED") {
		d.fail(o.node("goal"), o.pathOf("goal"), "goal FINISHED is no longer supported: use ONCE (run once) or FINISH (run again on config change)")
		return ""
	}
	return d.enum(o, "goal", "", goals, true)
}

// bounded decodes an integer key that must lie within [lo, hi].
func (d *decoder) bounded(o *object, key string, def, lo, hi int) int {
	v, ok := o.optInt(key)
	if !ok {
		return def
	}
	if v < lo || v > hi {
		d.fail(o.node(key), o.pathOf(key), "must be between %d and %d, got %d", lo, hi, v)
		return def
	}
	return v
}

func (d *decoder) env(o *object) map[string]string {
	if !o.has("env") {
		return nil
	}
	env := map[string]string{}
	d.named(o.node("env"), o.pathOf("env"), envKeyRule, func(k string, e entry) {
		v := d.resolve(e.valNode, e.path)
		switch {
		case v == nil:
		case isNull(v):
			env[k] = "" // an empty value is kept, as an empty string
		case v.Kind != yaml.ScalarNode:
			d.fail(v, e.path, "environment values must be strings, got %s", describe(v))
		default:
			env[k] = v.Value
		}
	})
	return env
}

// labels decodes a "key:value,key:value" string.
func (d *decoder) labels(o *object, key string) Labels {
	if !o.has(key) {
		return nil
	}
	s := o.str(key, "")
	out := Labels{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, ":")
		if !ok || strings.Contains(v, ":") || strings.TrimSpace(k) == "" {
			d.fail(o.node(key), o.pathOf(key), "label %q must be key:value (labels are written key:value,key:value)", item)
			continue
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (d *decoder) uris(o *object) []string {
	uris := o.strList("uris")
	for i, u := range uris {
		parsed, err := url.Parse(u)
		if err != nil || parsed.Scheme == "" {
			d.fail(o.node("uris"), indexPath(o.pathOf("uris"), i), "%q is not an absolute URI", u)
		}
	}
	return uris
}

func (d *decoder) ipc(o *object, taskLevel bool) (string, *int) {
	modes := []string{"PRIVATE"}
	if taskLevel {
		modes = append(modes, "SHARE_PARENT")
	}
	if !taskLevel && o.has("ipc-mode") && o.str("ipc-mode", "") == "SHARE_PARENT" {
		d.fail(o.node("ipc-mode"), o.pathOf("ipc-mode"), "SHARE_PARENT is only valid on tasks: a pod's IPC namespace can only be PRIVATE")
		return "", nil
	}
	mode := d.enum(o, "ipc-mode", "", modes, false)
	if !o.has("shm-size") {
		return mode, nil
	}
	size, ok := o.optInt("shm-size")
	if !ok {
		return mode, nil
	}
	switch {
	case size < 1:
		d.fail(o.node("shm-size"), o.pathOf("shm-size"), "must be at least 1 (MB), got %d", size)
	case mode == "SHARE_PARENT":
		d.fail(o.node("shm-size"), o.pathOf("shm-size"), "cannot be set with `ipc-mode: SHARE_PARENT`: the parent's shared memory is used")
	case mode == "":
		d.fail(o.node("shm-size"), o.pathOf("shm-size"), "needs `ipc-mode: PRIVATE`")
	}
	return mode, &size
}
