package scheduler

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// reregisteredMessage explains a task whose agent came back under a new id.
const reregisteredMessage = "agent %s came back as agent %s with this task's reservations: the task no longer runs"

// followReregistered handles agents that came back under a new id. Mesos
// gives a new agent id to a host whose agent lost its work directory (a
// reboot with a wiped runtime dir, a host rebuilt), while the reservations
// and volumes it checkpointed survive and are offered under the new id.
// The old id stays unreachable for good: a pod instance holding its
// reservations there would wait for it forever, its steps naming the old
// agent.
//
// An offer from agent B holding reservations of a task recorded on agent
// A proves that A's tasks no longer run (a host is one agent, and Mesos
// offers only resources no task uses). Each such task is moved to B: a
// live one is recorded TASK_LOST (on A), and its pod instance relaunches in
// place on B, on its reservations and volumes.
func (c *Core) followReregistered(d *Decisions, offers []mesos.Offer, now time.Time) {
	offeredBy := map[string]string{} // resource id -> the agent offering it
	for _, o := range offers {
		for _, r := range o.Resources {
			if id := resourceIDOf(r); id != "" {
				offeredBy[id] = o.AgentID.Value
			}
		}
	}
	if len(offeredBy) == 0 {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(c.tasks)) {
		t := c.tasks[name]
		old := t.head.agent
		moved := ""
		for _, id := range t.resourceIDs() {
			if agent, ok := offeredBy[id]; ok && agent != old {
				moved = agent
				break
			}
		}
		if moved == "" {
			continue
		}
		next := t.withInfo(func(info *mesos.TaskInfo) { info.AgentID = mesos.AgentID{Value: moved} })
		if t.live() {
			ts := float64(now.UnixNano()) / 1e9
			next.setStatus(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: t.head.id}, State: mesos.TASK_LOST.Enum(),
				AgentID: &mesos.AgentID{Value: old}, Source: mesos.SOURCE_MASTER.Enum(),
				Reason: mesos.REASON_AGENT_REMOVED.Enum(), Timestamp: &ts,
				Message: proto.String(fmt.Sprintf(reregisteredMessage, old, moved))})
		}
		c.put(d, next)
	}
}
