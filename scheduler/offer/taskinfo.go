package offer

import (
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/certs/taskenv"
	"github.com/kennel-sdk/kennel/servicespec"
	"github.com/kennel-sdk/kennel/servicespec/placement"
)

// executor is the ExecutorInfo the instance's tasks run under: the live
// one, or a new default executor with the executor slots' resources.
func (p *plan) executor(o mesos.Offer) mesos.ExecutorInfo {
	if p.req.LiveExecutor != nil {
		return *proto.Clone(p.req.LiveExecutor).(*mesos.ExecutorInfo)
	}
	inst := instanceName(p.req.Pod.Name, p.req.Index)
	return mesos.ExecutorInfo{
		Type:        mesos.ExecutorInfo_DEFAULT,
		ExecutorID:  mesos.ExecutorID{Value: inst + "__" + p.req.NewID()},
		FrameworkID: &mesos.FrameworkID{Value: p.req.FrameworkID},
		Name:        proto.String(inst),
		Resources:   p.ownedBy(executorOwner),
	}
}

func instanceName(pod string, index int) string { return pod + "-" + strconv.Itoa(index) }

// TaskName is a task instance's name, <pod>-<index>-<task>.
func TaskName(pod string, index int, task string) string {
	return instanceName(pod, index) + "-" + task
}

// TaskID is a new Mesos TaskID for a task: <service>__<task name>__<id>,
// the service's leading "/" dropped and other "/" turned into ".".
func TaskID(service, taskName, id string) string {
	s := strings.ReplaceAll(strings.TrimPrefix(service, "/"), "/", ".")
	return s + "__" + taskName + "__" + id
}

// task builds the TaskInfo of one task of the request.
func (p *plan) task(t *servicespec.TaskSpec, o mesos.Offer, ex mesos.ExecutorInfo) mesos.TaskInfo {
	name := TaskName(p.req.Pod.Name, p.req.Index, t.Name)
	agent := AgentOf(o)
	env := p.env(t, agent)
	cmd := mesos.CommandInfo{Shell: proto.Bool(true), Value: proto.String(t.Cmd), Environment: environment(env)}
	if p.req.User != "" {
		cmd.User = proto.String(p.req.User)
	}
	for _, u := range p.req.Pod.URIs {
		cmd.URIs = append(cmd.URIs, mesos.CommandInfo_URI{Value: u, Extract: proto.Bool(true)})
	}
	if len(t.Configs) > 0 || len(t.TransportEncryption) > 0 {
		for _, cname := range slices.Sorted(maps.Keys(t.Configs)) {
			cmd.URIs = append(cmd.URIs, mesos.CommandInfo_URI{
				Value:      p.templateURL(t.Name, cname),
				Extract:    proto.Bool(false),
				OutputFile: proto.String("config-templates/" + cname),
			})
		}
		if p.req.Bootstrap != "" {
			cmd.URIs = append(cmd.URIs, mesos.CommandInfo_URI{Value: p.req.Bootstrap, Executable: proto.Bool(true), OutputFile: proto.String("kennel")})
		}
		cmd.Value = proto.String(BootstrapCommand(t.Cmd))
	}
	info := mesos.TaskInfo{
		Name:      name,
		TaskID:    mesos.TaskID{Value: TaskID(p.req.Service, name, p.req.NewID())},
		AgentID:   o.AgentID,
		Resources: p.ownedBy(ownerOf(t)),
		Command:   &cmd,
		Executor:  &ex,
		Container: container(p.req.Pod),
		Labels:    p.labels(t, agent),
		KillPolicy: &mesos.KillPolicy{GracePeriod: &mesos.DurationInfo{
			Nanoseconds: int64(time.Duration(t.KillGracePeriod) * time.Second)}},
	}
	if p.req.Paused[t.Name] {
		cmd.Value = proto.String(PauseCommand)
		info.Command = &cmd
		info.Check = &mesos.CheckInfo{Type: mesos.CheckInfo_COMMAND,
			Command:         &mesos.CheckInfo_Command{Command: mesos.CommandInfo{Shell: proto.Bool(true), Value: proto.String("exit 1")}},
			IntervalSeconds: seconds(60), TimeoutSeconds: seconds(5)}
		return info
	}
	if hc := t.HealthCheck; hc != nil {
		failures := uint32(hc.MaxConsecutiveFailures)
		info.HealthCheck = &mesos.HealthCheck{
			Type: mesos.HealthCheck_COMMAND, Command: &mesos.CommandInfo{Shell: proto.Bool(true), Value: proto.String(hc.Cmd), Environment: environment(env)},
			DelaySeconds: seconds(hc.Delay), IntervalSeconds: seconds(hc.Interval), TimeoutSeconds: seconds(hc.Timeout),
			GracePeriodSeconds: seconds(hc.GracePeriod), ConsecutiveFailures: &failures,
		}
	}
	if rc := t.ReadinessCheck; rc != nil {
		info.Check = &mesos.CheckInfo{
			Type:         mesos.CheckInfo_COMMAND,
			Command:      &mesos.CheckInfo_Command{Command: mesos.CommandInfo{Shell: proto.Bool(true), Value: proto.String(rc.Cmd), Environment: environment(env)}},
			DelaySeconds: seconds(rc.Delay), IntervalSeconds: seconds(rc.Interval), TimeoutSeconds: seconds(rc.Timeout),
		}
	}
	if d := p.discovery(t, name); d != nil {
		info.Discovery = d
	}
	return info
}

