package scheduler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler/offer"
)

// remainder is the offer o as Mesos's master leaves it after applying ops
// in order — RESERVE turns unreserved resources into reserved ones,
// CREATE reserved disk into a volume, LAUNCH and LAUNCH_GROUP consume
// their tasks' and executor's resources — so that further pods can be
// launched into what is left of the same offer. ok is false when an
// operation takes something the offer does not hold as this model sees
// it (another operation type, an executor already running, resources
// that do not subtract): then nothing more may be launched on the offer,
// as before one pod per offer.
func remainder(o mesos.Offer, ops []mesos.Offer_Operation) (mesos.Offer, bool) {
	// One copy of the offer's resources, changed in place: Minus and Plus
	// would copy all of them for every resource an operation takes. What
	// is added is copied, as the operations' resources go to Mesos.
	res := mesos.Resources(o.Resources).Clone()
	take := func(rs []mesos.Resource) bool {
		for _, r := range rs {
			if !holds(res, r) {
				return false
			}
			res.Subtract1(r)
		}
		return true
	}
	add := func(r mesos.Resource) { res.Add1(*proto.Clone(&r).(*mesos.Resource)) }
	for _, op := range ops {
		switch op.Type {
		case mesos.Offer_Operation_RESERVE:
			for _, r := range op.GetReserve().GetResources() {
				if !take([]mesos.Resource{unreservedForm(r)}) {
					return o, false
				}
				add(r)
			}
		case mesos.Offer_Operation_CREATE:
			for _, r := range op.GetCreate().GetVolumes() {
				plain := *proto.Clone(&r).(*mesos.Resource)
				plain.Disk.Persistence, plain.Disk.Volume = nil, nil
				if plain.Disk.Source == nil {
					plain.Disk = nil
				}
				if !take([]mesos.Resource{plain}) {
					return o, false
				}
				add(r)
			}
		case mesos.Offer_Operation_LAUNCH_GROUP:
			lg := op.GetLaunchGroup()
			if !take(lg.Executor.Resources) {
				return o, false
			}
			for _, t := range lg.TaskGroup.Tasks {
				if !take(t.Resources) {
					return o, false
				}
			}
		case mesos.Offer_Operation_LAUNCH:
			for _, t := range op.GetLaunch().GetTaskInfos() {
				if !take(t.Resources) || t.Executor != nil && !take(t.Executor.Resources) {
					return o, false
				}
			}
		default:
			return o, false
		}
	}
	o.Resources = res
	return o, true
}

// holds reports whether one of res contains r.
func holds(res mesos.Resources, r mesos.Resource) bool {
	for _, have := range res {
		if have.Contains(r) {
			return true
		}
	}
	return false
}

// unreservedForm is r with its last reservation popped: what RESERVE
// takes from the offer.
func unreservedForm(r mesos.Resource) mesos.Resource {
	u := *proto.Clone(&r).(*mesos.Resource)
	if n := len(u.Reservations); n > 0 {
		u.Reservations = u.Reservations[:n-1]
	}
	if len(u.Reservations) == 0 {
		u.Reservations = nil
	}
	return u
}

// maxLaunchBatch caps the bytes an OFFERS event's launches write: once a
// batch holds this much, further launches wait for the next offers.
const maxLaunchBatch = 512 << 10

// misfits remembers, within one OFFERS event, the fresh launches (new pod
// instances, nothing reserved yet, no home agent) that no offer fits, so
// that the next instances of the same pod and tasks are not evaluated
// against every offer again: until a launch changes the offers or the
// placed instances, the answer would be the same. In a large deploy,
// once the offers are used up, every waiting instance would otherwise
// try every offer.
type misfits struct {
	launches int // launches decided so far in the event
	refused  map[string]misfit
}

type misfit struct {
	launches int
	refusals []offer.Refusal
}

// misfitKey is what makes two fresh launch requests alike; fresh is false
// for a request tied to what an instance holds.
func misfitKey(st *plans.Step, req offer.Request, home string) (string, bool) {
	if req.Existing != nil || req.LiveExecutor != nil || home != "" {
		return "", false
	}
	return fmt.Sprintf("%s\x00%s\x00%t", st.Pod, strings.Join(st.Tasks, ","), req.Permanent), true
}

// lookup returns the refusals of an alike request that failed since the
// last launch.
func (k *misfits) lookup(key string, fresh bool) ([]offer.Refusal, bool) {
	if !fresh {
		return nil, false
	}
	m, ok := k.refused[key]
	if !ok || m.launches != k.launches {
		return nil, false
	}
	return slices.Clone(m.refusals), true
}

func (k *misfits) remember(key string, fresh bool, refusals []offer.Refusal) {
	if !fresh {
		return
	}
	if k.refused == nil {
		k.refused = map[string]misfit{}
	}
	k.refused[key] = misfit{launches: k.launches, refusals: slices.Clone(refusals)}
}

func (k *misfits) launched() { k.launches++ }
