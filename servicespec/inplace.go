package servicespec

import (
	"maps"
	"slices"
)

// ActionInPlace is a restart an update does not need: every change to the
// instance is to environment variables its service applies to the running
// tasks itself (see InPlaceFunc). The instance keeps running; its tasks
// are recorded as running the new configuration.
const ActionInPlace Action = "in-place"

// InPlaceFunc reports whether the running tasks of a pod take the change
// of environment variable key of task from old to new without a restart,
// because the service applies it to them itself (a Kafka broker's
// dynamic configs). An added variable has old "", a removed one new "".
type InPlaceFunc func(pod, task, key, old, new string) bool

// InPlace turns into ActionInPlace each restart in u whose changes are all
// to environment variables inPlace accepts; the instance's Reasons stay
// (they name the variables). prev and next are the specs u compares. A
// nil inPlace, or a refused update, leaves u as it is.
func (u *Update) InPlace(prev, next *ServiceSpec, inPlace InPlaceFunc) {
	if inPlace == nil || !u.Allowed() {
		return
	}
	inPlacePods := map[string]bool{}
	for i := range next.Pods {
		np := &next.Pods[i]
		op := prev.Pod(np.Name)
		if op == nil {
			continue
		}
		masked := maskInPlace(op, np, inPlace)
		var scratch Update
		if len(podDiff(op, &masked, &scratch)) == 0 {
			inPlacePods[np.Name] = true
		}
	}
	for i := range u.Instances {
		iu := &u.Instances[i]
		if iu.Action == ActionRestart && inPlacePods[iu.Pod] {
			iu.Action = ActionInPlace
		}
	}
}

// maskInPlace is np with the values of the environment variables inPlace
// accepts put back to op's: what is left differs from op only where a
// restart is needed.
func maskInPlace(op, np *PodSpec, inPlace InPlaceFunc) PodSpec {
	out := *np
	out.Tasks = slices.Clone(np.Tasks)
	for i := range out.Tasks {
		t := &out.Tasks[i]
		ot := op.Task(t.Name)
		if ot == nil {
			continue
		}
		env := maps.Clone(t.Env)
		if env == nil {
			env = map[string]string{}
		}
		keys := map[string]bool{}
		for k := range ot.Env {
			keys[k] = true
		}
		for k := range t.Env {
			keys[k] = true
		}
		for k := range keys {
			oldV, hadOld := ot.Env[k]
			newV := t.Env[k]
			if oldV == newV || !inPlace(np.Name, t.Name, k, oldV, newV) {
				continue
			}
			if hadOld {
				env[k] = oldV
			} else {
				delete(env, k)
			}
		}
		if len(env) == 0 && ot.Env == nil {
			env = nil
		}
		t.Env = env
	}
	return out
}
