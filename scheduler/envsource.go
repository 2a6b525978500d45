package scheduler

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/scheduler/offer"
)

// EnvSource is the extension point through which a service written in Go
// adds values to the environment of its tasks: values the scheduler
// computes from where the service's pod instances are placed (a KRaft
// controller quorum from the controllers' agents and reserved ports) and
// from its seeds (values generated once per service and kept in the state
// store, such as a cluster id; see Config.Seeds).
//
// The core asks it each time it launches tasks of a pod instance, with a
// view in which that launch is already placed, and adds the values to the
// environment of each launched task (of its command, readiness and health
// checks), over the task's own variables. A value the source cannot give
// yet (another instance it depends on is not placed) is Pending: the core
// then also sets EnvURLVariable, and `kennel bootstrap` fetches the values
// from the scheduler (Core.InstanceEnv, served at
// /v1/artifacts/env/<instance>) until none is pending, before it renders
// the task's config templates. Pending values thus reach config templates
// only, never the task's own command line.
//
// InstanceEnv must be a pure function of its arguments: it runs on the
// core's goroutine, inside decisions that must replay identically.
type EnvSource interface {
	InstanceEnv(v EnvView, inst Instance) InstanceEnv
}

// EnvURLVariable names the variable that tells `kennel bootstrap` where to
// fetch the values an EnvSource still had pending when the task launched.
const EnvURLVariable = "KENNEL_ENV_URL"

// Instance is a pod instance: a pod type and an index.
type Instance struct {
	Pod   string
	Index int
}

func (i Instance) String() string { return i.Pod + "-" + strconv.Itoa(i.Index) }

// EnvView is what an EnvSource computes from.
type EnvView struct {
	// Service is the service name.
	Service string
	// Seeds are the service's seeds (Config.Seeds).
	Seeds map[string]string
	// Counts are the pod types' instance counts in the target configuration.
	Counts map[string]int
	// Config is the target configuration's id.
	Config string
	// CACert is the service's CA certificate (PEM) when it has one
	// (transport encryption, Config.CACert): what the scheduler's own
	// clients of its tasks' TLS listeners trust.
	CACert []byte
	// SecretSeeds are the secret seeds (Config.SecretSeeds), for the
	// scheduler's own clients of its tasks (a Kafka admin's password). An
	// EnvSource must never put them in InstanceEnv: a task's environment
	// is in its TaskInfo, which the API serves.
	SecretSeeds map[string]string
	// Placed are the tasks that hold resources, by task name: launched,
	// not replaced (a replaced instance is placed again when it
	// relaunches) and not decommissioned.
	Placed map[string]PlacedTask
}

// PlacedTask is where a task was launched.
type PlacedTask struct {
	Instance
	// Task is the task's name in the spec.
	Task string
	// Hostname is the agent's hostname.
	Hostname string
	// Env is the environment the task was launched with: the spec's
	// variables, the reserved ports' env keys, and the EnvSource's values.
	Env map[string]string
	// ConfigID is the configuration the task was launched with: an
	// update still has to relaunch it when it is not EnvView.Config.
	ConfigID string
	// TaskID is the Mesos TaskID of the launch; Ready is set once it runs
	// and passed its readiness check (never for a launch not yet stored).
	TaskID string
	Ready  bool
}

// InstanceEnv is what an EnvSource gives for a pod instance.
type InstanceEnv struct {
	// Values are added to the environment of the instance's tasks.
	Values map[string]string
	// Pending, when not empty, says in words what the values still wait
	// for; the values are then incomplete.
	Pending string
}

// EnvView is where the service's pod instances are placed now, as an
// EnvSource sees them.
func (c *Core) EnvView() EnvView { return c.envView(nil) }

