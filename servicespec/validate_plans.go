package servicespec

import (
	"fmt"
	"strings"
)

func (v *validator) plan(pl *PlanSpec) {
	for i := range pl.Phases {
		ph := &pl.Phases[i]
		path := "plans." + pl.Name + ".phases." + ph.Name
		pod := v.s.Pod(ph.Pod)
		if pod == nil {
			if ph.Pod != "" && v.ok(path+".pod") {
				v.d.errAt(path+".pod", "%s", unknownPod(v.s, ph.Pod))
			}
			continue
		}
		if len(ph.Steps) == 0 {
			v.stepConflicts(path, pod, taskNames(pod), "; this phase has no `steps`, so it launches all of the pod's tasks in one step")
			continue
		}
		v.stepEntries(path+".steps", ph, pod)
	}
}

func unknownPod(s *ServiceSpec, name string) string {
	names := make([]string, len(s.Pods))
	for i, p := range s.Pods {
		names[i] = p.Name
	}
	msg := fmt.Sprintf("pod `%s` is not defined in pods", name)
	if sug := suggest(name, names); sug != "" {
		msg += fmt.Sprintf("; did you mean `%s`?", sug)
	}
	return msg
}

func taskNames(p *PodSpec) []string {
	names := make([]string, len(p.Tasks))
	for i, t := range p.Tasks {
		names[i] = t.Name
	}
	return names
}

func (v *validator) stepEntries(path string, ph *PhaseSpec, pod *PodSpec) {
	countOK := v.ok(podPath(pod) + ".count")
	hasDefault := false
	ordinals := map[int]bool{}
	for i, e := range ph.Steps {
		ep := indexPath(path, i)
		switch {
		case e.Default && hasDefault:
			v.d.errAt(ep, "`default` is given twice")
		case e.Default:
			hasDefault = true
		case ordinals[e.Ordinal]:
			v.d.errAt(ep, "instance %d is given twice", e.Ordinal)
		case countOK && e.Ordinal >= pod.Count:
			v.d.errAt(ep, "instance %d is out of range: pod `%s` has count %d%s", e.Ordinal, pod.Name, pod.Count, instanceRange(pod.Count))
		}
		ordinals[e.Ordinal] = ordinals[e.Ordinal] || !e.Default
		for j, step := range e.Steps {
			v.step(indexPath(ep, j), pod, step)
		}
	}
	if hasDefault || !countOK {
		return
	}
	var missing []int
	for i := 0; i < pod.Count; i++ {
		if !ordinals[i] {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		v.d.errAt(path, "no steps for %s of pod `%s`: add a `default` entry or an entry for each instance", describeInstances(missing), pod.Name)
	}
}

func instanceRange(count int) string {
	switch count {
	case 0:
		return " (no instances)"
	case 1:
		return " (instance 0)"
	}
	return fmt.Sprintf(" (instances 0 to %d)", count-1)
}

// describeInstances writes ordinals as "instance 2" or "instances 1-3, 7".
func describeInstances(ords []int) string {
	var parts []string
	for i := 0; i < len(ords); {
		j := i
		for j+1 < len(ords) && ords[j+1] == ords[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, fmt.Sprint(ords[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", ords[i], ords[j]))
		}
		i = j + 1
	}
	if len(ords) == 1 {
		return "instance " + parts[0]
	}
	return "instances " + strings.Join(parts, ", ")
}

// step checks one list of tasks launched together.
func (v *validator) step(path string, pod *PodSpec, tasks []string) {
	if !v.ok(path) {
		return
	}
	if len(tasks) == 0 {
		v.d.errAt(path, "a step must launch at least one task")
		return
	}
	seen := map[string]bool{}
	var known []string
	for i, name := range tasks {
		switch {
		case pod.Task(name) == nil:
			msg := fmt.Sprintf("task `%s` is not defined in pod `%s`", name, pod.Name)
			if s := suggest(name, taskNames(pod)); s != "" {
				msg += fmt.Sprintf("; did you mean `%s`?", s)
			}
			v.d.errAt(indexPath(path, i), "%s", msg)
		case seen[name]:
			v.d.errAt(indexPath(path, i), "task `%s` is listed twice in one step", name)
		default:
			known = append(known, name)
		}
		seen[name] = true
	}
	v.stepConflicts(path, pod, known, "")
}

// stepConflicts checks that the tasks one step launches together use
// distinct resource sets and discovery prefixes. hint is appended to the
// message.
func (v *validator) stepConflicts(path string, pod *PodSpec, tasks []string, hint string) {
	sets := map[string]string{}
	prefixes := map[string]string{}
	for _, name := range tasks {
		t := pod.Task(name)
		if t.ResourceSet != "" {
			if other, dup := sets[t.ResourceSet]; dup {
				v.d.errAt(path, "tasks `%s` and `%s` share resource set `%s` and cannot be launched in the same step%s", other, name, t.ResourceSet, hint)
			}
			sets[t.ResourceSet] = name
		}
		if t.Discovery != nil && t.Discovery.Prefix != "" {
			if other, dup := prefixes[t.Discovery.Prefix]; dup {
				v.d.errAt(path, "tasks `%s` and `%s` share discovery prefix `%s` and cannot be launched in the same step%s", other, name, t.Discovery.Prefix, hint)
			}
			prefixes[t.Discovery.Prefix] = name
		}
	}
}

// generatedDeploySteps checks the deploy plan the scheduler generates when
// svc.yml declares none: one step per instance with every task of the pod.
func (v *validator) generatedDeploySteps() {
	if v.s.Plan("deploy") != nil {
		return
	}
	for i := range v.s.Pods {
		pod := &v.s.Pods[i]
		v.stepConflicts(podPath(pod)+".tasks", pod, taskNames(pod),
			"; the generated deploy plan launches all of a pod's tasks in one step: declare plans.deploy with separate steps")
	}
}
