package scheduler

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	sched "github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"

	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler/offer"
	"github.com/kennel-sdk/kennel/servicespec"
	"github.com/kennel-sdk/kennel/servicespec/placement"
)

// Offers handles OFFERS: candidate steps are worked on (launches matched
// against the offers, decommission kills sent and tasks erased), resources
// no task claims are released, and the rest is declined, for long when the
// service has nothing to do.
func (c *Core) Offers(offers []mesos.Offer, now time.Time) Decisions {
	c.suppressed = false
	return c.offers(append(c.takeCapped(), offers...), now)
}

// Continue works on the offers kept when the write cap left launches for
// later (Decisions.More). The runtime calls it once that decision is
// written and sent, before reading its next event, so that a large deploy
// writes and launches batch after batch on the offers it holds instead of
// waiting for Mesos's next allocation (which offers what a DECLINE returns
// only at its next interval).
func (c *Core) Continue(now time.Time) Decisions {
	if len(c.capped) == 0 {
		return newDecisions()
	}
	return c.offers(c.takeCapped(), now)
}

// takeCapped returns the offers kept for capped launches and forgets them.
func (c *Core) takeCapped() []mesos.Offer {
	out := c.capped
	c.capped = nil
	return out
}

func (c *Core) offers(offers []mesos.Offer, now time.Time) Decisions {
	d := newDecisions()
	c.set.Advance(now)
	switch {
	case !c.reconcile.done:
		c.decline(&d, offers, declineShort)
	case c.uninstall != nil:
		c.uninstallOffers(&d, offers, now)
	default:
		c.workOffers(&d, offers, now)
	}
	c.settle(&d, now)
	return d
}

func (c *Core) workOffers(d *Decisions, offers []mesos.Offer, now time.Time) {
	c.followReregistered(d, offers, now)
	// Held offers are worked on first, with the new ones.
	since := c.heldSince()
	offers = append(c.takeHeld(), offers...)
	release := map[string]bool{}
	work := false
	for _, st := range c.set.Candidates() {
		if st.Kind == plans.StepUnreserve {
			work = true
			for _, id := range c.instanceReleases(st) {
				release[id] = true
			}
		}
	}
	// Releases come first, so that a replaced pod's disk can be reserved
	// again by its replacement in the same offer.
	pending := c.releaseUnclaimed(d, offers, release, now)
	known := misfits{}
	capped := false // launches left for the next offers by the write cap
	c.heldTried = map[string]bool{}
	for _, st := range c.set.Candidates() {
		switch st.Kind {
		case plans.StepLaunch:
			if st.Status == plans.Pending || st.Status == plans.Prepared {
				work = true
				// Launches are written before they are sent, all of an
				// event's in one transaction: past the cap the rest wait
				// for the next offers (ZooKeeper's jute.maxbuffer is 1 MB).
				if d.Batch.Size() < maxLaunchBatch {
					c.heldTried[st.ID] = true
					c.launchStep(d, st, pending, &known, now)
				} else {
					capped = true
				}
			}
		case plans.StepKill:
			for _, name := range st.TaskNames() {
				if t := c.tasks[name]; t != nil && t.live() {
					work = true
					c.kill(d, t.head.id, t.head.agent, now)
				}
			}
		case plans.StepErase:
			for _, name := range st.TaskNames() {
				if _, ok := c.tasks[name]; ok {
					c.erase(d, name, now)
				}
			}
		}
	}
	// Launch work left (steps no offer fitted, or waiting behind the
	// steps in progress) wants what an ACCEPT leaves back at Mesos's next
	// allocation, not a second later.
	blocked, more := false, true
	if !capped {
		after := c.set.Candidates()
		blocked = c.launchesBlocked(after)
		more = blocked || launchWork(after)
	}
	var unused []mesos.Offer
	for _, w := range pending {
		if len(w.ops) == 0 {
			unused = append(unused, w.offer)
			continue
		}
		accept(d, w.offer, w.ops, more)
	}
	if capped {
		// Launches wait only for this write: the offers they could use
		// are kept for Continue, which the runtime calls once the write
		// is done (declined, they would come back only at Mesos's next
		// allocation).
		c.capped = append(c.capped, unused...)
		d.More = true
		return
	}
	refuse := declineLong
	switch {
	case work || now.Before(c.sweepUntil):
		refuse = declineShort
	}
	if blocked {
		// The next steps launch in the event that makes them candidates,
		// from these offers (see hold.go).
		unused = c.hold(unused, since, now)
	}
	c.decline(d, unused, refuse)
}

// offerWork is an offer being worked on in one event: the operations
// decided on it so far, and the offer as those operations leave it.
type offerWork struct {
	offer mesos.Offer
	ops   []mesos.Offer_Operation
	// launched is set once a launch took the offer in a way remainder
	// cannot follow: nothing more launches on it.
	launched bool
}

