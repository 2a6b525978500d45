package servicespec

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Violation is a change a configuration update may not make.
type Violation struct {
	Path string
	Msg  string
}

func (v Violation) String() string { return v.Path + ": " + v.Msg }

// Action is what an update does to one pod instance.
type Action string

// Actions, from least to most disruptive for the instance.
const (
	ActionNone         Action = "none"         // nothing that runs changed
	ActionRestart      Action = "restart"      // relaunched in place: same agent, reservations and volumes
	ActionLaunch       Action = "launch"       // a new instance (count raised or new pod type)
	ActionDecommission Action = "decommission" // killed, unreserved and forgotten
)

// InstanceUpdate says what happens to one pod instance and why.
type InstanceUpdate struct {
	Pod      string
	Index    int
	Action   Action
	Reasons  []string
	Instance string // <pod>-<index>
}

// Update is the outcome of comparing a stored target with a new spec.
type Update struct {
	// Forbidden lists the changes that make the new spec unacceptable; when
	// it is not empty the old target stays and Instances is empty.
	Forbidden []Violation
	// Instances lists every pod instance of either spec, in spec order.
	Instances []InstanceUpdate
	// Notices are allowed changes that do not take effect everywhere.
	Notices []string
}

// Allowed reports whether the new spec may become the target.
func (u Update) Allowed() bool { return len(u.Forbidden) == 0 }

// CompareUpdate decides whether next may replace the stored target prev,
// and if so what each pod instance must do. Both must be valid specs.
func CompareUpdate(prev, next *ServiceSpec) Update {
	var u Update
	u.Forbidden = forbiddenChanges(prev, next)
	if !u.Allowed() {
		return u
	}
	for i := range next.Pods {
		np := &next.Pods[i]
		op := prev.Pod(np.Name)
		if op == nil {
			u.Instances = append(u.Instances, instances(np, 0, np.Count, ActionLaunch, "new pod type")...)
			continue
		}
		u.Instances = append(u.Instances, podUpdates(op, np, &u)...)
	}
	for i := range prev.Pods {
		op := &prev.Pods[i]
		if next.Pod(op.Name) == nil {
			u.Instances = append(u.Instances, instances(op, 0, op.Count, ActionDecommission, "pod type removed")...)
		}
	}
	return u
}

func instances(p *PodSpec, from, to int, a Action, reason string) []InstanceUpdate {
	var out []InstanceUpdate
	for i := from; i < to; i++ {
		out = append(out, InstanceUpdate{Pod: p.Name, Index: i, Instance: fmt.Sprintf("%s-%d", p.Name, i), Action: a, Reasons: []string{reason}})
	}
	return out
}

func podUpdates(op, np *PodSpec, u *Update) []InstanceUpdate {
	if op.Placement != np.Placement {
		u.Notices = append(u.Notices, fmt.Sprintf("pods.%s.placement changed: it applies to new and replaced instances only; "+
			"running instances stay where they are until replaced (kennel pod replace %s-<index>)", np.Name, np.Name))
	}
	reasons := podDiff(op, np, u)
	var out []InstanceUpdate
	for i := 0; i < min(op.Count, np.Count); i++ {
		a := ActionNone
		if len(reasons) > 0 {
			a = ActionRestart
		}
		out = append(out, InstanceUpdate{Pod: np.Name, Index: i, Instance: fmt.Sprintf("%s-%d", np.Name, i), Action: a, Reasons: reasons})
	}
	out = append(out, instances(np, op.Count, np.Count, ActionLaunch, fmt.Sprintf("count raised from %d to %d", op.Count, np.Count))...)
	out = append(out, instances(op, np.Count, op.Count, ActionDecommission, fmt.Sprintf("count reduced from %d to %d", op.Count, np.Count))...)
	return out
}

// podDiff lists what changed in what a pod instance runs. Count, placement
// and allow-decommission do not touch running instances, and goal ONCE
// tasks never run again, so their changes are left out.
func podDiff(op, np *PodSpec, u *Update) []string {
	a, b := runtimeView(op), runtimeView(np)
	for _, t := range op.Tasks {
		if nt := np.Task(t.Name); nt != nil && t.Goal == GoalOnce && nt.Goal == GoalOnce {
			if !jsonEqual(t, *nt) {
				u.Notices = append(u.Notices, fmt.Sprintf("pods.%s.tasks.%s changed, but goal ONCE tasks never run again on existing instances", np.Name, t.Name))
			}
			delete(a["tasks"].(map[string]any), t.Name)
			delete(b["tasks"].(map[string]any), t.Name)
		}
	}
	var reasons []string
	diffValues("", a, b, &reasons)
	return reasons
}

func runtimeView(p *PodSpec) map[string]any {
	c := *p
	c.Count, c.AllowDecommission, c.Placement = 0, false, ""
	var m map[string]any
	b, _ := marshal(c)
	_ = json.Unmarshal(b, &m)
	if m["tasks"] == nil {
		m["tasks"] = map[string]any{}
	}
	return m
}

func jsonEqual(a, b any) bool {
	x, _ := marshal(a)
	y, _ := marshal(b)
	return string(x) == string(y)
}

