package offer

import (
	"fmt"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// pool is what is left of an offer while a request takes from it. It
// keeps its own amounts instead of doing protobuf arithmetic: the offer's
// resources are read, never modified, and the resources it hands out are
// new values that share only immutable parts of the offer's.
type pool struct {
	entries []entry
	role    string // the offer's allocation role
}

// entry is one offered resource and what is left of it.
type entry struct {
	r      *mesos.Resource
	amount float64             // scalars
	ranges []mesos.Value_Range // ports
	used   bool                // MOUNT disks and reserved resources are taken whole
}

func newPool(o mesos.Offer) *pool {
	p := &pool{role: o.GetAllocationInfo().GetRole(), entries: make([]entry, len(o.Resources))}
	for i := range o.Resources {
		r := &o.Resources[i]
		p.entries[i] = entry{r: r, amount: r.GetScalar().GetValue(), ranges: r.GetRanges().GetRange()}
	}
	return p
}

// baseReservations is the reservation stack of what a pod may reserve:
// nothing, or the static reservation of its pre-reserved role.
func baseReservations(baseRole string) []mesos.Resource_ReservationInfo {
	if baseRole == "" || baseRole == "*" {
		return nil
	}
	t := mesos.Resource_ReservationInfo_STATIC
	return []mesos.Resource_ReservationInfo{{Type: &t, Role: proto.String(baseRole)}}
}

// plain reports whether e is an unused, unreserved (or statically
// pre-reserved) resource of that name without disk source or volume.
func (e *entry) plain(name string, base []mesos.Resource_ReservationInfo) bool {
	return !e.used && e.r.Name == name && e.r.GetDisk() == nil && e.r.Revocable == nil && e.r.Shared == nil &&
		sameReservations(e.r.Reservations, base)
}

// fresh is a new resource value carrying e's identity (name, type,
// allocation, reservations, disk) without its amount.
func (e *entry) fresh() mesos.Resource {
	return mesos.Resource{Name: e.r.Name, Type: e.r.Type, AllocationInfo: e.r.AllocationInfo,
		Reservations: e.r.Reservations[:len(e.r.Reservations):len(e.r.Reservations)], Disk: e.r.Disk}
}

// scalar takes amount of an unreserved scalar (a ROOT disk for "disk").
func (p *pool) scalar(name string, amount float64, baseRole string) (mesos.Resource, bool) {
	base := baseReservations(baseRole)
	for i := range p.entries {
		e := &p.entries[i]
		if e.plain(name, base) && e.amount >= amount-1e-9 {
			e.amount -= amount
			r := e.fresh()
			r.Scalar = &mesos.Value_Scalar{Value: amount}
			return r, true
		}
	}
	return mesos.Resource{}, false
}

// port takes port number n, unreserved.
func (p *pool) port(n uint64, baseRole string) (mesos.Resource, bool) {
	base := baseReservations(baseRole)
	for i := range p.entries {
		e := &p.entries[i]
		if !e.plain("ports", base) {
			continue
		}
		for j, rg := range e.ranges {
			if n < rg.Begin || n > rg.End {
				continue
			}
			rest := append([]mesos.Value_Range(nil), e.ranges[:j]...)
			if rg.Begin < n {
				rest = append(rest, mesos.Value_Range{Begin: rg.Begin, End: n - 1})
			}
			if n < rg.End {
				rest = append(rest, mesos.Value_Range{Begin: n + 1, End: rg.End})
			}
			e.ranges = append(rest, e.ranges[j+1:]...)
			r := e.fresh()
			r.Ranges = &mesos.Value_Ranges{Range: []mesos.Value_Range{{Begin: n, End: n}}}
			return r, true
		}
	}
	return mesos.Resource{}, false
}

// anyPort takes the lowest unreserved port within the allowed ranges (all
// ports if none).
func (p *pool) anyPort(allowed []mesos.Value_Range, baseRole string) (mesos.Resource, bool) {
	base := baseReservations(baseRole)
	best, found := uint64(0), false
	for i := range p.entries {
		e := &p.entries[i]
		if !e.plain("ports", base) {
			continue
		}
		for _, rg := range e.ranges {
			if n, ok := lowestAllowed(rg, allowed); ok && (!found || n < best) {
				best, found = n, true
			}
		}
	}
	if !found {
		return mesos.Resource{}, false
	}
	return p.port(best, baseRole)
}

// lowestAllowed is the lowest port of rg within allowed (any if empty).
func lowestAllowed(rg mesos.Value_Range, allowed []mesos.Value_Range) (uint64, bool) {
	if len(allowed) == 0 {
		return rg.Begin, true
	}
	best, found := uint64(0), false
	for _, a := range allowed {
		lo, hi := max(rg.Begin, a.Begin), min(rg.End, a.End)
		if lo <= hi && (!found || lo < best) {
			best, found = lo, true
		}
	}
	return best, found
}

// mount takes a whole unreserved MOUNT disk of at least size MB, the
// smallest that fits.
func (p *pool) mount(size float64, baseRole string) (mesos.Resource, bool) {
	base := baseReservations(baseRole)
	var best *entry
	for i := range p.entries {
		e := &p.entries[i]
		if e.used || e.r.Name != "disk" || e.r.GetDisk().GetSource().GetType() != mesos.Resource_DiskInfo_Source_MOUNT ||
			e.r.GetDisk().GetPersistence() != nil || !sameReservations(e.r.Reservations, base) {
			continue
		}
		if e.amount >= size && (best == nil || e.amount < best.amount) {
			best = e
		}
	}
	if best == nil {
		return mesos.Resource{}, false
	}
	best.used = true
	r := best.fresh()
	r.Scalar = &mesos.Value_Scalar{Value: best.amount}
	return r, true
}

// reserved takes the reserved resources carrying resource id (several
// when a slot's ranges are split).
func (p *pool) reserved(id string) (mesos.Resources, bool) {
	var found mesos.Resources
	for i := range p.entries {
		e := &p.entries[i]
		if !e.used && resourceID(*e.r) == id {
			e.used = true
			found = append(found, *e.r)
		}
	}
	return found, len(found) > 0
}

// available sums the unreserved amount of a scalar left in the pool.
func (p *pool) available(name string, baseRole string) float64 {
	base := baseReservations(baseRole)
	have := 0.0
	for i := range p.entries {
		if e := &p.entries[i]; e.plain(name, base) {
			have += e.amount
		}
	}
	return have
}

func sameReservations(a, b []mesos.Resource_ReservationInfo) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].GetRole() != b[i].GetRole() || a[i].GetType() != b[i].GetType() {
			return false
		}
	}
	return true
}