// decline declines offers with a filter of refuse.
func (c *Core) decline(d *Decisions, offers []mesos.Offer, refuse time.Duration) {
	if len(offers) == 0 {
		return
	}
	ids := make([]mesos.OfferID, len(offers))
	for i, o := range offers {
		ids[i] = o.ID
	}
	d.call(calls.Decline(ids...).With(calls.RefuseSeconds(refuse)))
}

// accept sends the operations on one offer. The offer's leftovers come
// back at Mesos's next allocation when more launch work waits (a filter
// of 0 s installs none), else in a second.
func accept(d *Decisions, o mesos.Offer, ops []mesos.Offer_Operation, more bool) {
	refuse := time.Second
	if more {
		refuse = 0
	}
	d.call(calls.Accept(calls.OfferOperations(ops).WithOffers(o.ID)).With(calls.RefuseSeconds(refuse)))
}

// launchStep looks for an offer for a launch step. Tasks of the instance
// still running that the step relaunches are killed first: their
// reservations come back in later offers.
func (c *Core) launchStep(d *Decisions, st *plans.Step, pending []*offerWork, known *misfits, now time.Time) {
	pod := c.spec.Pod(st.Pod)
	if pod == nil {
		return
	}
	existing := c.instanceTasks(st.Instance())
	if st.Status == plans.Pending && restartsRunning(st, existing) && !c.gateOpen(d, Instance{Pod: st.Pod, Index: st.Index}, now) {
		return
	}
	killing := false
	for _, name := range st.Tasks {
		if t := existing[name]; t != nil && t.live() {
			c.kill(d, t.head.id, t.head.agent, now)
			// A task being replaced on an agent Mesos cannot reach is not
			// waited for: it is killed if the agent comes back.
			unreachable := t.state() == mesos.TASK_UNREACHABLE
			killing = killing || !(unreachable && (t.permanentlyFailed() || st.Recovery == plans.Permanent))
		}
	}
	if killing {
		_ = c.set.Prepared(st.ID, now)
		return
	}
	req := c.request(pod, st, existing)
	home := homeAgent(req, existing)
	var offers []mesos.Offer
	var elsewhere []offer.Refusal
	byID := map[string]*offerWork{}
	for _, w := range pending {
		switch {
		case w.launched:
		case home != "" && w.offer.AgentID.Value != home:
			elsewhere = append(elsewhere, offer.Refusal{OfferID: w.offer.ID.Value, Hostname: w.offer.Hostname,
				Reasons: []string{fmt.Sprintf("pod instance %s holds its reservations on agent %s", st.Instance(), home)}})
		default:
			offers = append(offers, w.offer)
			byID[w.offer.ID.Value] = w
		}
	}
	key, fresh := misfitKey(st, req, home)
	var m offer.Match
	var refusals []offer.Refusal
	ok := false
	if r, seen := known.lookup(key, fresh); seen {
		refusals = r
	} else {
		m, refusals, ok = offer.Evaluate(req, offers)
		if !ok {
			known.remember(key, fresh, refusals)
		}
	}
	refusals = append(refusals, elsewhere...)
	c.outcome(st, m, refusals, ok, now)
	if !ok {
		c.waiting[st.Instance()] = summarize(refusals)
		return
	}
	delete(c.waiting, st.Instance())
	known.launched()
	c.addInstanceEnv(Instance{Pod: st.Pod, Index: st.Index}, &m)
	c.launch(d, st, req, m, existing, now)
	w := byID[m.Offer.ID.Value]
	w.ops = append(w.ops, m.Operations...)
	// Further pods launch into what the offer has left.
	if rest, ok := remainder(w.offer, m.Operations); ok {
		w.offer = rest
	} else {
		w.launched = true
	}
}

// homeAgent is the agent a launch of req must use, "" if any: a pod
// instance relaunched in place, or joining the executor of its tasks that
// still run, stays on the agent that holds its reservations and runs
// that executor. Resources of one agent are never sent to another.
func homeAgent(req offer.Request, existing map[string]*task) string {
	if req.Permanent {
		return ""
	}
	for _, name := range slices.Sorted(maps.Keys(existing)) {
		t := existing[name]
		if req.LiveExecutor != nil && t.live() && t.head.hasExecutor && t.head.executor == req.LiveExecutor.ExecutorID.Value {
			return t.head.agent
		}
	}
	// req.Existing holds only the reservations known to exist (request).
	for _, name := range slices.Sorted(maps.Keys(req.Existing)) {
		if info := req.Existing[name]; len(offer.ResourceIDs(info)) > 0 && existing[name] != nil {
			return existing[name].head.agent
		}
	}
	return ""
}

