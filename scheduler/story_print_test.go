package scheduler

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	sched "github.com/mesos/mesos-go/api/v1/lib/scheduler"

	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler/offer"
	"github.com/kennel-sdk/kennel/scheduler/record"
)

// This file prints what a story's events decided: one line per state
// write, then one line per Mesos call, compact and deterministic.

// shortID drops the service prefix of a task id: hello-0-server__id-7.
func shortID(id string) string { return strings.TrimPrefix(id, storyService+"__") }

// describeResource prints a resource as name:amount, its MOUNT source,
// its resource id and its volume: disk(MOUNT):512#id-4 vol=data.
func describeResource(r mesos.Resource) string {
	name := r.Name
	if r.GetDisk().GetSource().GetType() == mesos.Resource_DiskInfo_Source_MOUNT {
		name += "(MOUNT)"
	}
	s := fmt.Sprintf("%s:%g", name, r.GetScalar().GetValue())
	if rs := r.GetRanges(); rs != nil {
		var parts []string
		for _, rg := range rs.Range {
			parts = append(parts, fmt.Sprintf("%d-%d", rg.Begin, rg.End))
		}
		s = r.Name + ":[" + strings.Join(parts, ",") + "]"
	}
	if id := resourceIDOf(r); id != "" {
		s += "#" + id
	}
	if v := r.GetDisk().GetVolume(); v != nil {
		s += " vol=" + v.ContainerPath
	}
	return s
}

func describeResources(rs []mesos.Resource) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = describeResource(r)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// describeTask prints a stored task record on one line.
func describeTask(name string, rec record.Task) string {
	t, _, err := decodeTask(name, rec)
	if err != nil {
		return fmt.Sprintf("%s: undecodable: %v", name, err)
	}
	parts := []string{shortID(t.head.id), t.state().String(), "agent=" + t.head.agent}
	if t.goal != "" {
		parts = append(parts, "goal="+t.goal)
	}
	if t.permanentlyFailed() {
		parts = append(parts, "permanently-failed")
	}
	if t.confirmed() {
		parts = append(parts, "confirmed")
	}
	info := t.decodeInfo() // the stored bytes, not the core's head
	if known := label(info, labelKnown); known != "" {
		parts = append(parts, "known="+known)
	}
	if ids := offer.ResourceIDs(info); len(ids) > 0 {
		parts = append(parts, "res="+strings.Join(ids, ","))
	}
	return name + ": " + strings.Join(parts, " ")
}

// printDecisions prints the writes of d, then its calls.
func (s *story) printDecisions(d Decisions) string {
	var lines []string
	if d.Batch != nil {
		for _, w := range d.Batch.Ops() {
			lines = append(lines, s.describeWrite(w))
		}
	}
	for _, c := range d.Calls {
		lines = append(lines, s.describeCall(c))
	}
	for _, a := range d.GateAsks {
		lines = append(lines, fmt.Sprintf("GATE %s %s", a.Kind, a.Instance))
	}
	for _, a := range d.ActionAsks {
		lines = append(lines, describeActionAsk(a))
	}
	if d.Done {
		lines = append(lines, "DONE: the framework is torn down")
	}
	if d.More {
		lines = append(lines, "MORE: launches left by the write cap (continue)")
	}
	return strings.Join(lines, "\n")
}

func (s *story) describeWrite(w record.Op) string {
	dir, name, _ := strings.Cut(w.Key, "/")
	if w.Delete {
		if dir == "Configurations" {
			name = shortConfig(name)
		}
		return fmt.Sprintf("delete %s %s", strings.ToLower(dir), s.names(name))
	}
	switch dir {
	case "Tasks":
		rec, err := record.DecodeTask(w.Value)
		if err != nil {
			return fmt.Sprintf("write task %s: undecodable: %v", name, err)
		}
		return "write task " + describeTask(name, rec)
	case "Intent":
		return "write intent " + s.names(name) + " " + s.names(string(w.Value))
	case "Properties":
		return fmt.Sprintf("write property %s=%s", name, shortID(string(w.Value)))
	case "Configurations":
		return "write config " + shortConfig(name)
	case "ConfigTarget":
		return "write target " + shortConfig(string(w.Value))
	case "FrameworkID":
		return "write framework-id " + string(w.Value)
	}
	return "write " + w.Key
}

