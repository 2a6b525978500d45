package master

import (
	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// The master keeps resources in the post-refinement format: reservations
// as a stack in Resource.reservations, Resource.role and .reservation
// unset. Frameworks without RESERVATION_REFINEMENT see and send the older
// format (role + reservation), converted at the edge.

// containsAll reports whether have holds every resource of want, counting
// quantities (mesos-go's ContainsAll checks each resource alone).
func containsAll(have, want mesos.Resources) bool {
	remaining := cloneResources(have)
	for _, w := range want {
		if w.Validate() != nil {
			return false
		}
		found := false
		for i := range remaining {
			if remaining[i].Contains(w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
		remaining.Subtract1(w)
	}
	return true
}

// reservationRole is the role that owns a resource, "*" if unreserved.
func reservationRole(r mesos.Resource) string {
	if n := len(r.Reservations); n > 0 {
		return r.Reservations[n-1].GetRole()
	}
	return "*"
}

// popReservation returns r with its last reservation removed.
func popReservation(r mesos.Resource) mesos.Resource {
	cr := cloneResource(&r)
	c := &cr
	if n := len(c.Reservations); n > 0 {
		c.Reservations = c.Reservations[:n-1]
	}
	if len(c.Reservations) == 0 {
		c.Reservations = nil
	}
	return *c
}

// toFrameworkFormat converts resources for a framework: unchanged with
// RESERVATION_REFINEMENT, else the pre-refinement format.
func toFrameworkFormat(f *framework, res mesos.Resources) []mesos.Resource {
	if f.refinement() {
		return res
	}
	out := make([]mesos.Resource, len(res))
	for i, r := range res {
		cr := cloneResource(&r)
		c := &cr
		if n := len(c.Reservations); n > 0 {
			top := c.Reservations[n-1]
			role := top.GetRole()
			c.Role = &role
			if top.GetType() == mesos.Resource_ReservationInfo_DYNAMIC {
				c.Reservation = &mesos.Resource_ReservationInfo{Principal: top.Principal, Labels: top.Labels}
			}
			c.Reservations = nil
		} else {
			star := "*"
			c.Role = &star
		}
		out[i] = *c
	}
	return out
}

// fromFrameworkFormat converts resources a framework sent into the
// post-refinement format.
func fromFrameworkFormat(f *framework, res []mesos.Resource) mesos.Resources {
	out := make(mesos.Resources, len(res))
	for i, r := range res {
		cr := cloneResource(&r)
		c := &cr
		if !f.refinement() && len(c.Reservations) == 0 {
			if role := c.GetRole(); role != "*" {
				ri := mesos.Resource_ReservationInfo{Role: &role}
				t := mesos.Resource_ReservationInfo_STATIC
				if c.Reservation != nil {
					t = mesos.Resource_ReservationInfo_DYNAMIC
					ri.Principal, ri.Labels = c.Reservation.Principal, c.Reservation.Labels
				}
				ri.Type = &t
				c.Reservations = []mesos.Resource_ReservationInfo{ri}
			}
		}
		c.Role, c.Reservation = nil, nil
		out[i] = *c
	}
	return out
}

// unallocated returns a copy of res without allocation info.
func unallocated(res []mesos.Resource) mesos.Resources {
	return cloneResources(mesos.Resources(res)).Unallocate()
}