// envView is the EnvSource's view of the stored tasks, with the tasks of
// launched (about to be stored) in place of their instance's.
func (c *Core) envView(launched []mesos.TaskInfo) EnvView {
	v := EnvView{Service: c.cfg.Service, Seeds: c.cfg.Seeds, Counts: map[string]int{}, Config: c.configID, CACert: c.cfg.CACert, SecretSeeds: c.cfg.SecretSeeds,
		Placed: map[string]PlacedTask{}}
	if c.spec != nil {
		for _, p := range c.spec.Pods {
			v.Counts[p.Name] = p.Count
		}
	}
	replaced := map[string]bool{}
	for i := range launched {
		t := &task{name: launched[i].Name, head: headOf(&launched[i])}
		replaced[t.instance()] = true
		v.Placed[t.name] = PlacedTaskOf(&launched[i])
	}
	for _, name := range slices.Sorted(maps.Keys(c.tasks)) {
		t := c.tasks[name]
		if replaced[t.instance()] || t.head.id == "" || t.permanentlyFailed() || t.goal == goalDecommissioned {
			continue
		}
		p := placedStored(t)
		p.Ready = c.isReady(t)
		v.Placed[name] = p
	}
	return v
}

// PlacedTaskOf is where a launched TaskInfo (one the core built) places
// its task, as EnvView shows it.
func PlacedTaskOf(info *mesos.TaskInfo) PlacedTask {
	return placedTask(&task{name: info.Name, head: headOf(info)}, info.GetCommand())
}

// placedStored is PlacedTaskOf of a stored task's TaskInfo, of which it
// decodes only the command.
func placedStored(t *task) PlacedTask {
	cmd, _ := storedCommand(t.info) // t.info decodes (task.decodeInfo)
	return placedTask(t, cmd)
}

// placedTask is PlacedTaskOf of the TaskInfo of t, whose name is the
// TaskInfo's, with command cmd.
func placedTask(t *task, cmd *mesos.CommandInfo) PlacedTask {
	env := map[string]string{}
	for _, e := range cmd.GetEnvironment().GetVariables() {
		env[e.Name] = e.GetValue()
	}
	return PlacedTask{Instance: Instance{Pod: t.pod(), Index: t.index()}, Task: t.specName(),
		Hostname: t.head.hostname, Env: env, ConfigID: t.head.target, TaskID: t.head.id}
}

// addInstanceEnv adds the EnvSource's values to the tasks a match of inst
// launches, and EnvURLVariable when some are pending.
func (c *Core) addInstanceEnv(inst Instance, m *offer.Match) {
	if c.cfg.Env == nil || len(m.Tasks) == 0 {
		return
	}
	got := c.cfg.Env.InstanceEnv(c.envView(m.Tasks), inst)
	values := maps.Clone(got.Values)
	if values == nil {
		values = map[string]string{}
	}
	if got.Pending != "" {
		values[EnvURLVariable] = strings.TrimRight(c.cfg.Artifacts, "/") + "/env/" + inst.String()
	}
	m.SetEnv(values)
}

// InstanceEnv is what the EnvSource now gives for a pod instance (for
// `kennel bootstrap`, through the API); an error wrapping ErrUnknownPod
// if the target configuration has no such instance, or if the service
// has no EnvSource.
func (c *Core) InstanceEnv(instance string) (InstanceEnv, error) {
	cut := strings.LastIndex(instance, "-")
	if cut < 0 || c.spec == nil || c.cfg.Env == nil {
		return InstanceEnv{}, fmt.Errorf("%w %s", ErrUnknownPod, instance)
	}
	index, err := strconv.Atoi(instance[cut+1:])
	pod := c.spec.Pod(instance[:cut])
	if err != nil || pod == nil || index < 0 || index >= pod.Count || strconv.Itoa(index) != instance[cut+1:] {
		return InstanceEnv{}, fmt.Errorf("%w %s", ErrUnknownPod, instance)
	}
	return c.cfg.Env.InstanceEnv(c.envView(nil), Instance{Pod: pod.Name, Index: index}), nil
}
