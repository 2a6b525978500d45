package servicespec

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Feature names a capability a spec relies on beyond reserving resources,
// mounting persistent volumes and running processes. Specs that use one are
// valid; a scheduler that lacks the capability refuses the spec with the
// Usage's path instead of silently ignoring the field.
type Feature string

// Features a spec can use.
const (
	FeatureImage           Feature = "container images"
	FeatureNetworks        Feature = "virtual networks (CNI)"
	FeatureSecrets         Feature = "secrets"
	FeatureTLS             Feature = "TLS certificate provisioning (transport-encryption)"
	FeatureExternalVolumes Feature = "external volumes"
	FeatureHostVolumes     Feature = "host volumes"
	FeatureGPUs            Feature = "GPUs"
	FeatureSeccomp         Feature = "seccomp profiles"
	FeatureSharedMemory    Feature = "IPC namespaces and shared memory (ipc-mode, shm-size)"
	FeatureResourceLimits  Feature = "resource limits above the reservation"
)

// Usage is one place a spec uses a feature.
type Usage struct {
	Feature Feature
	Path    string
}

func (u Usage) String() string { return fmt.Sprintf("%s: uses %s", u.Path, u.Feature) }

// Features lists every use of a Feature, in spec order.
func (s *ServiceSpec) Features() []Usage {
	var out []Usage
	add := func(cond bool, f Feature, path string) {
		if cond {
			out = append(out, Usage{Feature: f, Path: path})
		}
	}
	for i := range s.Pods {
		p := &s.Pods[i]
		pp := podPath(p)
		add(p.Image != "", FeatureImage, pp+".image")
		add(len(p.Networks) > 0, FeatureNetworks, pp+".networks")
		add(len(p.Secrets) > 0, FeatureSecrets, pp+".secrets")
		add(len(p.ExternalVolumes) > 0, FeatureExternalVolumes, pp+".external-volumes")
		add(len(p.HostVolumes) > 0, FeatureHostVolumes, pp+".host-volumes")
		add(p.SeccompProfile != "" || p.SeccompUnconfined, FeatureSeccomp, pp)
		add(p.IPCMode != "" || p.ShmSize != nil, FeatureSharedMemory, pp+".ipc-mode")
		for _, id := range slices.Sorted(maps.Keys(p.ResourceSets)) {
			r := p.ResourceSets[id].Resources
			add(r.GPUs > 0, FeatureGPUs, setPath(p, id)+".gpus")
			add(r.ResourceLimits != nil, FeatureResourceLimits, setPath(p, id)+".resource-limits")
		}
		for j := range p.Tasks {
			t := &p.Tasks[j]
			tp := taskPath(p, t)
			add(len(t.TransportEncryption) > 0, FeatureTLS, tp+".transport-encryption")
			add(t.GPUs > 0, FeatureGPUs, tp+".gpus")
			add(t.ResourceLimits != nil, FeatureResourceLimits, tp+".resource-limits")
			add(t.IPCMode != "" || t.ShmSize != nil, FeatureSharedMemory, tp+".ipc-mode")
		}
	}
	return out
}

// Summary is a one-line description of a valid spec, as `spec validate`
// prints it.
func (s *ServiceSpec) Summary() string {
	pods := make([]string, len(s.Pods))
	tasks := 0
	for i, p := range s.Pods {
		pods[i] = fmt.Sprintf("%s×%d", p.Name, p.Count)
		tasks += len(p.Tasks)
	}
	plans := make([]string, len(s.Plans))
	for i, p := range s.Plans {
		plans[i] = p.Name
	}
	planText := "no plans (deploy is generated)"
	if len(plans) > 0 {
		planText = fmt.Sprintf("%s %s", count(len(plans), "plan"), strings.Join(plans, ", "))
	}
	return fmt.Sprintf("service %s: %s (%s), %s, %s; config %s",
		s.Name, count(len(s.Pods), "pod type"), strings.Join(pods, ", "), count(tasks, "task"), planText, s.ID())
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
