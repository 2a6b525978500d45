package scheduler

import (
	"maps"
	"slices"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler/offer"
)

// This file releases reservations: those no task claims, those a
// decommission releases, and the footprint of a pod being replaced.

// instanceReleases are the reservations the decommission of st's pod
// instance releases: once its tasks are killed, all of them go in the
// first offer that holds them, not one per offer as its serial unreserve
// steps are listed.
func (c *Core) instanceReleases(st *plans.Step) []string {
	ids := []string{st.Resource}
	p := c.set.Plan(plans.DecommissionPlan)
	if p == nil {
		return ids
	}
	for _, ph := range p.Phases {
		for _, other := range ph.Steps {
			if other.Kind == plans.StepUnreserve && other.Instance() == st.Instance() && other != st {
				ids = append(ids, other.Resource)
			}
		}
	}
	return ids
}

// releaseUnclaimed decides, offer by offer, the release (DESTROY, then
// UNRESERVE) of our reservations that no task claims, that decommission
// steps release (release), or that a pod being replaced holds: as in DC/OS
// Commons, a permanently failed footprint is released before its
// replacement is placed, so the replacement may reuse its disk. The task
// records stop naming the released resources in the same batch, before
// the ACCEPT. It returns every offer as the releases leave it.
func (c *Core) releaseUnclaimed(d *Decisions, offers []mesos.Offer, release map[string]bool, now time.Time) []*offerWork {
	replacing := c.replacedInstances()
	claimed := map[string]bool{}
	for _, t := range c.tasks {
		if len(replacing) > 0 && replacing[t.instance()] {
			continue
		}
		for _, id := range t.resourceIDs() {
			claimed[id] = !release[id]
		}
	}
	out := make([]*offerWork, 0, len(offers))
	for _, o := range offers {
		ops, ids := offer.Unexpected(o, c.frameworkID, func(id string) bool { return claimed[id] })
		w := &offerWork{offer: o}
		out = append(out, w)
		if len(ops) == 0 {
			continue
		}
		c.forgetResources(d, ids, now)
		w.ops = ops
		w.offer = released(o, ids)
		c.sweep(now)
	}
	return out
}

// replacedInstances are the pod instances being replaced whose tasks have
// all stopped: a task is permanently failed and none is live, so their
// footprint may be released.
func (c *Core) replacedInstances() map[string]bool {
	out := map[string]bool{}
	for _, t := range c.tasks {
		if t.permanentlyFailed() {
			out[t.instance()] = true
		}
	}
	// Only the instances being replaced are looked into (their tasks by
	// the instance index), not every task.
	for inst := range out {
		for _, t := range c.instanceTasks(inst) {
			if t.live() {
				delete(out, inst)
				break
			}
		}
	}
	return out
}

// released is the offer o after the release of the resources ids: their
// volumes destroyed and our reservation popped, as Mesos applies DESTROY
// and UNRESERVE.
func released(o mesos.Offer, ids []string) mesos.Offer {
	gone := map[string]bool{}
	for _, id := range ids {
		gone[id] = true
	}
	var res mesos.Resources
	for _, r := range o.Resources {
		if !gone[resourceIDOf(r)] {
			res = res.Plus(r)
			continue
		}
		u := *proto.Clone(&r).(*mesos.Resource)
		if u.Disk != nil {
			u.Disk.Persistence, u.Disk.Volume = nil, nil
			if u.Disk.Source == nil {
				u.Disk = nil
			}
		}
		if n := len(u.Reservations); n > 0 {
			u.Reservations = u.Reservations[:n-1]
		}
		if len(u.Reservations) == 0 {
			u.Reservations = nil
		}
		res = res.Plus(u)
	}
	o.Resources = res
	return o
}

// forgetResources drops released resources from the task records that
// hold them, so that decommission's unreserve steps complete; the plans
// see the change at now.
func (c *Core) forgetResources(d *Decisions, ids []string, now time.Time) {
	gone := map[string]bool{}
	for _, id := range ids {
		gone[id] = true
	}
	for _, name := range slices.Sorted(maps.Keys(c.tasks)) {
		t := c.tasks[name]
		if !slices.ContainsFunc(t.resourceIDs(), func(id string) bool { return gone[id] }) {
			continue
		}
		keep := func(rs []mesos.Resource) []mesos.Resource {
			var out []mesos.Resource
			for _, r := range rs {
				if !gone[resourceIDOf(r)] {
					out = append(out, r)
				}
			}
			return out
		}
		next := t.withInfo(func(info *mesos.TaskInfo) {
			info.Resources = keep(info.Resources)
			if info.Executor != nil {
				info.Executor.Resources = keep(info.Executor.Resources)
			}
		})
		c.put(d, next)
		c.set.UpdateTask(*c.planTask(next), now)
	}
}

func resourceIDOf(r mesos.Resource) string {
	ids := offer.ResourceIDs(&mesos.TaskInfo{Resources: []mesos.Resource{r}})
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}
