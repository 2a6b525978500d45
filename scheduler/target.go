package scheduler

import (
	"fmt"
	"maps"
	"slices"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/scheduler/offer"
	"github.com/kennel-sdk/kennel/scheduler/record"
	"github.com/kennel-sdk/kennel/servicespec"
)

// Stored is what target resolution reads of the store.
type Stored struct {
	Target  string
	Configs map[string][]byte // canonical JSON by id
	Tasks   map[string]record.Task
}

// Target is the outcome of resolving a candidate spec against the store.
type Target struct {
	Spec     *servicespec.ServiceSpec
	ConfigID string
	// Errors are the reasons the candidate was refused; the old target
	// stays and the deploy plan shows them.
	Errors []string
	// Notices are allowed changes that do not apply everywhere.
	Notices []string
	// InPlace are the pod instances the update changes in place (see
	// servicespec.ActionInPlace): their tasks keep running, recorded as
	// running the new target, and the service applies the change.
	InPlace []string
	// Batch stores the new target, relabels the tasks whose pod instance
	// does not change (so they are not restarted) and deletes the
	// configurations nothing uses any more.
	Batch *record.Batch
	// Tasks are the task records after the batch.
	Tasks map[string]record.Task
	// Decommissioned are the pod instances the new target removes (count
	// lowered, pod type removed), by name.
	Decommissioned []string
}

// ResolveTarget decides the target configuration when the scheduler
// starts with candidate (DC/OS Commons' DefaultConfigurationUpdater): the
// first spec becomes the target; a changed spec replaces it if
// servicespec.CompareUpdate allows, and the tasks of instances it does not
// change, or changes only in place (inPlace, which may be nil: see
// servicespec.Update.InPlace), are moved to the new configuration; a
// refused one leaves the store as it is and becomes plan errors.
func ResolveTarget(s Stored, candidate *servicespec.ServiceSpec, inPlace servicespec.InPlaceFunc) (Target, error) {
	t := Target{Spec: candidate, ConfigID: candidate.ID(), Batch: &record.Batch{}, Tasks: map[string]record.Task{}}
	for k, v := range s.Tasks {
		t.Tasks[k] = v
	}
	if s.Target == "" {
		t.store(candidate)
		return t, nil
	}
	data, ok := s.Configs[s.Target]
	if !ok {
		return t, fmt.Errorf("scheduler: the target configuration %s is missing from the store", s.Target)
	}
	old, err := servicespec.Decode(s.Target, data)
	if err != nil {
		return t, fmt.Errorf("scheduler: the stored target configuration %s: %w", s.Target, err)
	}
	if s.Target == t.ConfigID {
		t.cleanup(s)
		return t, nil
	}
	u := servicespec.CompareUpdate(old, candidate)
	u.InPlace(old, candidate, inPlace)
	t.Notices = u.Notices
	if !u.Allowed() {
		t.Spec, t.ConfigID = old, s.Target
		for _, v := range u.Forbidden {
			t.Errors = append(t.Errors, v.String())
		}
		return t, nil
	}
	t.store(candidate)
	unchanged := map[string]bool{}
	for _, iu := range u.Instances {
		switch iu.Action {
		case servicespec.ActionNone:
			unchanged[iu.Instance] = true
		case servicespec.ActionDecommission:
			t.Decommissioned = append(t.Decommissioned, iu.Instance)
		case servicespec.ActionInPlace:
			unchanged[iu.Instance] = true
			t.InPlace = append(t.InPlace, iu.Instance)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(t.Tasks)) {
		rec := t.Tasks[name]
		var info mesos.TaskInfo
		if err := proto.Unmarshal(rec.Info, &info); err != nil {
			return t, fmt.Errorf("scheduler: task %s: %w", name, err)
		}
		inst := label(&info, offer.LabelTaskType) + "-" + label(&info, offer.LabelIndex)
		if !unchanged[inst] || label(&info, offer.LabelTargetConfig) == t.ConfigID {
			continue
		}
		info.Labels = setLabel(info.Labels, offer.LabelTargetConfig, t.ConfigID)
		rec.Info, _ = proto.Marshal(&info)
		t.Tasks[name] = t.Batch.PutTask(name, rec)
	}
	t.cleanup(s)
	return t, nil
}

func (t *Target) store(spec *servicespec.ServiceSpec) {
	t.Batch.PutConfig(t.ConfigID, spec.CanonicalJSON())
	t.Batch.SetTarget(t.ConfigID)
}

// cleanup deletes the configurations neither the target nor a task uses.
func (t *Target) cleanup(s Stored) {
	used := map[string]bool{t.ConfigID: true}
	for _, rec := range t.Tasks {
		if id, err := storedLabel(rec.Info, offer.LabelTargetConfig); err == nil {
			used[id] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(s.Configs)) {
		if !used[id] {
			t.Batch.DeleteConfig(id)
		}
	}
}

// RefuseTarget is the Target of a candidate refused for reasons a service
// gives (a guard of the instances it would decommission): the stored
// target stays, as for a change servicespec.CompareUpdate forbids, and the
// deploy plan shows the reasons.
func RefuseTarget(s Stored, reasons []string) (Target, error) {
	t := Target{ConfigID: s.Target, Errors: reasons, Batch: &record.Batch{}, Tasks: map[string]record.Task{}}
	for k, v := range s.Tasks {
		t.Tasks[k] = v
	}
	data, ok := s.Configs[s.Target]
	if !ok {
		return t, fmt.Errorf("scheduler: the target configuration %s is missing from the store", s.Target)
	}
	old, err := servicespec.Decode(s.Target, data)
	if err != nil {
		return t, fmt.Errorf("scheduler: the stored target configuration %s: %w", s.Target, err)
	}
	t.Spec = old
	return t, nil
}

// StoredView is where the stored tasks are placed, as EnvView shows it to
// a service's code before the core runs (a guard of an update).
func StoredView(service string, tasks map[string]record.Task) (EnvView, error) {
	v := EnvView{Service: service, Counts: map[string]int{}, Placed: map[string]PlacedTask{}}
	for _, name := range slices.Sorted(maps.Keys(tasks)) {
		t, _, err := decodeTask(name, tasks[name])
		if err != nil {
			return v, fmt.Errorf("scheduler: task %s: %w", name, err)
		}
		if t.head.id == "" || t.permanentlyFailed() || t.goal == goalDecommissioned {
			continue
		}
		v.Placed[name] = placedStored(t)
	}
	return v, nil
}
