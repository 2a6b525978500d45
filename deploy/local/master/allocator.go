package master

import (
	"sort"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

// offer is an outstanding offer: resources of one agent held for one
// framework and role until accepted, declined or rescinded.
type offer struct {
	frameworkID string
	agentID     string
	role        string
	resources   mesos.Resources // post-refinement format, with allocation info
}

// Minimum allocatable resources (Mesos's --min_allocatable_resources
// default "cpus:0.01|mem:32"): an agent is offered only if what it has left
// for a framework holds at least one of these.
const (
	minCPUs = 0.01
	minMem  = 32
)

// allocate makes an offer to every subscribed, unsuppressed framework for
// every registered agent with resources available to its role and not
// covered by a decline filter.
//
// It runs every allocation interval, and at once only when a framework
// subscribes or revives and when an agent registers, as Mesos 1.11's
// hierarchical allocator does (generateOffers after addFramework,
// activateFramework, reviveOffers, addSlave). Resources that come back
// (what an ACCEPT leaves, a DECLINE, a task or executor that ended) wait
// for the next interval: Mesos does not allocate on recovering resources
// (its recoverResources installs the filter and returns; MESOS-3078), and
// the local cluster is no more generous, so that a framework that keeps
// up here keeps up on Mesos.
func (m *Master) allocate() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.recoveringLocked() {
		return
	}
	now := time.Now()
	for _, f := range m.sortedFrameworks() {
		if f.sub == nil || f.suppressed || f.stalled {
			continue
		}
		var offers []mesos.Offer
		for _, a := range m.sortedAgents() {
			if a.state != agentRegistered {
				continue
			}
			res := m.available(a, f.role)
			if !allocatable(res) {
				continue
			}
			if r := f.filters[a.id]; r != nil {
				if now.Before(r.until) && containsAll(r.resources, res) {
					continue
				}
				delete(f.filters, a.id)
			}
			offers = append(offers, m.makeOffer(f, a, res))
		}
		if len(offers) > 0 {
			m.send(f, &scheduler.Event{Type: scheduler.Event_OFFERS, Offers: &scheduler.Event_Offers{Offers: offers}})
		}
	}
}

// available returns what agent a can offer to role: unreserved resources
// and those reserved to role, less what tasks, executors and other offers
// hold.
func (m *Master) available(a *agent, role string) mesos.Resources {
	if a.free == nil {
		free := minus(a.total, a.used...)
		a.free = &free
	}
	free := cloneResources(*a.free)
	free.Subtract(a.offered...)
	var out mesos.Resources
	for _, r := range free {
		owner := reservationRole(r)
		if owner == "*" || owner == role {
			out = append(out, r)
		}
	}
	return out
}

func allocatable(res mesos.Resources) bool {
	var cpus, mem float64
	for _, r := range res {
		switch r.Name {
		case "cpus":
			cpus += r.GetScalar().GetValue()
		case "mem":
			mem += r.GetScalar().GetValue()
		}
	}
	return cpus >= minCPUs || mem >= minMem
}

func (m *Master) makeOffer(f *framework, a *agent, res mesos.Resources) mesos.Offer {
	id := m.nextID("O")
	allocated := cloneResources(res).Allocate(f.role)
	m.offers[id] = &offer{frameworkID: f.id, agentID: a.id, role: f.role, resources: allocated}
	a.offered = plus(a.offered, res...)
	var executors []mesos.ExecutorID
	for _, e := range f.executors {
		if e.agentID == a.id {
			executors = append(executors, e.info.ExecutorID)
		}
	}
	role := f.role
	return mesos.Offer{
		ID: mesos.OfferID{Value: id}, FrameworkID: mesos.FrameworkID{Value: f.id}, AgentID: mesos.AgentID{Value: a.id},
		Hostname: a.info.Hostname, Resources: toFrameworkFormat(f, allocated), Attributes: a.info.Attributes,
		ExecutorIDs: executors, AllocationInfo: &mesos.Resource_AllocationInfo{Role: &role}, Domain: a.info.Domain,
	}
}

// dropOffer forgets an offer and returns its resources to the agent.
func (m *Master) dropOffer(id string, o *offer) {
	delete(m.offers, id)
	if a := m.agents[o.agentID]; a != nil {
		a.offered = minus(a.offered, cloneResources(o.resources).Unallocate()...)
	}
}

func rescind(offerID string) *scheduler.Event {
	return &scheduler.Event{Type: scheduler.Event_RESCIND, Rescind: &scheduler.Event_Rescind{OfferID: mesos.OfferID{Value: offerID}}}
}

// refuse installs a decline filter for the resources left of an offer. A
// filter of 0 s installs none; a shorter one than the allocation interval
// lasts the interval, as in Mesos (MESOS-4302: a filter outlives the next
// allocation).
func (m *Master) refuse(f *framework, agentID string, res mesos.Resources, d time.Duration) {
	if len(res) == 0 || d <= 0 {
		return
	}
	d = max(d, m.cfg.Timing.AllocationInterval)
	f.filters[agentID] = &refusal{resources: cloneResources(res).Unallocate(), until: time.Now().Add(d)}
}

// release returns resources a task or executor held.
func (m *Master) release(agentID string, res mesos.Resources) {
	if a := m.agents[agentID]; a != nil {
		a.used = minus(a.used, res...)
		a.forgetFree()
	}
}

func (m *Master) sortedFrameworks() []*framework {
	out := make([]*framework, 0, len(m.frameworks))
	for _, f := range m.frameworks {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (m *Master) sortedAgents() []*agent {
	out := make([]*agent, 0, len(m.agents))
	for _, a := range m.agents {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// revive clears f's decline filters and unsuppresses it.
func (m *Master) revive(f *framework) {
	f.filters = map[string]*refusal{}
	f.suppressed = false
	m.allocateSoon()
}

// forgetFree drops a's cached total less used: call it whenever either
// changes.
func (a *agent) forgetFree() { a.free = nil }
