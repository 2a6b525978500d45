package scheduler

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// storyCluster is the Mesos a story talks to: agents with declared
// resources, the reservations and volumes ACCEPTs made on them, and the
// tasks they run. It applies operations as a Mesos master does (reference
// §2), strictly: an operation on resources the offer does not hold, or a
// task launched with another agent's id, is refused and the refusal
// printed, so that a story shows such a decision as the bug it is.
type storyCluster struct {
	role   string
	agents map[string]*storyAgent
	order  []string // agent ids in declaration order
}

// storyAgent is one agent.
type storyAgent struct {
	id, host, zone string
	// total is every resource of the agent, unallocated, in the
	// post-refinement format (reservations as a stack).
	total mesos.Resources
	// down: unreachable (partitioned or stopped) since downSince; it
	// offers nothing, and Mesos reports its tasks with that
	// unreachable_time.
	down      bool
	downSince time.Time
	// tasks are the tasks the agent runs, by TaskID; executors the
	// resources of the executors they run under.
	tasks     map[string]*storyTask
	executors map[string]mesos.Resources
}

type storyTask struct {
	id, executor string
	resources    mesos.Resources
}

func newStoryCluster(role string) *storyCluster {
	return &storyCluster{role: role, agents: map[string]*storyAgent{}}
}

// addAgent declares an agent: cpus, mem, disk (ROOT) and MOUNT disks (a
// comma-separated list of sizes in MB), its hostname and zone.
func (c *storyCluster) addAgent(id string, opts map[string]string) error {
	a := &storyAgent{id: id, host: id, tasks: map[string]*storyTask{}, executors: map[string]mesos.Resources{}}
	if h := opts["host"]; h != "" {
		a.host = h
	}
	a.zone = opts["zone"]
	scalar := func(name, def string) error {
		v := opts[name]
		if v == "" {
			v = def
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("agent %s: %s=%q: %w", id, name, v, err)
		}
		a.total = a.total.Plus(mesos.Resource{Name: name, Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: f}})
		return nil
	}
	for _, s := range [][2]string{{"cpus", "4"}, {"mem", "4096"}, {"disk", "4096"}} {
		if err := scalar(s[0], s[1]); err != nil {
			return err
		}
	}
	if m := opts["mounts"]; m != "" {
		for i, size := range strings.Split(m, ",") {
			f, err := strconv.ParseFloat(size, 64)
			if err != nil {
				return fmt.Errorf("agent %s: mount %q: %w", id, size, err)
			}
			a.total = a.total.Plus(mesos.Resource{Name: "disk", Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: f},
				Disk: &mesos.Resource_DiskInfo{Source: &mesos.Resource_DiskInfo_Source{Type: mesos.Resource_DiskInfo_Source_MOUNT,
					Mount: &mesos.Resource_DiskInfo_Source_Mount{Root: proto.String(fmt.Sprintf("/mnt/%s-d%d", id, i))}}}})
		}
	}
	c.agents[id] = a
	c.order = append(c.order, id)
	return nil
}

// reregister brings agent old back under a new id, as Mesos does for a
// host whose agent lost its work directory: its reservations and volumes
// (checkpointed apart from the id) are offered under the new id, its tasks
// and executors are gone; the old id stays down for good.
func (c *storyCluster) reregister(old, id string) error {
	a := c.agents[old]
	if a == nil {
		return fmt.Errorf("no agent %s", old)
	}
	if c.agents[id] != nil {
		return fmt.Errorf("agent %s exists", id)
	}
	c.agents[id] = &storyAgent{id: id, host: a.host, zone: a.zone, total: a.total.Clone(),
		tasks: map[string]*storyTask{}, executors: map[string]mesos.Resources{}}
	c.order = append(c.order, id)
	a.total, a.down = nil, true
	return nil
}

// used is what the agent's live tasks and their executors hold.
func (a *storyAgent) used() mesos.Resources {
	var out mesos.Resources
	executors := map[string]bool{}
	for _, id := range slices.Sorted(maps.Keys(a.tasks)) {
		t := a.tasks[id]
		out = out.Plus(t.resources...)
		executors[t.executor] = true
	}
	for _, id := range slices.Sorted(maps.Keys(executors)) {
		out = out.Plus(a.executors[id]...)
	}
	return out
}

// offer is what the agent offers now: everything its tasks do not use and
// no outstanding offer holds.
func (c *storyCluster) offer(id, offerID string, outstanding mesos.Resources) (mesos.Offer, error) {
	a := c.agents[id]
	if a == nil {
		return mesos.Offer{}, fmt.Errorf("no agent %s", id)
	}
	free := a.total.Clone().Minus(a.used()...).Minus(outstanding...)
	o := mesos.Offer{ID: mesos.OfferID{Value: offerID}, AgentID: mesos.AgentID{Value: id}, Hostname: a.host,
		FrameworkID:    mesos.FrameworkID{Value: "fw"},
		AllocationInfo: &mesos.Resource_AllocationInfo{Role: proto.String(c.role)},
		Resources:      free.Allocate(c.role)}
	if a.zone != "" {
		o.Domain = &mesos.DomainInfo{FaultDomain: &mesos.DomainInfo_FaultDomain{
			Region: mesos.DomainInfo_FaultDomain_RegionInfo{Name: "region"},
			Zone:   mesos.DomainInfo_FaultDomain_ZoneInfo{Name: a.zone}}}
	}
	return o, nil
}

