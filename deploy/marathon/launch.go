package marathon

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	sched "github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"

	"github.com/kennel-sdk/kennel/deploy/marathon/app"
)

// declineSeconds is how long a declined offer stays away (REVIVE and
// freed resources bring it back sooner).
const declineSeconds = 5

// pool is what is left of one offer: unreserved scalars and port ranges.
type pool struct {
	offer   *mesos.Offer
	scalars map[string]float64
	ports   []mesos.Value_Range
	used    bool
}

func newPool(o *mesos.Offer) *pool {
	p := &pool{offer: o, scalars: map[string]float64{}}
	for _, r := range o.Resources {
		if !unreserved(r) {
			continue
		}
		switch {
		case r.Name == "ports" && r.Ranges != nil:
			p.ports = append(p.ports, r.Ranges.Range...)
		case r.Scalar != nil && (r.Name == "cpus" || r.Name == "mem" || (r.Name == "disk" && r.Disk == nil)):
			p.scalars[r.Name] += r.Scalar.Value
		}
	}
	return p
}

// unreserved: a resource of role "*" with no reservation, in either format.
func unreserved(r mesos.Resource) bool {
	return len(r.Reservations) == 0 && r.Reservation == nil && r.Disk == nil && (r.GetRole() == "" || r.GetRole() == "*")
}

// takePorts picks one host port per definition: the definition's own port
// when requirePorts, else any offered port. It returns nil if they do not fit.
func (p *pool) takePorts(a *app.App) []int {
	free := map[uint64]bool{}
	var order []uint64
	for _, r := range p.ports {
		for v := r.Begin; v <= r.End && len(order) < 4096; v++ {
			free[v] = true
			order = append(order, v)
		}
	}
	out := make([]int, len(a.PortDefinitions))
	for i, d := range a.PortDefinitions {
		if a.RequirePorts && d.Port != 0 {
			if !free[uint64(d.Port)] {
				return nil
			}
			free[uint64(d.Port)] = false
			out[i] = d.Port
		}
	}
	next := 0
	for i, d := range a.PortDefinitions {
		if a.RequirePorts && d.Port != 0 {
			continue
		}
		for next < len(order) && !free[order[next]] {
			next++
		}
		if next == len(order) {
			return nil
		}
		out[i] = int(order[next])
		free[order[next]] = false
	}
	return out
}

// take reserves a task of a from the pool, or says it does not fit.
func (p *pool) take(a *app.App) ([]int, bool) {
	if p.scalars["cpus"] < a.CPUs || p.scalars["mem"] < a.Mem || p.scalars["disk"] < a.Disk {
		return nil, false
	}
	ports := p.takePorts(a)
	if ports == nil {
		return nil, false
	}
	p.scalars["cpus"] -= a.CPUs
	p.scalars["mem"] -= a.Mem
	p.scalars["disk"] -= a.Disk
	taken := map[uint64]bool{}
	for _, port := range ports {
		taken[uint64(port)] = true
	}
	var rest []mesos.Value_Range
	for _, r := range p.ports {
		begin := r.Begin
		for v := r.Begin; v <= r.End+1; v++ {
			if v == r.End+1 || taken[v] {
				if v > begin {
					rest = append(rest, mesos.Value_Range{Begin: begin, End: v - 1})
				}
				begin = v + 1
			}
		}
	}
	p.ports = rest
	return ports, true
}

// placement is where an offer's agent is, for constraints.
func placement(o *mesos.Offer) app.Placement {
	pl := app.Placement{Hostname: o.Hostname, Attributes: map[string]string{}}
	for _, at := range o.Attributes {
		switch {
		case at.Text != nil:
			pl.Attributes[at.Name] = at.Text.Value
		case at.Scalar != nil:
			pl.Attributes[at.Name] = fmt.Sprint(at.Scalar.Value)
		}
	}
	if fd := o.GetDomain().GetFaultDomain(); fd != nil {
		pl.Attributes["@region"] = fd.Region.Name
		pl.Attributes["@zone"] = fd.Zone.Name
	}
	return pl
}

// offers launches what the apps need on the offers and declines the rest.
// Launched tasks are recorded, and the record saved, before the ACCEPT.
func (m *Marathon) offers(offers []mesos.Offer) []*sched.Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	pools := make([]*pool, len(offers))
	for i := range offers {
		pools[i] = newPool(&offers[i])
	}
	agents := map[string]app.Placement{}
	for i := range offers {
		agents[offers[i].AgentID.Value] = placement(&offers[i])
	}
	ids := make([]string, 0, len(m.rec.Apps))
	for id := range m.rec.Apps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	launches := map[int][]mesos.TaskInfo{}
	for _, id := range ids {
		ar := m.rec.Apps[id]
		if b := m.backoffs[id]; b != nil && now.Before(b.until) {
			continue
		}
		need := m.planFor(ar).launch
		for need > 0 {
			i, ports := m.fit(ar, pools, agents)
			if i < 0 {
				break
			}
			ti := m.newTask(ar, &offers[i], ports, now)
			launches[i] = append(launches[i], ti)
			pools[i].used = true
			need--
		}
	}
	var out []*sched.Call
	if len(launches) > 0 {
		_ = m.saveLocked()
	}
	var declined []mesos.OfferID
	for i := range offers {
		if ts := launches[i]; len(ts) > 0 {
			out = append(out, calls.Accept(calls.OfferOperations{calls.OpLaunch(ts...)}.WithOffers(offers[i].ID)))
			continue
		}
		declined = append(declined, offers[i].ID)
	}
	if len(declined) > 0 {
		out = append(out, calls.Decline(declined...).With(calls.RefuseSeconds(declineSeconds*time.Second)))
	}
	return out
}

