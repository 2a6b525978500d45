package servicespec

import (
	"fmt"
	"maps"
	"slices"

	"strconv"
)

// errAt records a problem for path at the position recorded for path, or for
// its nearest recorded ancestor.
func (d *decoder) errAt(path, format string, args ...any) {
	if d.full() {
		return
	}
	path = d.userPath(path)
	d.errs = append(d.errs, &Error{File: d.file, Pos: d.lookupPos(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

// validator checks the rules that span fields, once decoding is done. It
// skips checks whose inputs failed to decode, so that one mistake is
// reported once.
type validator struct {
	d *decoder
	s *ServiceSpec
}

func (v *validator) validate() {
	for i := range v.s.Pods {
		v.pod(&v.s.Pods[i])
	}
	v.advertisedPorts()
	v.discoveryPrefixes()
	for i := range v.s.Plans {
		v.plan(&v.s.Plans[i])
	}
	v.generatedDeploySteps()
}

func podPath(p *PodSpec) string               { return "pods." + p.Name }
func taskPath(p *PodSpec, t *TaskSpec) string { return podPath(p) + ".tasks." + t.Name }
func setPath(p *PodSpec, id string) string    { return podPath(p) + ".resource-sets." + id }
func (v *validator) ok(paths ...string) bool {
	for _, p := range paths {
		if v.d.bad[p] {
			return false
		}
	}
	return true
}

func (v *validator) pod(p *PodSpec) {
	for _, id := range slices.Sorted(maps.Keys(p.ResourceSets)) {
		v.requireResources(setPath(p, id), p.ResourceSets[id].Resources, "a resource set")
	}
	for i := range p.Tasks {
		v.task(p, &p.Tasks[i])
	}
	v.staticPorts(p)
	v.volumePaths(p)
}

func (v *validator) task(p *PodSpec, t *TaskSpec) {
	tp := taskPath(p, t)
	if t.Cmd == "" && p.Image == "" && v.ok(tp+".cmd") {
		v.d.errAt(tp, "a task needs a `cmd` (only a pod with an `image` can run its entrypoint)")
	}
	v.taskResources(p, t)
	if t.ReadinessCheck != nil && t.Goal != "" && t.Goal != GoalRunning {
		v.d.errAt(tp+".readiness-check", "a readiness check only applies to goal RUNNING tasks; this task's goal is %s and completes when it exits 0", t.Goal)
	}
	if p.Count > 0 && v.ok(podPath(p)+".count") {
		name := fmt.Sprintf("%s-%d-%s", p.Name, p.Count-1, t.Name)
		if len(name) > maxDNSLabel {
			v.d.errAt(tp, "task name %s is %d characters long; pod and task names must keep <pod>-<index>-<task> within %d characters (a DNS label)", name, len(name), maxDNSLabel)
		}
	}
	v.configDests(tp, t)
	v.envKeys(tp, p.TaskResources(t))
	v.envPortCollisions(tp, t, p.TaskResources(t))
}

func (v *validator) taskResources(p *PodSpec, t *TaskSpec) {
	tp := taskPath(p, t)
	if t.ResourceSet == "" {
		if v.ok(tp + ".resource-set") {
			v.requireResources(tp, t.Resources, "a task without a `resource-set`")
		}
		return
	}
	if _, ok := p.ResourceSets[t.ResourceSet]; !ok {
		msg := fmt.Sprintf("resource set `%s` is not defined in %s.resource-sets", t.ResourceSet, podPath(p))
		if s := suggest(t.ResourceSet, slices.Sorted(maps.Keys(p.ResourceSets))); s != "" {
			msg += fmt.Sprintf("; did you mean `%s`?", s)
		}
		v.d.errAt(tp+".resource-set", "%s", msg)
	}
	own := map[string]bool{
		"cpus": t.CPUs != 0, "gpus": t.GPUs != 0, "memory": t.Memory != 0, "resource-limits": t.ResourceLimits != nil,
		"ports": t.Ports != nil, "volumes": t.Volumes != nil,
	}
	for _, k := range slices.Sorted(maps.Keys(own)) {
		if own[k] {
			v.d.errAt(tp+"."+k, "a task with a `resource-set` takes its resources from the set: remove `%s` or the `resource-set`", k)
		}
	}
}

func (v *validator) requireResources(path string, r Resources, what string) {
	for key, missing := range map[string]bool{"cpus": r.CPUs == 0, "memory": r.Memory == 0} {
		if missing && v.ok(path+"."+key) {
			v.d.errAt(path+"."+key, "%s needs `%s`", what, key)
		}
	}
	if r.ResourceLimits == nil {
		return
	}
	for key, limit := range map[string]string{"cpus": r.ResourceLimits.CPUs, "memory": r.ResourceLimits.Memory} {
		requested := r.CPUs
		if key == "memory" {
			requested = float64(r.Memory)
		}
		if f, err := strconv.ParseFloat(limit, 64); err == nil && f < requested {
			v.d.errAt(path+".resource-limits."+key, "limit %s is below the requested %v; a limit must be at least the request", limit, requested)
		}
	}
}

func (v *validator) configDests(tp string, t *TaskSpec) {
	dests := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(t.Configs)) {
		dest := t.Configs[name].Dest
		if other, dup := dests[dest]; dup && dest != "" {
			v.d.errAt(tp+".configs."+name+".dest", "configs `%s` and `%s` both render to %q", other, name, dest)
		}
		dests[dest] = name
	}
}

// envKeys checks that two ports of one task do not publish to one variable.
func (v *validator) envKeys(tp string, r Resources) {
	seen := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(r.Ports)) {
		key := r.Ports[name].EnvKey
		if key == "" {
			continue
		}
		if other, dup := seen[key]; dup {
			v.d.errAt(tp+".ports."+name+".env-key", "ports `%s` and `%s` both set %s", other, name, key)
		}
		seen[key] = name
	}
}

// bundle is one reservation of a pod: a task's own resources or a set.
type bundle struct {
	path string
	res  Resources
}

func (v *validator) bundles(p *PodSpec) []bundle {
	var out []bundle
	for _, id := range slices.Sorted(maps.Keys(p.ResourceSets)) {
		out = append(out, bundle{setPath(p, id), p.ResourceSets[id].Resources})
	}
	for i := range p.Tasks {
		t := &p.Tasks[i]
		if t.ResourceSet == "" {
			out = append(out, bundle{taskPath(p, t), t.Resources})
		}
	}
	return out
}

// staticPorts checks that no two ports of one pod instance ask for the same
// fixed port: its reservations all land on one agent.
func (v *validator) staticPorts(p *PodSpec) {
	used := map[int]string{}
	for _, b := range v.bundles(p) {
		for _, name := range slices.Sorted(maps.Keys(b.res.Ports)) {
			port := b.res.Ports[name]
			path := b.path + ".ports." + name
			if port.VIP != nil {
				v.vipPrefix(b, name, port)
			}
			if port.Port == 0 || !v.ok(path+".port") {
				continue
			}
			if other, dup := used[port.Port]; dup {
				v.d.errAt(path+".port", "port %d is already reserved by %s; a pod instance's reservations share one agent", port.Port, other)
				continue
			}
			used[port.Port] = path
		}
	}
}

func (v *validator) vipPrefix(b bundle, name string, port PortSpec) {
	prefix := port.VIP.Prefix
	if prefix == "" || prefix == name {
		return
	}
	if _, clash := b.res.Ports[prefix]; clash {
		v.d.errAt(b.path+".ports."+name+".vip.prefix", "VIP prefix `%s` is also the name of another port of this task; VIP names and port names must not collide", prefix)
	}
}

// volumePaths checks that volumes of one pod instance mount at distinct
// paths: pod volumes are visible to every task.
func (v *validator) volumePaths(p *PodSpec) {
	podVols := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(p.Volumes)) {
		podVols[p.Volumes[name].Path] = podPath(p) + ".volumes." + name
	}
	for _, b := range v.bundles(p) {
		seen := map[string]string{}
		for _, name := range slices.Sorted(maps.Keys(b.res.Volumes)) {
			path := b.res.Volumes[name].Path
			here := b.path + ".volumes." + name
			if path == "" {
				continue
			}
			if other, dup := podVols[path]; dup {
				v.d.errAt(here+".path", "path %q is already used by the pod volume %s", path, v.d.userPath(other))
			} else if other, dup := seen[path]; dup {
				v.d.errAt(here+".path", "path %q is already used by %s", path, v.d.userPath(other))
			}
			seen[path] = here
		}
	}
}

// advertisedPorts checks that advertised port names are unique service-wide:
// they name the service's endpoints.
func (v *validator) advertisedPorts() {
	seen := map[string]string{}
	for i := range v.s.Pods {
		for _, b := range v.bundles(&v.s.Pods[i]) {
			for _, name := range slices.Sorted(maps.Keys(b.res.Ports)) {
				if !b.res.Ports[name].Advertise {
					continue
				}
				here := b.path + ".ports." + name
				if other, dup := seen[name]; dup {
					v.d.errAt(here, "advertised port name `%s` is also advertised by %s; endpoint names must be unique in the service", name, other)
				}
				seen[name] = here
			}
		}
	}
}

// discoveryPrefixes checks that tasks of different pods never share a DNS
// prefix.
func (v *validator) discoveryPrefixes() {
	owner := map[string]string{}
	for _, p := range v.s.Pods {
		for _, t := range p.Tasks {
			if t.Discovery == nil || t.Discovery.Prefix == "" {
				continue
			}
			prefix := t.Discovery.Prefix
			if other, ok := owner[prefix]; ok && other != p.Name {
				v.d.errAt(taskPath(&p, &t)+".discovery.prefix", "discovery prefix `%s` is also used by pod `%s`; pods must not share DNS names", prefix, other)
				continue
			}
			owner[prefix] = p.Name
		}
	}
}