// accept applies the operations of an ACCEPT of an offer of agent id, in
// order, and returns a line per refused operation.
func (c *storyCluster) accept(id string, offered mesos.Resources, ops []mesos.Offer_Operation) []string {
	a := c.agents[id]
	pool := offered.Clone().Unallocate()
	var problems []string
	refuse := func(op mesos.Offer_Operation, why string) {
		problems = append(problems, fmt.Sprintf("!! %s refused on %s: %s", op.Type, id, why))
	}
	transform := func(from, to mesos.Resources) {
		pool = pool.Minus(from...).Plus(to...)
		a.total = a.total.Minus(from...).Plus(to...)
	}
	for _, op := range ops {
		switch op.Type {
		case mesos.Offer_Operation_RESERVE:
			res := mesos.Resources(op.GetReserve().GetResources()).Clone().Unallocate()
			var from mesos.Resources
			for _, r := range res {
				from = append(from, popReservation(r))
			}
			if !containsAll(pool, from) {
				refuse(op, "the offer does not hold "+from.String())
				continue
			}
			transform(from, res)
		case mesos.Offer_Operation_UNRESERVE:
			res := mesos.Resources(op.GetUnreserve().GetResources()).Clone().Unallocate()
			var to mesos.Resources
			for _, r := range res {
				to = append(to, popReservation(r))
			}
			if !containsAll(pool, res) {
				refuse(op, "the offer does not hold "+res.String())
				continue
			}
			transform(res, to)
		case mesos.Offer_Operation_CREATE, mesos.Offer_Operation_DESTROY:
			vols := mesos.Resources(op.GetCreate().GetVolumes())
			if op.Type == mesos.Offer_Operation_DESTROY {
				vols = op.GetDestroy().GetVolumes()
			}
			vols = vols.Clone().Unallocate()
			var disks mesos.Resources
			for _, v := range vols {
				disks = append(disks, plainDisk(v))
			}
			from, to := disks, vols
			if op.Type == mesos.Offer_Operation_DESTROY {
				from, to = vols, disks
			}
			if !containsAll(pool, from) {
				refuse(op, "the offer does not hold "+from.String())
				continue
			}
			transform(from, to)
		case mesos.Offer_Operation_LAUNCH_GROUP:
			lg := op.GetLaunchGroup()
			ex := lg.GetExecutor()
			need := mesos.Resources(nil)
			_, running := a.executors[ex.ExecutorID.Value]
			liveExecutor := false
			for _, t := range a.tasks {
				liveExecutor = liveExecutor || t.executor == ex.ExecutorID.Value
			}
			if !running || !liveExecutor {
				need = need.Plus(mesos.Resources(ex.Resources).Clone().Unallocate()...)
			}
			var why []string
			for _, t := range lg.GetTaskGroup().Tasks {
				need = need.Plus(mesos.Resources(t.Resources).Clone().Unallocate()...)
				if t.AgentID.Value != id {
					why = append(why, fmt.Sprintf("task %s names agent %s", t.TaskID.Value, t.AgentID.Value))
				}
			}
			if !containsAll(pool, need) {
				why = append(why, "task group uses more resources than the offer holds")
			}
			if len(why) > 0 {
				refuse(op, strings.Join(why, "; "))
				continue
			}
			pool = pool.Minus(need...)
			a.executors[ex.ExecutorID.Value] = mesos.Resources(ex.Resources).Clone().Unallocate()
			for _, t := range lg.GetTaskGroup().Tasks {
				a.tasks[t.TaskID.Value] = &storyTask{id: t.TaskID.Value, executor: ex.ExecutorID.Value,
					resources: mesos.Resources(t.Resources).Clone().Unallocate()}
			}
		default:
			refuse(op, "not supported by the story cluster")
		}
	}
	return problems
}

// ended forgets a task that ended.
func (c *storyCluster) ended(agent, taskID string) {
	if a := c.agents[agent]; a != nil {
		delete(a.tasks, taskID)
	}
}

// agentOf finds the agent running taskID, or "".
func (c *storyCluster) agentOf(taskID string) string {
	for _, id := range c.order {
		if _, ok := c.agents[id].tasks[taskID]; ok {
			return id
		}
	}
	return ""
}

// describe lists the agents and what they hold, for `cluster`.
func (c *storyCluster) describe() string {
	var b strings.Builder
	for _, id := range c.order {
		a := c.agents[id]
		state := "up"
		if a.down {
			state = "down"
		}
		fmt.Fprintf(&b, "%s (%s): tasks=%s\n", id, state, strings.Join(slices.Sorted(maps.Keys(a.tasks)), ","))
		var lines []string
		for _, r := range a.total {
			lines = append(lines, "  "+describeResource(r))
		}
		sort.Strings(lines)
		for _, l := range lines {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// plainDisk is a volume's disk without its persistence.
func plainDisk(v mesos.Resource) mesos.Resource {
	d := *proto.Clone(&v).(*mesos.Resource)
	if d.Disk != nil {
		d.Disk.Persistence, d.Disk.Volume = nil, nil
		if d.Disk.Source == nil {
			d.Disk = nil
		}
	}
	return d
}

func popReservation(r mesos.Resource) mesos.Resource {
	c := proto.Clone(&r).(*mesos.Resource)
	if n := len(c.Reservations); n > 0 {
		c.Reservations = c.Reservations[:n-1]
	}
	if len(c.Reservations) == 0 {
		c.Reservations = nil
	}
	return *c
}

// containsAll reports whether have holds every resource of want, counting
// quantities.
func containsAll(have, want mesos.Resources) bool {
	remaining := have.Clone()
	for _, w := range want {
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