// fit finds an offer a task of ar fits in, resources and constraints.
func (m *Marathon) fit(ar *appRecord, pools []*pool, agents map[string]app.Placement) (int, []int) {
	var others []app.Placement
	for _, t := range m.tasksOf(ar.App.ID) {
		if pl, ok := agents[t.AgentID]; ok {
			others = append(others, pl)
		} else {
			others = append(others, app.Placement{Hostname: t.Host})
		}
	}
	for i, p := range pools {
		if !app.Fits(&ar.App, placement(p.offer), others) {
			continue
		}
		if ports, ok := p.take(&ar.App); ok {
			return i, ports
		}
	}
	return -1, nil
}

// taskIDPrefix is Marathon's task id prefix for an app: the id without
// its leading slash, slashes as underscores.
func taskIDPrefix(appID string) string {
	return strings.ReplaceAll(strings.TrimPrefix(appID, "/"), "/", "_")
}

// taskName is Marathon's task name: the app id's segments reversed, dotted.
func taskName(appID string) string {
	seg := strings.Split(strings.TrimPrefix(appID, "/"), "/")
	for i, j := 0, len(seg)-1; i < j; i, j = i+1, j-1 {
		seg[i], seg[j] = seg[j], seg[i]
	}
	return strings.Join(seg, ".")
}

// newTask builds the TaskInfo of one instance and records the task.
func (m *Marathon) newTask(ar *appRecord, o *mesos.Offer, ports []int, now time.Time) mesos.TaskInfo {
	a := &ar.App
	id := taskIDPrefix(a.ID) + "." + uuid.NewString()
	m.rec.Tasks[id] = &taskRecord{ID: id, AppID: a.ID, AgentID: o.AgentID.Value, Host: o.Hostname, Ports: ports,
		Version: ar.ConfigVersion, State: mesos.TASK_STAGING.String(), StagedAt: now}
	m.log.Info("launching task", "task", id, "app", a.ID, "agent", o.Hostname, "ports", ports)
	env := app.TaskEnv(a, ar.Version, id, o.Hostname, ports)
	return mesos.TaskInfo{
		Name: taskName(a.ID), TaskID: mesos.TaskID{Value: id}, AgentID: o.AgentID,
		Resources:   taskResources(a, ports),
		Command:     command(a, env),
		HealthCheck: healthCheck(a, ports),
		Check:       check(a, ports),
		KillPolicy:  killPolicy(a),
		Labels:      labels(a.Labels),
		Discovery:   discovery(a, ports),
	}
}

// labels are the app's labels, sorted, as the task's.
func labels(m map[string]string) *mesos.Labels {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := &mesos.Labels{}
	for _, k := range keys {
		v := m[k]
		out.Labels = append(out.Labels, mesos.Label{Key: k, Value: &v})
	}
	return out
}

// discovery is the task's DiscoveryInfo as Marathon sets it: visible to
// the framework, named as the task, one port per port definition with
// its name, protocol and labels.
func discovery(a *app.App, ports []int) *mesos.DiscoveryInfo {
	name := taskName(a.ID)
	d := &mesos.DiscoveryInfo{Visibility: mesos.FRAMEWORK, Name: &name, Ports: &mesos.Ports{}}
	for i, p := range ports {
		def := a.PortDefinitions[i]
		port := mesos.Port{Number: uint32(p), Protocol: &def.Protocol, Labels: labels(def.Labels)}
		if def.Name != "" {
			port.Name = &def.Name
		}
		d.Ports.Ports = append(d.Ports.Ports, port)
	}
	return d
}

func taskResources(a *app.App, ports []int) []mesos.Resource {
	scalar := func(name string, v float64) mesos.Resource {
		return mesos.Resource{Name: name, Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: v}}
	}
	res := []mesos.Resource{scalar("cpus", a.CPUs), scalar("mem", a.Mem)}
	if a.Disk > 0 {
		res = append(res, scalar("disk", a.Disk))
	}
	if len(ports) > 0 {
		var rs []mesos.Value_Range
		for _, p := range ports {
			rs = append(rs, mesos.Value_Range{Begin: uint64(p), End: uint64(p)})
		}
		res = append(res, mesos.Resource{Name: "ports", Type: mesos.RANGES.Enum(), Ranges: &mesos.Value_Ranges{Range: rs}})
	}
	return res
}