// labelOf returns the value of key in the resource's own (top)
// reservation.
func labelOf(r mesos.Resource, key string) string {
	n := len(r.Reservations)
	if n == 0 {
		return ""
	}
	for _, l := range r.Reservations[n-1].GetLabels().GetLabels() {
		if l.Key == key {
			return l.GetValue()
		}
	}
	return ""
}

func resourceID(r mesos.Resource) string { return labelOf(r, LabelResourceID) }

// reserve pushes our dynamic reservation onto r (a fresh value whose
// reservation stack may be shared: it is copied, not appended to).
func reserve(r mesos.Resource, id Identity, role, resourceID, slot string) mesos.Resource {
	c := r
	t := mesos.Resource_ReservationInfo_DYNAMIC
	c.Reservations = append(append([]mesos.Resource_ReservationInfo(nil), r.Reservations...), mesos.Resource_ReservationInfo{
		Type: &t, Role: proto.String(role), Principal: proto.String(id.Principal),
		Labels: &mesos.Labels{Labels: []mesos.Label{
			{Key: LabelResourceID, Value: proto.String(resourceID)},
			{Key: LabelFrameworkID, Value: proto.String(id.FrameworkID)},
			{Key: LabelSlot, Value: proto.String(slot)},
		}},
	})
	return c
}

// reservationRole is the role our reservations of a pod use: the service
// role, refined under the pod's pre-reserved role if it has one.
func reservationRole(role, preReserved string) string {
	if preReserved == "" || preReserved == "*" {
		return role
	}
	return preReserved + "/" + role
}

func scalarOf(r mesos.Resource) float64 { return r.GetScalar().GetValue() }

func describe(name string, amount float64) string {
	switch name {
	case "mem", "disk":
		return fmt.Sprintf("%g MB of %s", amount, name)
	}
	return fmt.Sprintf("%g %s", amount, name)
}
