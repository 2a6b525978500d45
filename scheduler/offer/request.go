// Package offer decides whether resource offers can host a pod instance
// and, for the first that can, which operations to send: RESERVE of the
// resources the instance does not hold yet, CREATE of its persistent
// volumes, and one LAUNCH_GROUP per task with the default executor. Every
// other offer gets the reasons it was refused, in words fit for a step's
// reason and the offers debug endpoint.
//
// The package is pure: it reads offers and stored TaskInfos and returns
// operations and TaskInfos to store, without IO or a clock; new ids come
// from Request.NewID.
//
// Identity. Every reserved resource carries reservation labels resource_id
// (a new UUID per reservation), framework_id and slot: the place in the pod
// instance the resource fills ("executor/cpus", "task:server/port:http",
// "volume:data", …). A pod instance relaunches in place by finding, in an
// offer, the reserved resources whose resource_id its stored TaskInfos
// name; a slot whose size changed reserves or unreserves the difference
// under the same labels. Resources with our framework_id that no task
// claims are released by Unexpected.
//
// Resources are handled in the post-refinement format (a stack of
// reservations): the program must set mesos-go's
// mesos.CapabilityReservationRefinement to "1" before it evaluates offers,
// so that mesos-go's resource algebra compares them so. The kennel binary
// does in main; tests do in TestMain.
package offer

import (
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/servicespec"
	"github.com/kennel-sdk/kennel/servicespec/placement"
)

// Reservation label keys.
const (
	LabelResourceID  = "resource_id"
	LabelFrameworkID = "framework_id"
	LabelSlot        = "slot"
)

// TaskInfo label keys, as DC/OS Commons writes them, plus Kennel's own.
const (
	LabelTargetConfig = "target_configuration"
	LabelTaskType     = "task_type"
	LabelIndex        = "index"
	LabelHostname     = "offer_hostname"
	LabelZone         = "offer_zone"
	LabelRegion       = "offer_region"
	LabelAttributes   = "offer_attributes"
	LabelGoal         = "goal"
)

// Executor overhead, reserved once per pod instance (DC/OS Commons' values).
const (
	ExecutorCPUs   = 0.1
	ExecutorMemMB  = 32
	ExecutorDiskMB = 256
)

// Identity is who the scheduler reserves and launches as.
type Identity struct {
	Service     string // the service name; task ids start with it
	FrameworkID string
	Role        string
	Principal   string
	User        string
}

// Endpoints are the scheduler's addresses tasks may need.
type Endpoints struct {
	// APIHost and APIPort are where the scheduler's API listens
	// (SCHEDULER_API_HOSTNAME/PORT in task environments).
	APIHost string
	APIPort int
	// Artifacts is the base URL config templates are fetched from:
	// <Artifacts>/template/<config>/<pod>/<task>/<name>.
	Artifacts string
	// Bootstrap is the URL of the kennel binary a task with config
	// templates fetches to render them (./kennel bootstrap).
	Bootstrap string
}

// Request is one step's need: tasks of one pod instance to launch.
type Request struct {
	Identity
	Endpoints
	Spec     *servicespec.ServiceSpec
	ConfigID string
	Pod      *servicespec.PodSpec
	Index    int
	// Tasks are the spec names of the tasks to launch.
	Tasks []string
	// Env is extra task environment: routed scheduler variables and plan
	// parameters (see RouteEnv).
	Env map[string]string
	// Existing are the stored TaskInfos of the instance's tasks, by spec
	// task name; their reserved resources are reused in place.
	Existing map[string]*mesos.TaskInfo
	// Permanent ignores Existing: the instance is replaced on fresh
	// resources, wherever its placement allows.
	Permanent bool
	// LiveExecutor is the instance's running executor, if one still runs
	// a task: the new tasks join it and its resources are not needed.
	LiveExecutor *mesos.ExecutorInfo
	// Placed are the agents of the other instances of the pod type, for
	// placement rules.
	Placed []placement.Agent
	// Paused names the tasks (spec names) whose goal is PAUSED: they launch
	// with a command that only sleeps and a readiness check that never
	// passes, on the same resources (reference §1.6, debug pod pause).
	Paused map[string]bool
	// NewID returns a fresh unique id (a UUID in production).
	NewID func() string
}

// Match is the offer that can host the request and what to do with it.
type Match struct {
	Offer mesos.Offer
	// Operations, in order: RESERVE and UNRESERVE, CREATE, LAUNCH_GROUP.
	Operations []mesos.Offer_Operation
	// Tasks are the TaskInfos launched (Executor set), to store before
	// the operations are sent.
	Tasks []mesos.TaskInfo
}

// Refusal is why one offer cannot host the request.
type Refusal struct {
	OfferID  string   `json:"offer_id"`
	Hostname string   `json:"hostname"`
	Reasons  []string `json:"reasons"`
}