// command is the task's CommandInfo for the command executor: cmd through
// /bin/sh -c, or args as they are; the environment; the fetch URIs.
func command(a *app.App, env map[string]string) *mesos.CommandInfo {
	ci := &mesos.CommandInfo{}
	if a.Cmd != "" {
		shell := true
		ci.Shell, ci.Value = &shell, &a.Cmd
	} else {
		shell := false
		ci.Shell, ci.Value, ci.Arguments = &shell, &a.Args[0], a.Args
	}
	if a.User != "" {
		ci.User = &a.User
	}
	names := make([]string, 0, len(env))
	for k := range env {
		names = append(names, k)
	}
	sort.Strings(names)
	ci.Environment = &mesos.Environment{}
	for _, k := range names {
		v := env[k]
		ci.Environment.Variables = append(ci.Environment.Variables,
			mesos.Environment_Variable{Name: k, Type: mesos.Environment_Variable_VALUE.Enum(), Value: &v})
	}
	for _, f := range a.Fetch {
		u := mesos.CommandInfo_URI{Value: f.URI, Executable: &f.Executable, Extract: &f.Extract, Cache: &f.Cache}
		if f.DestPath != "" {
			u.OutputFile = &f.DestPath
		}
		ci.URIs = append(ci.URIs, u)
	}
	return ci
}

// healthCheck translates the app's Mesos health check: the port is the
// task's port at portIndex (or the given port); maxConsecutiveFailures is
// Mesos's consecutive_failures as it is.
func healthCheck(a *app.App, ports []int) *mesos.HealthCheck {
	if len(a.HealthChecks) == 0 {
		return nil
	}
	h := a.HealthChecks[0]
	sec := func(v int) *float64 { f := float64(v); return &f }
	failures := uint32(h.MaxConsecutiveFailures)
	hc := &mesos.HealthCheck{
		DelaySeconds: sec(h.DelaySeconds), IntervalSeconds: sec(h.IntervalSeconds), TimeoutSeconds: sec(h.TimeoutSeconds),
		GracePeriodSeconds: sec(h.GracePeriodSeconds), ConsecutiveFailures: &failures,
	}
	port := 0
	switch {
	case h.Port != nil:
		port = *h.Port
	case h.PortIndex != nil && *h.PortIndex < len(ports):
		port = ports[*h.PortIndex]
	}
	switch h.Protocol {
	case "MESOS_HTTP", "MESOS_HTTPS":
		scheme := "http"
		if h.Protocol == "MESOS_HTTPS" {
			scheme = "https"
		}
		path := h.Path
		hc.Type = mesos.HealthCheck_HTTP
		hc.HTTP = &mesos.HealthCheck_HTTPCheckInfo{Scheme: &scheme, Port: uint32(port), Path: &path}
	case "MESOS_TCP":
		hc.Type = mesos.HealthCheck_TCP
		hc.TCP = &mesos.HealthCheck_TCPCheckInfo{Port: uint32(port)}
	case "COMMAND":
		shell := true
		hc.Type = mesos.HealthCheck_COMMAND
		hc.Command = &mesos.CommandInfo{Shell: &shell, Value: &h.Command.Value}
	}
	return hc
}

// check translates the app's Marathon check into a Mesos CheckInfo.
func check(a *app.App, ports []int) *mesos.CheckInfo {
	c := a.Check
	if c == nil {
		return nil
	}
	sec := func(v int) *float64 { f := float64(v); return &f }
	ci := &mesos.CheckInfo{DelaySeconds: sec(c.DelaySeconds), IntervalSeconds: sec(c.IntervalSeconds), TimeoutSeconds: sec(c.TimeoutSeconds)}
	port := func(index, port *int) uint32 {
		switch {
		case port != nil:
			return uint32(*port)
		case index != nil && *index < len(ports):
			return uint32(ports[*index])
		}
		return 0
	}
	switch {
	case c.HTTP != nil:
		path := c.HTTP.Path
		ci.Type = mesos.CheckInfo_HTTP
		ci.HTTP = &mesos.CheckInfo_Http{Port: port(c.HTTP.PortIndex, c.HTTP.Port), Path: &path}
	case c.TCP != nil:
		ci.Type = mesos.CheckInfo_TCP
		ci.TCP = &mesos.CheckInfo_Tcp{Port: port(c.TCP.PortIndex, c.TCP.Port)}
	case c.Exec != nil:
		shell := true
		ci.Type = mesos.CheckInfo_COMMAND
		ci.Command = &mesos.CheckInfo_Command{Command: mesos.CommandInfo{Shell: &shell, Value: &c.Exec.Command.Shell}}
	}
	return ci
}

// killPolicy is taskKillGracePeriodSeconds as a Mesos kill policy.
func killPolicy(a *app.App) *mesos.KillPolicy {
	g := a.TaskKillGracePeriodSeconds
	if g == nil {
		return nil
	}
	return &mesos.KillPolicy{GracePeriod: &mesos.DurationInfo{Nanoseconds: int64(*g * float64(time.Second))}}
}