func seconds(n int) *float64 { v := float64(n); return &v }

// PauseCommand is what a paused task runs instead of its command.
const PauseCommand = "trap 'exit 0' TERM; while true; do sleep 1000 & wait $!; done"

// templateURL is where the scheduler serves a config template.
func (p *plan) templateURL(task, config string) string {
	return strings.TrimRight(p.req.Artifacts, "/") + "/template/" + url.PathEscape(p.req.ConfigID) + "/" +
		url.PathEscape(p.req.Pod.Name) + "/" + url.PathEscape(task) + "/" + url.PathEscape(config)
}

// env is a task's environment, lowest precedence first: routed scheduler
// variables and plan parameters, the task's env, then what the scheduler
// sets (reference §2.4).
func (p *plan) env(t *servicespec.TaskSpec, agent placement.Agent) map[string]string {
	env := map[string]string{}
	for k, v := range p.req.Env {
		env[k] = v
	}
	for k, v := range t.Env {
		env[k] = v
	}
	svc := p.req.Service
	dns := strings.ReplaceAll(strings.Trim(svc, "/"), "/", "")
	name := TaskName(p.req.Pod.Name, p.req.Index, t.Name)
	set := map[string]string{
		"TASK_NAME":              name,
		envName(name):            "true",
		"POD_INSTANCE_INDEX":     strconv.Itoa(p.req.Index),
		"FRAMEWORK_NAME":         svc,
		"FRAMEWORK_HOST":         dns + ".autoip.dcos.thisdcos.directory",
		"FRAMEWORK_VIP_HOST":     dns + ".l4lb.thisdcos.directory",
		"SCHEDULER_API_HOSTNAME": p.req.APIHost,
		"SCHEDULER_API_PORT":     strconv.Itoa(p.req.APIPort),
		"MESOS_CONTAINER_IP":     agent.Hostname,
	}
	if agent.Region != "" {
		set["REGION"] = agent.Region
	}
	if agent.Zone != "" {
		set["ZONE"] = agent.Zone
	}
	for k, v := range set {
		env[k] = v
	}
	for key, port := range p.ports {
		env[key] = strconv.FormatUint(port, 10)
	}
	for _, cname := range slices.Sorted(maps.Keys(t.Configs)) {
		env["CONFIG_TEMPLATE_"+envName(cname)] = "config-templates/" + cname + "," + t.Configs[cname].Dest
	}
	p.tlsEnv(t, name, env)
	return env
}

func environment(env map[string]string) *mesos.Environment {
	keys := slices.Sorted(maps.Keys(env))
	e := &mesos.Environment{}
	for _, k := range keys {
		e.Variables = append(e.Variables, mesos.Environment_Variable{Name: k, Type: mesos.Environment_Variable_VALUE.Enum(), Value: proto.String(env[k])})
	}
	return e
}

// labels are DC/OS Commons' TaskInfo labels.
func (p *plan) labels(t *servicespec.TaskSpec, agent placement.Agent) *mesos.Labels {
	l := map[string]string{
		LabelTargetConfig: p.req.ConfigID,
		LabelTaskType:     p.req.Pod.Name,
		LabelIndex:        strconv.Itoa(p.req.Index),
		LabelHostname:     agent.Hostname,
		LabelGoal:         t.Goal,
	}
	if agent.Zone != "" {
		l[LabelZone] = agent.Zone
	}
	if agent.Region != "" {
		l[LabelRegion] = agent.Region
	}
	if len(agent.Attributes) > 0 {
		var attrs []string
		for _, k := range slices.Sorted(maps.Keys(agent.Attributes)) {
			attrs = append(attrs, k+":"+agent.Attributes[k])
		}
		l[LabelAttributes] = strings.Join(attrs, ";")
	}
	for k, v := range t.Labels {
		l[k] = v
	}
	out := &mesos.Labels{}
	for _, k := range slices.Sorted(maps.Keys(l)) {
		out.Labels = append(out.Labels, mesos.Label{Key: k, Value: proto.String(l[k])})
	}
	return out
}