func shortConfig(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// names replaces the plan element ids in text with their names, and
// shortens task ids.
func (s *story) names(text string) string {
	if s.core != nil {
		for _, p := range s.core.Plans().Plans() {
			for _, ph := range p.Phases {
				for _, st := range ph.Steps {
					s.elementNames[st.ID] = st.Name
				}
				s.elementNames[ph.ID] = ph.Name
			}
		}
	}
	ids := slices.Sorted(maps.Keys(s.elementNames))
	sort.Slice(ids, func(i, j int) bool { return len(ids[i]) > len(ids[j]) })
	for _, id := range ids {
		text = strings.ReplaceAll(text, id, s.elementNames[id])
	}
	return strings.ReplaceAll(text, storyService+"__", "")
}

func (s *story) describeCall(c *sched.Call) string {
	switch c.Type {
	case sched.Call_ACCEPT:
		acc := c.GetAccept()
		var ids []string
		for _, id := range acc.OfferIDs {
			ids = append(ids, id.Value+"@"+s.offerAgent[id.Value])
		}
		var ops []string
		for _, op := range acc.Operations {
			ops = append(ops, describeOperation(op))
		}
		refuse := ""
		if r := c.GetAccept().GetFilters().GetRefuseSeconds(); r != 1 {
			refuse = fmt.Sprintf(" refuse=%gs", r)
		}
		return "ACCEPT " + strings.Join(ids, ",") + refuse + ":\n  " + strings.Join(ops, "\n  ")
	case sched.Call_DECLINE:
		var ids []string
		for _, id := range c.GetDecline().OfferIDs {
			ids = append(ids, id.Value)
		}
		return fmt.Sprintf("DECLINE %s refuse=%gs", strings.Join(ids, ","), c.GetDecline().GetFilters().GetRefuseSeconds())
	case sched.Call_KILL:
		k := c.GetKill()
		return fmt.Sprintf("KILL %s on %s", shortID(k.TaskID.Value), k.GetAgentID().GetValue())
	case sched.Call_ACKNOWLEDGE:
		return "ACK " + shortID(c.GetAcknowledge().TaskID.Value)
	case sched.Call_RECONCILE:
		var ids []string
		for _, t := range c.GetReconcile().Tasks {
			ids = append(ids, shortID(t.TaskID.Value))
		}
		if len(ids) == 0 {
			return "RECONCILE (implicit)"
		}
		sort.Strings(ids)
		return "RECONCILE " + strings.Join(ids, ",")
	}
	return c.Type.String()
}

func describeOperation(op mesos.Offer_Operation) string {
	switch op.Type {
	case mesos.Offer_Operation_RESERVE:
		return "RESERVE " + describeResources(op.GetReserve().GetResources())
	case mesos.Offer_Operation_UNRESERVE:
		return "UNRESERVE " + describeResources(op.GetUnreserve().GetResources())
	case mesos.Offer_Operation_CREATE:
		return "CREATE " + describeResources(op.GetCreate().GetVolumes())
	case mesos.Offer_Operation_DESTROY:
		return "DESTROY " + describeResources(op.GetDestroy().GetVolumes())
	case mesos.Offer_Operation_LAUNCH_GROUP:
		lg := op.GetLaunchGroup()
		var tasks []string
		for _, t := range lg.GetTaskGroup().Tasks {
			desc := shortID(t.TaskID.Value) + " " + describeResources(t.Resources)
			if t.GetCommand().GetValue() == offer.PauseCommand {
				desc += " (paused)"
			}
			tasks = append(tasks, desc)
		}
		ex := lg.GetExecutor()
		return fmt.Sprintf("LAUNCH_GROUP %s executor=%s %s", strings.Join(tasks, "; "), ex.ExecutorID.Value, describeResources(ex.Resources))
	}
	return op.Type.String()
}

// printPlans prints plans as trees, with each step's reason if reasons.
func printPlans(set *plans.Set, names []string, reasons bool) string {
	var b strings.Builder
	for _, p := range set.Plans() {
		if len(names) > 0 && !containsName(names, p.Name) {
			continue
		}
		fmt.Fprintf(&b, "%s (%s) %s", p.Name, p.Strategy, p.Status)
		if p.Interrupted() {
			b.WriteString(" interrupted")
		}
		b.WriteString("\n")
		for _, e := range p.Errors {
			fmt.Fprintf(&b, "  error: %s\n", e)
		}
		for _, ph := range p.Phases {
			fmt.Fprintf(&b, "  %s (%s) %s", ph.Name, ph.Strategy, ph.Status)
			if ph.Interrupted() {
				b.WriteString(" interrupted")
			}
			b.WriteString("\n")
			for _, st := range ph.Steps {
				fmt.Fprintf(&b, "    %s %s", st.Name, st.Display)
				if reasons && st.Reason != "" {
					fmt.Fprintf(&b, ": %s", st.Reason)
				}
				b.WriteString("\n")
			}
		}
	}
	return b.String()
}

func containsName(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}
