package scheduler

import (
	"maps"
	"slices"
)

// instanceIndex holds the stored tasks of each pod instance, by instance
// name ("<pod>-<index>"), so that a step finds its instance's tasks
// without reading every task. Core keeps it beside Core.tasks: put, erase
// and New change both.
type instanceIndex map[string]*instanceEntry

// instanceEntry is one pod instance's tasks, by spec name.
type instanceEntry struct {
	pod   string
	tasks map[string]*task
}

// add indexes t (replacing the task of the same spec name).
func (x instanceIndex) add(t *task) {
	inst := t.instance()
	e := x[inst]
	if e == nil {
		e = &instanceEntry{pod: t.pod(), tasks: map[string]*task{}}
		x[inst] = e
	}
	e.tasks[t.specName()] = t
}

// remove forgets t, and its instance once it has no task left.
func (x instanceIndex) remove(t *task) {
	inst := t.instance()
	e := x[inst]
	if e == nil {
		return
	}
	spec := t.specName()
	if e.tasks[spec] == t {
		delete(e.tasks, spec)
	}
	if len(e.tasks) == 0 {
		delete(x, inst)
	}
}

// ofPod are the names of the pod type's instances that have tasks, in
// order.
func (x instanceIndex) ofPod(pod string) []string {
	var out []string
	for _, inst := range slices.Sorted(maps.Keys(x)) {
		if x[inst].pod == pod {
			out = append(out, inst)
		}
	}
	return out
}
