package offer

import (
	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// Unexpected returns the operations that release the resources of an
// offer reserved by this framework (framework_id label) whose resource_id
// claimed does not hold: DESTROY of persistent volumes, then UNRESERVE. It
// also returns the ids released. Resources of other frameworks and
// unlabelled reservations are left alone.
func Unexpected(o mesos.Offer, frameworkID string, claimed func(resourceID string) bool) ([]mesos.Offer_Operation, []string) {
	var destroy, unreserve mesos.Resources
	var ids []string
	seen := map[string]bool{}
	for _, r := range o.Resources {
		id := resourceID(r)
		if id == "" || labelOf(r, LabelFrameworkID) != frameworkID || claimed(id) {
			continue
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
		if r.GetDisk().GetPersistence() != nil {
			destroy = append(destroy, r)
			r = *proto.Clone(&r).(*mesos.Resource)
			r.Disk.Persistence, r.Disk.Volume = nil, nil
			if r.Disk.Source == nil {
				r.Disk = nil
			}
		}
		unreserve = append(unreserve, r)
	}
	var ops []mesos.Offer_Operation
	if len(destroy) > 0 {
		ops = append(ops, mesos.Offer_Operation{Type: mesos.Offer_Operation_DESTROY, Destroy: &mesos.Offer_Operation_Destroy{Volumes: destroy}})
	}
	if len(unreserve) > 0 {
		ops = append(ops, mesos.Offer_Operation{Type: mesos.Offer_Operation_UNRESERVE, Unreserve: &mesos.Offer_Operation_Unreserve{Resources: unreserve}})
	}
	return ops, ids
}

// ResourceIDs lists the resource ids a TaskInfo holds, its executor's
// included.
func ResourceIDs(info *mesos.TaskInfo) []string {
	var ids []string
	seen := map[string]bool{}
	add := func(rs []mesos.Resource) {
		for _, r := range rs {
			if id := resourceID(r); id != "" && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	add(info.Resources)
	if info.Executor != nil {
		add(info.Executor.Resources)
	}
	return ids
}

// Hold returns the ids of the resources the offer holds.
func Hold(o mesos.Offer) map[string]bool {
	out := map[string]bool{}
	for _, r := range o.Resources {
		if id := resourceID(r); id != "" {
			out[id] = true
		}
	}
	return out
}