// routedEnv is offer.RouteEnv of the scheduler's environment for pod,
// computed once per pod type (the environment is fixed at start). The map
// is shared: callers copy it before changing it.
func (c *Core) routedEnv(pod string) map[string]string {
	env, ok := c.routed[pod]
	if !ok {
		env = offer.RouteEnv(c.cfg.SchedulerEnv, pod)
		c.routed[pod] = env
	}
	return env
}

// request is what a launch step asks of the offers.
func (c *Core) request(pod *servicespec.PodSpec, st *plans.Step, existing map[string]*task) offer.Request {
	env := maps.Clone(c.routedEnv(pod.Name))
	for k, v := range st.Parameters {
		env[k] = v
	}
	req := offer.Request{Identity: c.cfg.Identity, Endpoints: c.cfg.Endpoints, Spec: c.spec, ConfigID: c.configID,
		Pod: pod, Index: st.Index, Tasks: st.Tasks, Env: env, NewID: c.newID,
		Existing: map[string]*mesos.TaskInfo{}}
	req.FrameworkID = c.frameworkID
	// Only reservations known to exist are reused: those of a launch Mesos
	// never reported (the scheduler died before its ACCEPT, or Mesos
	// dropped it) may not exist, and are reserved afresh.
	known := knownResources(existing)
	req.Paused = map[string]bool{}
	for name, t := range existing {
		info := t.decodeInfo()
		if !t.confirmed() {
			keepKnown(info, known)
		}
		req.Existing[name] = info
		req.Paused[name] = t.goal == goalPaused
		// Only a task still marked permanently failed sends the instance to
		// fresh resources: the replacement's launch clears the marks, so a
		// task of the replacement that fails before its recovery step
		// completes is relaunched in place, on the replacement's volumes
		// (the step stays a permanent recovery until it completes).
		if t.permanentlyFailed() {
			req.Permanent = true
		}
		if t.live() && !contains(st.Tasks, name) && req.LiveExecutor == nil && t.head.hasExecutor {
			req.LiveExecutor = t.decodeInfo().Executor
		}
	}
	if len(known) == 0 {
		req.Existing = nil // nothing of the instance is known to be reserved
	}
	if req.Permanent {
		req.LiveExecutor = nil
	}
	if pod.Placement != "" { // only placement rules read the others' agents
		req.Placed = c.otherInstances(pod.Name, st.Instance())
	}
	return req
}

// launch records the match's tasks (write-ahead); the caller sends the
// ACCEPT with the match's operations.
func (c *Core) launch(d *Decisions, st *plans.Step, req offer.Request, m offer.Match, existing map[string]*task, now time.Time) {
	confirmed := req.Existing != nil && !req.Permanent && !reservesAnything(m)
	reused := map[string]bool{}
	if req.Existing != nil && !req.Permanent {
		for _, info := range req.Existing {
			for _, id := range offer.ResourceIDs(info) {
				reused[id] = true
			}
		}
	}
	var ids []string
	for _, info := range m.Tasks {
		info := info
		if confirmed {
			info.Labels = setLabel(info.Labels, labelConfirmed, "true")
		} else {
			var known []string
			for _, id := range offer.ResourceIDs(&info) {
				if reused[id] {
					known = append(known, id)
				}
			}
			info.Labels = setLabel(info.Labels, labelKnown, strings.Join(known, ","))
		}
		info.Labels = setLabel(info.Labels, labelLaunchedAt, now.UTC().Format(time.RFC3339Nano))
		name := info.Name
		ts := float64(now.UnixNano()) / 1e9
		staging := &mesos.TaskStatus{TaskID: info.TaskID, State: mesos.TASK_STAGING.Enum(), AgentID: &info.AgentID,
			Source: mesos.SOURCE_MASTER.Enum(), Message: proto.String("launch sent"), Timestamp: &ts}
		t := newTask(name, &info, "")
		t.setStatus(staging)
		if old := existing[t.specName()]; old != nil {
			t.goal = old.goal
		}
		c.put(d, t)
		ids = append(ids, info.TaskID.Value)
	}
	if req.Permanent || req.Existing == nil {
		c.rewriteFootprints(d, st, m, existing)
	}
	c.sweep(now)
	for _, id := range ids {
		c.set.UpdateTask(*c.planTask(c.tasks[c.byID[id]]), now)
	}
	_ = c.set.Launched(st.ID, ids, now)
}

