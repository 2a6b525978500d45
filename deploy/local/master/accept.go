package master

import (
	"fmt"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

// accepted is the state of one ACCEPT while its operations apply, in order
// and not atomically: pool is what remains of the offers.
type accepted struct {
	f          *framework
	a          *agent
	role       string
	pool       mesos.Resources // allocated to role
	checkpoint bool            // total changed: the agent must persist it
}

// accept applies an ACCEPT. Invalid offers fail every operation; an
// invalid operation fails alone (tasks get TASK_ERROR, other operations an
// OPERATION_ERROR if they carry an id, else nothing). What remains of the
// offers is declined with the call's filters.
func (m *Master) accept(f *framework, acc *scheduler.Call_Accept) error {
	if acc == nil {
		return missing("accept")
	}
	st, why := m.takeOffers(f, acc.OfferIDs)
	if why != "" {
		m.failAll(f, acc.Operations, why)
		return nil
	}
	for i := range acc.Operations {
		op := &acc.Operations[i]
		if err := m.applyOperation(st, op); err != nil {
			m.operationFailed(f, op, err)
		}
	}
	if st.checkpoint {
		total := cloneResources(st.a.total)
		conn := st.a.conn
		st.a.out.post(func() { _ = conn.CheckpointResources(total) })
	}
	// What remains goes back to the agent; as in Mesos, it is offered at
	// the next allocation, not at once (see allocate).
	m.refuse(f, st.a.id, st.pool, m.refuseDuration(acc.Filters))
	return nil
}

// takeOffers validates and consumes the offers of an ACCEPT. The offers
// must exist, belong to f, come from one agent and one role, and appear
// once. Valid offers named in a failed ACCEPT are discarded all the same.
func (m *Master) takeOffers(f *framework, ids []mesos.OfferID) (*accepted, string) {
	seen := map[string]bool{}
	var why string
	var st *accepted
	for _, id := range ids {
		o := m.offers[id.Value]
		switch {
		case seen[id.Value]:
			why = fmt.Sprintf("Offer %s appears more than once", id.Value)
		case o == nil || o.frameworkID != f.id:
			why = fmt.Sprintf("Offer %s is no longer valid", id.Value)
		case st != nil && o.agentID != st.a.id:
			why = "Aggregated offers must belong to one agent"
		case st != nil && o.role != st.role:
			why = "Aggregated offers must be allocated to the same role"
		}
		seen[id.Value] = true
		if o == nil || o.frameworkID != f.id {
			continue
		}
		if st == nil {
			st = &accepted{f: f, a: m.agents[o.agentID], role: o.role}
		}
		st.pool = plus(st.pool, o.resources...)
		m.dropOffer(id.Value, o)
	}
	if len(ids) == 0 {
		why = "No offers specified"
	}
	if why == "" && (st == nil || st.a == nil || st.a.state != agentRegistered) {
		why = "Offers are no longer valid"
	}
	return st, why
}

// failAll fails every operation of an ACCEPT on invalid offers: tasks get
// TASK_DROPPED (TASK_LOST if not partition aware) with
// REASON_INVALID_OFFERS.
func (m *Master) failAll(f *framework, ops []mesos.Offer_Operation, why string) {
	state := mesos.TASK_DROPPED
	if !f.partitionAware() {
		state = mesos.TASK_LOST
	}
	for i := range ops {
		for _, t := range launchedTasks(&ops[i]) {
			m.forward(f, masterUpdate(t.TaskID, t.AgentID.Value, state, mesos.REASON_INVALID_OFFERS, why))
		}
		if len(launchedTasks(&ops[i])) == 0 {
			m.operationFailed(f, &ops[i], fmt.Errorf("%s", why))
		}
	}
}

func launchedTasks(op *mesos.Offer_Operation) []mesos.TaskInfo {
	switch op.Type {
	case mesos.Offer_Operation_LAUNCH:
		return op.GetLaunch().GetTaskInfos()
	case mesos.Offer_Operation_LAUNCH_GROUP:
		return op.GetLaunchGroup().GetTaskGroup().Tasks
	}
	return nil
}

// operationFailed reports a failed non-launch operation: an
// UPDATE_OPERATION_STATUS OPERATION_ERROR when it carries an id, nothing
// otherwise (the framework notices by the missing resources).
func (m *Master) operationFailed(f *framework, op *mesos.Offer_Operation, err error) {
	m.log.Info("operation failed", "framework", f.id, "type", op.Type, "err", err)
	if op.ID == nil || len(launchedTasks(op)) > 0 {
		return
	}
	msg := err.Error()
	m.send(f, &scheduler.Event{Type: scheduler.Event_UPDATE_OPERATION_STATUS, UpdateOperationStatus: &scheduler.Event_UpdateOperationStatus{
		Status: mesos.OperationStatus{OperationID: op.ID, State: mesos.OPERATION_ERROR, Message: &msg},
	}})
}

func (m *Master) applyOperation(st *accepted, op *mesos.Offer_Operation) error {
	switch op.Type {
	case mesos.Offer_Operation_RESERVE:
		return st.reserve(op.GetReserve().GetResources())
	case mesos.Offer_Operation_UNRESERVE:
		return st.unreserve(op.GetUnreserve().GetResources())
	case mesos.Offer_Operation_CREATE:
		return st.create(op.GetCreate().GetVolumes())
	case mesos.Offer_Operation_DESTROY:
		return m.destroy(st, op.GetDestroy().GetVolumes())
	case mesos.Offer_Operation_LAUNCH:
		m.launch(st, op.GetLaunch().GetTaskInfos())
		return nil
	case mesos.Offer_Operation_LAUNCH_GROUP:
		lg := op.GetLaunchGroup()
		ex := lg.GetExecutor()
		m.launchGroup(st, &ex, lg.GetTaskGroup())
		return nil
	}
	return fmt.Errorf("unsupported operation %s", op.Type)
}

// transform replaces from with to in the pool and in the agent's total.
func (st *accepted) transform(from, to mesos.Resources) {
	pool := minus(st.pool, from...)
	st.pool = pool.Add(to...)
	total := minus(st.a.total, unallocated(from)...)
	st.a.total = total.Add(unallocated(to)...)
	st.a.forgetFree()
	st.checkpoint = true
}

// normalize converts operation resources to the master's format, allocated
// to the offer's role.
func (st *accepted) normalize(res []mesos.Resource) mesos.Resources {
	return fromFrameworkFormat(st.f, res).Allocate(st.role)
}

// reserve pushes a dynamic reservation for the offer's role onto
// unreserved (or less refined) resources of the pool.
func (st *accepted) reserve(raw []mesos.Resource) error {
	res := st.normalize(raw)
	if len(res) == 0 {
		return fmt.Errorf("invalid RESERVE operation: no resources")
	}
	var from mesos.Resources
	for _, r := range res {
		n := len(r.Reservations)
		if n == 0 {
			return fmt.Errorf("invalid RESERVE operation: %s is not reserved", r.Name)
		}
		top := r.Reservations[n-1]
		switch {
		case top.GetType() != mesos.Resource_ReservationInfo_DYNAMIC:
			return fmt.Errorf("invalid RESERVE operation: the reservation of %s must be DYNAMIC", r.Name)
		case top.GetRole() != st.role:
			return fmt.Errorf("invalid RESERVE operation: the reservation role %q differs from the offer's role %q", top.GetRole(), st.role)
		case st.f.info.Principal != nil && top.GetPrincipal() != st.f.info.GetPrincipal():
			return fmt.Errorf("invalid RESERVE operation: the reservation principal %q differs from the framework's %q", top.GetPrincipal(), st.f.info.GetPrincipal())
		case r.GetDisk().GetPersistence() != nil:
			return fmt.Errorf("invalid RESERVE operation: a persistent volume cannot be reserved")
		}
		from = append(from, popReservation(r))
	}
	if !containsAll(st.pool, from) {
		return fmt.Errorf("invalid RESERVE operation: %s does not contain %s", st.pool, from)
	}
	st.transform(from, res)
	return nil
}

// unreserve pops the dynamic reservation of reserved resources.
func (st *accepted) unreserve(raw []mesos.Resource) error {
	res := st.normalize(raw)
	var to mesos.Resources
	for _, r := range res {
		n := len(r.Reservations)
		switch {
		case n == 0 || r.Reservations[n-1].GetType() != mesos.Resource_ReservationInfo_DYNAMIC:
			return fmt.Errorf("invalid UNRESERVE operation: %s is not dynamically reserved", r.Name)
		case r.GetDisk().GetPersistence() != nil:
			return fmt.Errorf("invalid UNRESERVE operation: a persistent volume cannot be unreserved; DESTROY it first")
		case st.f.info.Principal != nil && r.Reservations[n-1].Principal != nil && r.Reservations[n-1].GetPrincipal() != st.f.info.GetPrincipal():
			return fmt.Errorf("invalid UNRESERVE operation: the reservation principal %q differs from the framework's", r.Reservations[n-1].GetPrincipal())
		}
		to = append(to, popReservation(r))
	}
	if !containsAll(st.pool, res) {
		return fmt.Errorf("invalid UNRESERVE operation: %s does not contain %s", st.pool, res)
	}
	st.transform(res, to)
	return nil
}

// create turns reserved disk into persistent volumes.
func (st *accepted) create(raw []mesos.Resource) error {
	vols := st.normalize(raw)
	var from mesos.Resources
	for _, v := range vols {
		if err := st.checkVolume(v); err != nil {
			return fmt.Errorf("invalid CREATE operation: %w", err)
		}
		disk := v
		d := *v.Disk
		d.Persistence, d.Volume = nil, nil
		if d.Source == nil {
			disk.Disk = nil
		} else {
			disk.Disk = &d
		}
		from = append(from, disk)
	}
	if !containsAll(st.pool, from) {
		return fmt.Errorf("invalid CREATE operation: %s does not contain %s", st.pool, from)
	}
	st.transform(from, vols)
	return nil
}

func (st *accepted) checkVolume(v mesos.Resource) error {
	p := v.GetDisk().GetPersistence()
	vol := v.GetDisk().GetVolume()
	switch {
	case v.Name != "disk" || p == nil || vol == nil:
		return fmt.Errorf("a volume is a disk resource with persistence and volume")
	case len(v.Reservations) == 0:
		return fmt.Errorf("persistent volumes can only be created on reserved resources")
	case validID(p.ID) != nil:
		return fmt.Errorf("persistence id: %w", validID(p.ID))
	case p.Principal != nil && st.f.info.Principal != nil && p.GetPrincipal() != st.f.info.GetPrincipal():
		return fmt.Errorf("the persistence principal %q differs from the framework's", p.GetPrincipal())
	case vol.GetMode() != mesos.RW:
		return fmt.Errorf("read-only persistent volumes are not supported")
	case vol.ContainerPath == "" || strings.HasPrefix(vol.ContainerPath, "/") || strings.Contains(vol.ContainerPath, ".."):
		return fmt.Errorf("container path %q must be relative", vol.ContainerPath)
	}
	for _, r := range st.a.total {
		if r.GetDisk().GetPersistence().GetID() == p.ID {
			return fmt.Errorf("persistence id %q is already in use on the agent", p.ID)
		}
	}
	return nil
}

// destroy turns persistent volumes back into reserved disk and has the
// agent delete their data.
func (m *Master) destroy(st *accepted, raw []mesos.Resource) error {
	vols := st.normalize(raw)
	var to mesos.Resources
	for _, v := range vols {
		if v.GetDisk().GetPersistence() == nil {
			return fmt.Errorf("invalid DESTROY operation: %s is not a persistent volume", v.Name)
		}
		disk := v
		d := *v.Disk
		d.Persistence, d.Volume = nil, nil
		if d.Source == nil {
			disk.Disk = nil
		} else {
			disk.Disk = &d
		}
		to = append(to, disk)
	}
	if !containsAll(st.pool, vols) {
		return fmt.Errorf("invalid DESTROY operation: the volumes are in use or not offered")
	}
	st.transform(vols, to)
	conn := st.a.conn
	for _, v := range unallocated(vols) {
		st.a.out.post(func() { _ = conn.DestroyVolume(v) })
	}
	return nil
}

// validID applies Mesos's id rules (task, executor and persistence ids).
func validID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("id must not be empty")
	case len(id) > 255:
		return fmt.Errorf("id is longer than 255 characters")
	case id == "." || id == "..":
		return fmt.Errorf("id %q is disallowed", id)
	case strings.ContainsAny(id, "/\\"):
		return fmt.Errorf("id %q contains a slash", id)
	}
	for _, c := range id {
		if c < 0x20 || c == 0x7f {
			return fmt.Errorf("id %q contains a control character", id)
		}
	}
	return nil
}
