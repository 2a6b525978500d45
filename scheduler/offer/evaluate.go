package offer

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/servicespec/placement"
)

// Evaluate tries the offers in order and returns the first match, or the
// reasons each offer was refused. Offers are not modified.
func Evaluate(req Request, offers []mesos.Offer) (Match, []Refusal, bool) {
	e, err := newEvaluation(req)
	if err != nil {
		refusals := make([]Refusal, len(offers))
		for i, o := range offers {
			refusals[i] = Refusal{OfferID: o.ID.Value, Hostname: o.Hostname, Reasons: []string{err.Error()}}
		}
		return Match{}, refusals, false
	}
	var refusals []Refusal
	for _, o := range offers {
		m, reasons := e.offer(o)
		if len(reasons) == 0 {
			return m, refusals, true
		}
		refusals = append(refusals, Refusal{OfferID: o.ID.Value, Hostname: o.Hostname, Reasons: reasons})
	}
	return Match{}, refusals, false
}

// evaluation is what a request needs, worked out once for all offers.
type evaluation struct {
	req   Request
	fp    map[string]mesos.Resources
	rules placement.Constraints
	slots []slot
}

func newEvaluation(req Request) (*evaluation, error) {
	e := &evaluation{req: req}
	if !req.Permanent {
		e.fp = footprint(req.Existing)
	}
	if req.Pod.Placement != "" {
		rules, err := placement.Parse(req.Pod.Placement)
		if err != nil {
			return nil, err
		}
		e.rules = rules
	}
	if req.LiveExecutor == nil {
		e.slots = append(e.slots, executorSlots(req.Pod)...)
	}
	seen := map[string]bool{}
	for _, name := range req.Tasks {
		t := req.Pod.Task(name)
		if t == nil {
			return nil, fmt.Errorf("the pod has no task %q", name)
		}
		if !seen[ownerOf(t)] { // tasks of one resource set share its resources
			seen[ownerOf(t)] = true
			e.slots = append(e.slots, taskSlots(req.Pod, t)...)
		}
	}
	return e, nil
}

// plan is one offer's evaluation in progress.
type plan struct {
	req        Request
	pool       *pool
	fp         map[string]mesos.Resources
	role       string // our reservation role for the pod
	baseRole   string // the pod's pre-reserved role, or ""
	reserves   mesos.Resources
	unreserves mesos.Resources
	creates    mesos.Resources
	bySlot     map[string]mesos.Resources // the final resources of each slot
	ports      map[string]uint64          // env key -> port
	reasons    []string
}

func (e *evaluation) offer(o mesos.Offer) (Match, []string) {
	req := e.req
	p := &plan{req: req, pool: newPool(o), fp: e.fp, role: reservationRole(req.Role, req.Pod.PreReservedRole), baseRole: req.Pod.PreReservedRole}
	if len(e.fp) == 0 {
		// A new or replaced instance goes wherever its placement allows;
		// one in place goes back to its reservations.
		if err := e.rules.Check(AgentOf(o), req.Placed); err != nil {
			return Match{}, []string{err.Error()}
		}
	}
	slots := e.slots
	if reasons := p.quickCheck(slots); len(reasons) > 0 {
		return Match{}, reasons
	}
	p.bySlot, p.ports = map[string]mesos.Resources{}, map[string]uint64{}
	for _, s := range slots {
		if existing, ok := p.fp[s.key]; ok {
			p.reuse(s, existing)
		} else {
			p.fresh(s)
		}
	}
	if len(p.reasons) > 0 {
		return Match{}, p.reasons
	}
	return p.match(o), nil
}

// AgentOf is what placement rules read of an offer's agent.
func AgentOf(o mesos.Offer) placement.Agent {
	a := placement.Agent{Hostname: o.Hostname, Attributes: map[string]string{}}
	if fd := o.GetDomain().GetFaultDomain(); fd != nil {
		a.Region, a.Zone = fd.Region.Name, fd.Zone.Name
	}
	for _, attr := range o.Attributes {
		switch {
		case attr.Text != nil:
			a.Attributes[attr.Name] = attr.Text.Value
		case attr.Scalar != nil:
			a.Attributes[attr.Name] = fmt.Sprint(attr.Scalar.Value)
		}
	}
	return a
}

// quickCheck refuses, before anything is built, an offer whose
// unreserved cpus, mem or gpus cannot cover the new slots.
func (p *plan) quickCheck(slots []slot) []string {
	need := map[string]float64{}
	for _, s := range slots {
		if _, held := p.fp[s.key]; !held && s.kind == slotScalar {
			need[s.name] += s.amount
		}
	}
	var reasons []string
	for _, name := range []string{"cpus", "mem", "gpus"} {
		if n := need[name]; n > 0 {
			if have := p.pool.available(name, p.baseRole); have < n-1e-9 {
				reasons = append(reasons, fmt.Sprintf("not enough %s: needs %s, the offer has %g", name, describe(name, n), have))
			}
		}
	}
	return reasons
}

// fresh reserves a slot the instance does not hold yet.
func (p *plan) fresh(s slot) {
	var base mesos.Resource
	var ok bool
	switch s.kind {
	case slotScalar:
		base, ok = p.pool.scalar(s.name, s.amount, p.baseRole)
	case slotPort:
		if s.port != 0 {
			base, ok = p.pool.port(s.port, p.baseRole)
		} else {
			base, ok = p.pool.anyPort(s.ranges, p.baseRole)
		}
	case slotRootVolume:
		base, ok = p.pool.scalar("disk", s.amount, p.baseRole)
	case slotMountVolume:
		base, ok = p.pool.mount(s.amount, p.baseRole)
	}
	if !ok {
		p.reasons = append(p.reasons, p.shortage(s))
		return
	}
	r := reserve(base, p.req.Identity, p.role, p.req.NewID(), s.key)
	p.reserves = append(p.reserves, r)
	if s.kind == slotRootVolume || s.kind == slotMountVolume {
		r = withVolume(r, p.req.NewID(), p.req.Principal, s.path)
		p.creates = append(p.creates, r)
	}
	p.settle(s, mesos.Resources{r})
}