// rewriteFootprints points the instance's other tasks at the executor,
// pod volumes and agent of a launch on fresh resources, and drops the old
// resources they held: those are no longer claimed and get released. A
// later relaunch of those tasks goes to the new agent.
func (c *Core) rewriteFootprints(d *Decisions, st *plans.Step, m offer.Match, existing map[string]*task) {
	if len(m.Tasks) == 0 {
		return
	}
	ex := m.Tasks[0].Executor
	for name, t := range existing {
		if contains(st.Tasks, name) {
			continue
		}
		next := t.withInfo(func(info *mesos.TaskInfo) {
			info.Executor = proto.Clone(ex).(*mesos.ExecutorInfo)
			info.AgentID = m.Tasks[0].AgentID
			for _, key := range []string{offer.LabelHostname, offer.LabelZone, offer.LabelRegion, offer.LabelAttributes} {
				info.Labels = setLabel(info.Labels, key, label(&m.Tasks[0], key))
			}
			info.Resources = nil
			info.Labels = setLabel(setLabel(setLabel(info.Labels, labelPermanentlyFailed, ""), labelConfirmed, ""), labelKnown, "")
		})
		c.put(d, next)
	}
}

func reservesAnything(m offer.Match) bool {
	for _, op := range m.Operations {
		if op.Type == mesos.Offer_Operation_RESERVE || op.Type == mesos.Offer_Operation_CREATE {
			return true
		}
	}
	return false
}

// erase forgets a decommissioned task.
func (c *Core) erase(d *Decisions, name string, now time.Time) {
	t := c.tasks[name]
	d.Batch.DeleteTask(name)
	if _, ok := c.ready[name]; ok {
		d.Batch.DeleteProperty(readyPrefix + name)
		delete(c.ready, name)
	}
	delete(c.byID, t.head.id)
	delete(c.tasks, name)
	c.instances.remove(t)
	c.set.RemoveTask(name, now)
}

// summarize condenses refusals into a step reason.
func summarize(refusals []offer.Refusal) string {
	if len(refusals) == 0 {
		return "waiting for offers"
	}
	var parts []string
	for i, r := range refusals {
		if i == maxOfferReasons {
			parts = append(parts, fmt.Sprintf("and %d more offers", len(refusals)-i))
			break
		}
		parts = append(parts, r.Hostname+": "+strings.Join(r.Reasons, ", "))
	}
	return "no offer fits: " + strings.Join(parts, "; ")
}

// offerDiscipline suppresses offers when nothing needs them and revives
// them (at most every reviveInterval) when new work appears: REVIVE also
// clears the decline filters, so the offers work needs come at once.
func (c *Core) offerDiscipline(d *Decisions, now time.Time) {
	if !c.reconcile.done {
		return
	}
	work := c.workSet()
	fresh := false
	for id := range work {
		if !c.lastWork[id] {
			fresh = true
		}
	}
	needs := len(work) > 0 || now.Before(c.sweepUntil)
	switch {
	case (fresh || c.suppressed && needs) && now.Sub(c.lastRevive) >= reviveInterval:
		c.suppressed, c.lastRevive = false, now
		c.lastWork = work
		d.call(&sched.Call{Type: sched.Call_REVIVE})
	case !needs && !c.suppressed:
		c.suppressed = true
		c.declineHeld(d, now)
		d.call(&sched.Call{Type: sched.Call_SUPPRESS})
	}
	if !fresh {
		c.lastWork = work
	}
}

// workSet is the steps that need offers: launches waiting for one and
// decommission steps (uninstalling needs them all along).
func (c *Core) workSet() map[string]bool {
	work := map[string]bool{}
	if c.uninstall != nil {
		work["uninstall"] = true
		return work
	}
	for _, st := range c.set.Candidates() {
		switch st.Kind {
		case plans.StepLaunch:
			if st.Status == plans.Pending || st.Status == plans.Prepared {
				work[st.ID] = true
			}
		case plans.StepUnreserve, plans.StepKill, plans.StepErase:
			work[st.ID] = true
		}
	}
	return work
}

func placedAgent(t *task) placement.Agent {
	a := placement.Agent{Hostname: t.head.hostname, Zone: t.head.zone,
		Region: t.head.region, Attributes: map[string]string{}}
	for _, kv := range strings.Split(t.head.attrs, ";") {
		if k, v, ok := strings.Cut(kv, ":"); ok {
			a.Attributes[k] = v
		}
	}
	return a
}

// otherInstances are the agents of the pod type's other instances, one
// per instance (that of its first task by name that was launched and has
// not failed for good), in the order of the instances' names.
func (c *Core) otherInstances(pod, self string) []placement.Agent {
	var out []placement.Agent
	for _, inst := range c.instances.ofPod(pod) {
		if inst == self {
			continue
		}
		tasks := c.instances[inst].tasks
		for _, spec := range slices.Sorted(maps.Keys(tasks)) {
			t := tasks[spec]
			if t.head.id == "" || t.permanentlyFailed() {
				continue
			}
			out = append(out, placedAgent(t))
			break
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