// discovery names the task and its advertised ports (reference §1.6).
func (p *plan) discovery(t *servicespec.TaskSpec, name string) *mesos.DiscoveryInfo {
	res := p.req.Pod.TaskResources(t)
	var ports []mesos.Port
	for _, pname := range slices.Sorted(maps.Keys(res.Ports)) {
		ps := res.Ports[pname]
		port, ok := p.ports[portEnvKey(pname, ps)]
		if !ok {
			continue
		}
		mp := mesos.Port{Number: uint32(port), Name: proto.String(pname), Protocol: proto.String("tcp")}
		if ps.Advertise {
			v := mesos.EXTERNAL
			mp.Visibility = &v
		}
		if ps.VIP != nil {
			mp.Labels = &mesos.Labels{Labels: []mesos.Label{{Key: LabelVIPPrefix + pname,
				Value: proto.String(vipName(pname, ps.VIP) + ":" + strconv.Itoa(ps.VIP.Port))}}}
		}
		ports = append(ports, mp)
	}
	if len(ports) == 0 && t.Discovery == nil {
		return nil
	}
	d := &mesos.DiscoveryInfo{Visibility: mesos.CLUSTER, Name: proto.String(name)}
	if t.Discovery != nil && t.Discovery.Prefix != "" {
		d.Name = proto.String(t.Discovery.Prefix + "-" + strconv.Itoa(p.req.Index))
	}
	if len(ports) > 0 {
		d.Ports = &mesos.Ports{Ports: ports}
	}
	return d
}

// LabelVIPPrefix prefixes the label of a discovery port that has a VIP:
// VIP_<port name> = <vip name>:<vip port> (DC/OS Commons labels VIP_<uuid>).
const LabelVIPPrefix = "VIP_"

// vipName is a VIP's name: its prefix, or the port's name without one.
func vipName(port string, v *servicespec.VIPSpec) string {
	if v.Prefix != "" {
		return v.Prefix
	}
	return port
}

// RouteEnv selects the scheduler variables meant for tasks of a pod type:
// TASKCFG_ALL_<K> becomes <K> for every pod, TASKCFG_<POD>_<K> (the pod
// type upper-cased, '-' as '_') becomes <K> for that pod type and wins.
func RouteEnv(schedulerEnv map[string]string, pod string) map[string]string {
	out := map[string]string{}
	podPrefix := "TASKCFG_" + envName(pod) + "_"
	keys := slices.Sorted(maps.Keys(schedulerEnv))
	for _, k := range keys {
		if rest, ok := strings.CutPrefix(k, "TASKCFG_ALL_"); ok && rest != "" {
			out[rest] = schedulerEnv[k]
		}
	}
	for _, k := range keys {
		if rest, ok := strings.CutPrefix(k, podPrefix); ok && rest != "" {
			out[rest] = schedulerEnv[k]
		}
	}
	return out
}

// SetEnv sets variables (over any of the same name) in the environment of
// a TaskInfo's command and of its readiness and health checks that carry
// the task's environment.
func SetEnv(info *mesos.TaskInfo, vars map[string]string) {
	if len(vars) == 0 {
		return
	}
	set := func(e *mesos.Environment) *mesos.Environment {
		m := map[string]string{}
		for _, v := range e.GetVariables() {
			m[v.Name] = v.GetValue()
		}
		maps.Copy(m, vars)
		return environment(m)
	}
	if info.Command != nil {
		info.Command.Environment = set(info.Command.Environment)
	}
	if c := info.GetCheck().GetCommand(); c != nil && c.Command.Environment != nil {
		c.Command.Environment = set(c.Command.Environment)
	}
	if h := info.GetHealthCheck().GetCommand(); h != nil && h.Environment != nil {
		h.Environment = set(h.Environment)
	}
}

// SetEnv sets vars in the environment of every task the match launches,
// in its TaskInfos and in its LAUNCH_GROUP operations (see SetEnv).
func (m *Match) SetEnv(vars map[string]string) {
	for i := range m.Tasks {
		SetEnv(&m.Tasks[i], vars)
	}
	for _, op := range m.Operations {
		if op.LaunchGroup != nil {
			for j := range op.LaunchGroup.TaskGroup.Tasks {
				SetEnv(&op.LaunchGroup.TaskGroup.Tasks[j], vars)
			}
		}
	}
}

// tlsEnv sets, on a task with transport encryption, what its bootstrap
// needs to obtain its certificate (package certs/taskenv): the entries,
// where to send its signing request, and a fresh token for this launch.
func (p *plan) tlsEnv(t *servicespec.TaskSpec, name string, env map[string]string) {
	if len(t.TransportEncryption) == 0 {
		return
	}
	entries := make([]taskenv.Encryption, len(t.TransportEncryption))
	for i, e := range t.TransportEncryption {
		entries[i] = taskenv.Encryption{Name: e.Name, Type: e.Type}
	}
	env[taskenv.Encryptions] = taskenv.Format(entries)
	env[taskenv.URL] = strings.TrimRight(p.req.Artifacts, "/") + "/tls/certs/" + url.PathEscape(name)
	env[taskenv.Token] = p.req.NewID()
}