// diffValues appends one line per changed leaf of two JSON values.
func diffValues(path string, a, b any, out *[]string) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			av, ain := am[k]
			bv, bin := bm[k]
			p := joinPath(path, k)
			switch {
			case !ain:
				*out = append(*out, p+" added")
			case !bin:
				*out = append(*out, p+" removed")
			default:
				diffValues(p, av, bv, out)
			}
		}
		return
	}
	if jsonEqual(a, b) {
		return
	}
	as, bs := shortJSON(a), shortJSON(b)
	if as == "" || bs == "" {
		*out = append(*out, path+" changed")
		return
	}
	*out = append(*out, fmt.Sprintf("%s: %s → %s", path, as, bs))
}

// shortJSON renders a scalar or short value for a message, or "" when it is
// too long to be useful (a command, a template).
func shortJSON(v any) string {
	b, _ := marshal(v)
	s := string(b)
	if len(s) > 40 || strings.Contains(s, `\n`) {
		return ""
	}
	return s
}

// forbiddenChanges lists the changes DC/OS Commons' validators forbid, and
// a few more that would strand reservations.
func forbiddenChanges(prev, next *ServiceSpec) []Violation {
	var v []Violation
	add := func(path, format string, args ...any) { v = append(v, Violation{path, fmt.Sprintf(format, args...)}) }
	if prev.Name != next.Name {
		add("name", "cannot change (%s → %s): a service with another name is another service", prev.Name, next.Name)
	}
	if prev.Scheduler.User != next.Scheduler.User {
		add("scheduler.user", "cannot change (%s → %s): files on the persistent volumes belong to the old user", prev.Scheduler.User, next.Scheduler.User)
	}
	if prev.Scheduler.Principal != next.Scheduler.Principal {
		add("scheduler.principal", "cannot change (%s → %s): the service's reservations are held by the old principal", prev.Scheduler.Principal, next.Scheduler.Principal)
	}
	for i := range prev.Pods {
		op := &prev.Pods[i]
		np := next.Pod(op.Name)
		if np == nil {
			if !op.AllowDecommission {
				add("pods."+op.Name, "pod type `%s` cannot be removed: it does not set `allow-decommission: true`", op.Name)
			}
			continue
		}
		v = append(v, podViolations(op, np)...)
	}
	return v
}

func podViolations(op, np *PodSpec) []Violation {
	var v []Violation
	pp := "pods." + np.Name
	add := func(path, format string, args ...any) { v = append(v, Violation{path, fmt.Sprintf(format, args...)}) }
	if np.Count < op.Count && !np.AllowDecommission {
		add(pp+".count", "cannot shrink from %d to %d: set `allow-decommission: true` on the pod to allow decommissioning instances", op.Count, np.Count)
	}
	if op.PreReservedRole != np.PreReservedRole {
		add(pp+".pre-reserved-role", "cannot change (%s → %s): instances hold resources reserved from the old role", op.PreReservedRole, np.PreReservedRole)
	}
	if (len(op.Networks) > 0) != (len(np.Networks) > 0) {
		add(pp+".networks", "cannot switch between the host network and virtual networks: the ports reserved on the agents would no longer match")
	}
	v = append(v, volumeViolations(pp+".volumes", op.Volumes, np.Volumes)...)
	for i := range op.Tasks {
		ot := &op.Tasks[i]
		nt := np.Task(ot.Name)
		if nt == nil {
			continue
		}
		v = append(v, volumeViolations(pp+".tasks."+ot.Name+".volumes", op.TaskResources(ot).Volumes, np.TaskResources(nt).Volumes)...)
	}
	return v
}

// volumeViolations compares volumes by mount path: no volume of a deployed
// pod may be added, removed or changed, since its data lives on the agent.
func volumeViolations(path string, prev, next map[string]VolumeSpec) []Violation {
	byPath := func(m map[string]VolumeSpec) map[string]VolumeSpec {
		out := map[string]VolumeSpec{}
		for _, vol := range m {
			out[vol.Path] = vol
		}
		return out
	}
	a, b := byPath(prev), byPath(next)
	var v []Violation
	for _, p := range slices.Sorted(maps.Keys(a)) {
		ov := a[p]
		nv, ok := b[p]
		switch {
		case !ok:
			v = append(v, Violation{path, fmt.Sprintf("the volume at %q cannot be removed: volumes cannot change once deployed", p)})
		case ov.Type != nv.Type:
			v = append(v, Violation{path, fmt.Sprintf("the type of the volume at %q cannot change (%s → %s)", p, ov.Type, nv.Type)})
		case ov.Size != nv.Size:
			v = append(v, Violation{path, fmt.Sprintf("the size of the volume at %q cannot change (%d → %d MB)", p, ov.Size, nv.Size)})
		case !sameStrings(ov.Profiles, nv.Profiles):
			v = append(v, Violation{path, fmt.Sprintf("the profiles of the volume at %q cannot change", p)})
		}
	}
	for _, p := range slices.Sorted(maps.Keys(b)) {
		if _, ok := a[p]; !ok {
			v = append(v, Violation{path, fmt.Sprintf("a volume at %q cannot be added: volumes cannot change once deployed", p)})
		}
	}
	return v
}

func sameStrings(a, b []string) bool {
	x, y := append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	return strings.Join(x, "\x00") == strings.Join(y, "\x00")
}