// reuse finds a slot's reservation in the offer, resizing a scalar whose
// size changed.
func (p *plan) reuse(s slot, existing mesos.Resources) {
	id := resourceID(existing[0])
	got, ok := p.pool.reserved(id)
	if !ok {
		p.reasons = append(p.reasons, fmt.Sprintf("the offer does not hold the reserved %s of %s-%d", s.key, p.req.Pod.Name, p.req.Index))
		return
	}
	if s.kind == slotScalar {
		got = p.resize(s, got)
	}
	if s.kind == slotPort && s.port != 0 && portOf(got) != s.port {
		// A static port changed: release the old one, reserve the new.
		p.unreserves = append(p.unreserves, got...)
		p.fresh(s)
		return
	}
	p.settle(s, got)
}

// resize reserves or unreserves the difference between a reserved scalar
// and the slot's new size, under the same labels.
func (p *plan) resize(s slot, got mesos.Resources) mesos.Resources {
	have := 0.0
	for _, r := range got {
		have += scalarOf(r)
	}
	diff := s.amount - have
	if diff > -1e-9 && diff < 1e-9 {
		return got
	}
	delta := got[0]
	if diff > 0 {
		if _, ok := p.pool.scalar(s.name, diff, p.baseRole); !ok {
			p.reasons = append(p.reasons, p.shortage(slot{name: s.name, amount: diff}))
			return got
		}
		delta.Scalar = &mesos.Value_Scalar{Value: diff}
		p.reserves = append(p.reserves, delta)
	} else {
		delta.Scalar = &mesos.Value_Scalar{Value: -diff}
		p.unreserves = append(p.unreserves, delta)
	}
	final := got[0]
	final.Scalar = &mesos.Value_Scalar{Value: s.amount}
	return mesos.Resources{final}
}

func (p *plan) settle(s slot, rs mesos.Resources) {
	p.bySlot[s.key] = rs
	if s.kind == slotPort {
		p.ports[s.envKey] = portOf(rs)
	}
}

func portOf(rs mesos.Resources) uint64 {
	for _, r := range rs {
		for _, rg := range r.GetRanges().GetRange() {
			return rg.Begin
		}
	}
	return 0
}

// shortage explains what the offer lacks for a slot.
func (p *plan) shortage(s slot) string {
	switch s.kind {
	case slotPort:
		if s.port != 0 {
			return fmt.Sprintf("port %d is not offered", s.port)
		}
		return "no port is free in the offered ranges"
	case slotMountVolume:
		return fmt.Sprintf("no MOUNT disk of %g MB or more", s.amount)
	}
	have := p.pool.available(s.name, p.baseRole)
	return fmt.Sprintf("not enough %s: needs %s, the offer has %g", s.name, describe(s.name, s.amount), have)
}

// withVolume makes a reserved disk a persistent volume at path (a new
// value: r's disk info is copied, not changed).
func withVolume(r mesos.Resource, persistenceID, principal, path string) mesos.Resource {
	c := r
	d := mesos.Resource_DiskInfo{}
	if c.Disk != nil {
		d = *c.Disk
	}
	d.Persistence = &mesos.Resource_DiskInfo_Persistence{ID: persistenceID, Principal: proto.String(principal)}
	d.Volume = &mesos.Volume{ContainerPath: path, Mode: mesos.RW.Enum()}
	c.Disk = &d
	return c
}

// match assembles the operations and TaskInfos of a successful evaluation.
func (p *plan) match(o mesos.Offer) Match {
	m := Match{Offer: o}
	if len(p.reserves) > 0 {
		m.Operations = append(m.Operations, mesos.Offer_Operation{Type: mesos.Offer_Operation_RESERVE,
			Reserve: &mesos.Offer_Operation_Reserve{Resources: p.reserves}})
	}
	if len(p.unreserves) > 0 {
		m.Operations = append(m.Operations, mesos.Offer_Operation{Type: mesos.Offer_Operation_UNRESERVE,
			Unreserve: &mesos.Offer_Operation_Unreserve{Resources: p.unreserves}})
	}
	if len(p.creates) > 0 {
		m.Operations = append(m.Operations, mesos.Offer_Operation{Type: mesos.Offer_Operation_CREATE,
			Create: &mesos.Offer_Operation_Create{Volumes: p.creates}})
	}
	ex := p.executor(o)
	for _, name := range p.req.Tasks {
		info := p.task(p.req.Pod.Task(name), o, ex)
		group := info
		group.Executor = nil
		m.Operations = append(m.Operations, mesos.Offer_Operation{Type: mesos.Offer_Operation_LAUNCH_GROUP,
			LaunchGroup: &mesos.Offer_Operation_LaunchGroup{Executor: ex, TaskGroup: mesos.TaskGroupInfo{Tasks: []mesos.TaskInfo{group}}}})
		m.Tasks = append(m.Tasks, info)
	}
	return m
}

// ownedBy collects the final resources of an owner's slots, in slot order.
func (p *plan) ownedBy(owner string) mesos.Resources {
	var out mesos.Resources
	for _, key := range slices.Sorted(maps.Keys(p.bySlot)) {
		if strings.HasPrefix(key, owner+"/") || (owner == executorOwner && strings.HasPrefix(key, "volume:")) {
			out = append(out, p.bySlot[key]...)
		}
	}
	return out
}
