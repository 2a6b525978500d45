package brokers

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/kennel-sdk/kennel/scheduler"
)

// Pod is the pod type whose instances are brokers; Task is its task.
const (
	Pod  = "kafka"
	Task = "broker"
)

// Seeds of the Kafka scheduler.
const (
	// SeedClusterID is the KRaft cluster id.
	SeedClusterID = "cluster-id"
	// SeedControllers is how many brokers, from node 0, are controllers.
	SeedControllers = "controllers"
)

// MaxControllers is the size of the controller quorum of a cluster of at
// least that many brokers.
const MaxControllers = 3

// Variables the brokers' tasks get from the spec and from Env.
const (
	// Spec variables Env reads from a placed broker's environment.
	VarBrokerPort     = "KAFKA_BROKER_PORT"
	VarBrokerPortTLS  = "KAFKA_BROKER_PORT_TLS"
	VarControllerPort = "KAFKA_CONTROLLER_PORT"
	VarAdvertise      = "KAFKA_ADVERTISE"
	// Values Env gives.
	VarClusterID      = "KAFKA_CLUSTER_ID"
	VarProcessRoles   = "KAFKA_PROCESS_ROLES"
	VarController     = "KAFKA_CONTROLLER"
	VarAdvertisedHost = "KAFKA_ADVERTISED_HOST"
	VarQuorumVoters   = "KAFKA_CONTROLLER_QUORUM_VOTERS"
)

// Advertise modes (VarAdvertise): what a broker advertises to clients and
// to the other nodes.
const (
	// AdvertiseAgent advertises the hostname of the agent the broker was
	// placed on: reachable on any cluster whose agents' hostnames resolve
	// (DC/OS agents are named by IP; the local cluster's agents are
	// 127.0.1.N).
	AdvertiseAgent = "agent"
	// AdvertiseAutoIP advertises DC/OS's per-task DNS name,
	// <task>.<service>.autoip.dcos.thisdcos.directory.
	AdvertiseAutoIP = "autoip"
)

// ValidAdvertise reports whether mode is an advertise mode.
func ValidAdvertise(mode string) bool { return mode == AdvertiseAgent || mode == AdvertiseAutoIP }

// Env is the Kafka scheduler's scheduler.EnvSource.
type Env struct{}

var _ scheduler.EnvSource = Env{}

// InstanceEnv gives broker inst.Index its cluster id, roles, advertised
// host and the controller quorum; the quorum is pending until every
// controller is placed. Instances of other pod types get nothing.
func (Env) InstanceEnv(v scheduler.EnvView, inst scheduler.Instance) scheduler.InstanceEnv {
	if inst.Pod != Pod {
		return scheduler.InstanceEnv{}
	}
	out := scheduler.InstanceEnv{Values: map[string]string{VarClusterID: v.Seeds[SeedClusterID]}}
	controllers := controllerCount(v)
	out.Values[VarProcessRoles] = "broker"
	if inst.Index < controllers {
		out.Values[VarProcessRoles] = "broker,controller"
		out.Values[VarController] = "true"
	}
	placed := brokers(v)
	if self, ok := placed[inst.Index]; ok {
		out.Values[VarAdvertisedHost] = advertisedHost(v.Service, self)
	} else {
		out.Pending = fmt.Sprintf("waiting for broker %d to be placed", inst.Index)
		return out
	}
	voters, missing := quorum(v.Service, placed, controllers)
	if len(missing) > 0 {
		noun := "controller "
		if len(missing) > 1 {
			noun = "controllers "
		}
		out.Pending = "waiting for " + noun + strings.Join(missing, ", ") + " to be placed"
		return out
	}
	out.Values[VarQuorumVoters] = voters
	return out
}

// controllerCount is the seed SeedControllers, or, without it, the quorum
// the current count gives.
func controllerCount(v scheduler.EnvView) int {
	if n, err := strconv.Atoi(v.Seeds[SeedControllers]); err == nil && n > 0 {
		return n
	}
	return ControllersFor(v.Counts[Pod])
}

// ControllersFor is the number of controllers of a cluster of count
// brokers: all of them up to MaxControllers.
func ControllersFor(count int) int { return max(1, min(MaxControllers, count)) }

// brokers are the placed broker tasks by node id.
func brokers(v scheduler.EnvView) map[int]scheduler.PlacedTask {
	out := map[int]scheduler.PlacedTask{}
	for _, name := range slices.Sorted(maps.Keys(v.Placed)) {
		p := v.Placed[name]
		if p.Pod == Pod && p.Task == Task {
			out[p.Index] = p
		}
	}
	return out
}

// advertisedHost is the host a placed broker advertises.
func advertisedHost(service string, p scheduler.PlacedTask) string {
	if p.Env[VarAdvertise] == AdvertiseAutoIP {
		return AutoIPName(service, p.Instance.String()+"-"+p.Task)
	}
	return p.Hostname
}

// AutoIPName is DC/OS's DNS name of a task:
// <task>.<service>.autoip.dcos.thisdcos.directory, the service's "/"
// dropped and "." turned into "-".
func AutoIPName(service, task string) string {
	svc := strings.ReplaceAll(strings.ReplaceAll(strings.Trim(service, "/"), "/", ""), ".", "-")
	return strings.ReplaceAll(task, ".", "-") + "." + svc + ".autoip.dcos.thisdcos.directory"
}

// quorum is controller.quorum.voters, "<id>@<host>:<port>,..." for node
// ids 0..controllers-1, and the controllers not placed yet.
func quorum(service string, placed map[int]scheduler.PlacedTask, controllers int) (string, []string) {
	var voters, missing []string
	for id := range controllers {
		p, ok := placed[id]
		port := p.Env[VarControllerPort]
		if !ok || port == "" {
			missing = append(missing, Pod+"-"+strconv.Itoa(id))
			continue
		}
		voters = append(voters, fmt.Sprintf("%d@%s:%s", id, advertisedHost(service, p), port))
	}
	return strings.Join(voters, ","), missing
}
