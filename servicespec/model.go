package servicespec

// The types below are the validated, defaulted ServiceSpec. Their JSON form
// is the canonical form (see the package documentation): every field is
// tagged with its svc.yml key, named collections whose order matters (pods,
// tasks, plans, phases) marshal as ordered JSON objects, and other named
// collections are Go maps, which encoding/json writes sorted by key.
//
// A *ServiceSpec returned by Load or Decode is valid; code that changes one
// must not assume it still is.

// ServiceSpec is a whole service: its pods and its plans.
type ServiceSpec struct {
	Name      string        `json:"name"`
	WebURL    string        `json:"web-url,omitempty"`
	Scheduler SchedulerSpec `json:"scheduler"`
	Pods      Pods          `json:"pods"`
	Plans     Plans         `json:"plans,omitempty"`
}

// SchedulerSpec is the identity the scheduler registers with.
type SchedulerSpec struct {
	Principal string `json:"principal"`
	Zookeeper string `json:"zookeeper"`
	User      string `json:"user"`
}

// Pods is the pod types in spec order, which is the default deploy order.
type Pods []PodSpec

// PodSpec is one pod type: Count instances named <Name>-<index>, each a
// group of tasks launched together on one agent.
type PodSpec struct {
	Name              string                        `json:"-"`
	Count             int                           `json:"count"`
	AllowDecommission bool                          `json:"allow-decommission"`
	Placement         string                        `json:"placement,omitempty"`
	Image             string                        `json:"image,omitempty"`
	Networks          map[string]NetworkSpec        `json:"networks,omitempty"`
	RLimits           map[string]RLimitSpec         `json:"rlimits,omitempty"`
	URIs              []string                      `json:"uris,omitempty"`
	Volumes           map[string]VolumeSpec         `json:"volumes,omitempty"`
	HostVolumes       map[string]HostVolumeSpec     `json:"host-volumes,omitempty"`
	ExternalVolumes   map[string]ExternalVolumeSpec `json:"external-volumes,omitempty"`
	PreReservedRole   string                        `json:"pre-reserved-role"`
	Secrets           map[string]SecretSpec         `json:"secrets,omitempty"`
	SharePIDNamespace bool                          `json:"share-pid-namespace"`
	SeccompUnconfined bool                          `json:"seccomp-unconfined"`
	SeccompProfile    string                        `json:"seccomp-profile-name,omitempty"`
	IPCMode           string                        `json:"ipc-mode,omitempty"`
	ShmSize           *int                          `json:"shm-size,omitempty"`
	ResourceSets      map[string]ResourceSetSpec    `json:"resource-sets,omitempty"`
	Tasks             Tasks                         `json:"tasks"`
}

// Tasks is a pod's tasks in spec order, which names default steps
// (hello-0:[init, server]).
type Tasks []TaskSpec

// Resources is what a task or a resource set reserves on its agent.
type Resources struct {
	CPUs           float64               `json:"cpus,omitempty"`
	GPUs           float64               `json:"gpus,omitempty"`
	Memory         int                   `json:"memory,omitempty"`
	ResourceLimits *ResourceLimitsSpec   `json:"resource-limits,omitempty"`
	Ports          map[string]PortSpec   `json:"ports,omitempty"`
	Volumes        map[string]VolumeSpec `json:"volumes,omitempty"`
}

// ResourceSetSpec is a bundle of resources shared by several tasks of a pod,
// only one of which runs at a time.
type ResourceSetSpec struct {
	Resources
}

// TaskSpec is one task of a pod. It has its own Resources or names a pod
// ResourceSet, never both.
type TaskSpec struct {
	Name                string                    `json:"-"`
	Goal                string                    `json:"goal"`
	Essential           bool                      `json:"essential"`
	Cmd                 string                    `json:"cmd,omitempty"`
	Env                 map[string]string         `json:"env,omitempty"`
	Labels              Labels                    `json:"labels,omitempty"`
	Configs             map[string]ConfigSpec     `json:"configs,omitempty"`
	ResourceSet         string                    `json:"resource-set,omitempty"`
	HealthCheck         *HealthCheckSpec          `json:"health-check,omitempty"`
	ReadinessCheck      *ReadinessCheckSpec       `json:"readiness-check,omitempty"`
	Discovery           *DiscoverySpec            `json:"discovery,omitempty"`
	KillGracePeriod     int                       `json:"kill-grace-period"`
	TransportEncryption []TransportEncryptionSpec `json:"transport-encryption,omitempty"`
	IPCMode             string                    `json:"ipc-mode,omitempty"`
	ShmSize             *int                      `json:"shm-size,omitempty"`
	Resources
}

// Task goals.
const (
	GoalRunning = "RUNNING" // keep running; relaunched by recovery
	GoalFinish  = "FINISH"  // exit 0; run again when its configuration changes
	GoalOnce    = "ONCE"    // exit 0 once; never run again
)

// Volume types.
const (
	VolumeRoot  = "ROOT"  // carved out of the agent's root disk, exactly Size MB
	VolumeMount = "MOUNT" // a whole dedicated disk of at least Size MB
)

// Labels are Mesos labels, written in svc.yml as "key:value,key:value".
type Labels map[string]string

// PortSpec is a named port. Port 0 asks for any port, optionally within
// Ranges; the chosen port reaches the task through EnvKey.
type PortSpec struct {
	Port      int         `json:"port"`
	EnvKey    string      `json:"env-key,omitempty"`
	Advertise bool        `json:"advertise"`
	VIP       *VIPSpec    `json:"vip,omitempty"`
	Ranges    []RangeSpec `json:"ranges,omitempty"`
}

// RangeSpec bounds a dynamic port; a nil side is unbounded.
type RangeSpec struct {
	Begin *int `json:"begin"`
	End   *int `json:"end"`
}

// VIPSpec is a load-balanced name for a port.
type VIPSpec struct {
	Port   int    `json:"port"`
	Prefix string `json:"prefix,omitempty"`
}

// VolumeSpec is a persistent volume mounted at Path (relative to the sandbox).
type VolumeSpec struct {
	Path     string   `json:"path"`
	Type     string   `json:"type"`
	Size     int      `json:"size"`
	Profiles []string `json:"profiles,omitempty"`
}

// ResourceLimitsSpec lets a task burst above its reservation; each value is
// a number or "unlimited".
type ResourceLimitsSpec struct {
	CPUs   string `json:"cpus,omitempty"`
	Memory string `json:"memory,omitempty"`
}

// ConfigSpec is a config template rendered inside the task to Dest.
// TemplateContent holds the template text once loaded, so that a stored
// configuration carries every template its tasks need.
type ConfigSpec struct {
	Template        string `json:"template"`
	Dest            string `json:"dest"`
	TemplateContent string `json:"template-content,omitempty"`
}

// HealthCheckSpec is a COMMAND health check; failing it kills the task.
// All durations are seconds.
type HealthCheckSpec struct {
	Cmd                    string `json:"cmd"`
	Interval               int    `json:"interval"`
	GracePeriod            int    `json:"grace-period"`
	MaxConsecutiveFailures int    `json:"max-consecutive-failures"`
	Delay                  int    `json:"delay"`
	Timeout                int    `json:"timeout"`
}

// ReadinessCheckSpec gates a step's completion on a command exiting 0.
// All durations are seconds.
type ReadinessCheckSpec struct {
	Cmd      string `json:"cmd"`
	Interval int    `json:"interval"`
	Delay    int    `json:"delay"`
	Timeout  int    `json:"timeout"`
}

// DiscoverySpec names the task in service discovery.
type DiscoverySpec struct {
	Prefix     string `json:"prefix,omitempty"`
	Visibility string `json:"visibility"`
}

// TransportEncryptionSpec asks for a TLS certificate in the sandbox.
type TransportEncryptionSpec struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// NetworkSpec joins a virtual (CNI) network.
type NetworkSpec struct {
	HostPorts      []int  `json:"host-ports,omitempty"`
	ContainerPorts []int  `json:"container-ports,omitempty"`
	Labels         Labels `json:"labels,omitempty"`
}

// RLimitSpec is a resource limit; both nil means unlimited.
type RLimitSpec struct {
	Soft *int64 `json:"soft,omitempty"`
	Hard *int64 `json:"hard,omitempty"`
}

// SecretSpec exposes a secret store entry as an env variable and/or a file.
type SecretSpec struct {
	Secret string `json:"secret"`
	EnvKey string `json:"env-key,omitempty"`
	File   string `json:"file,omitempty"`
}

// HostVolumeSpec mounts a directory of the agent into the pod.
type HostVolumeSpec struct {
	HostPath      string `json:"host-path"`
	ContainerPath string `json:"container-path"`
	Mode          string `json:"mode"`
}

// ExternalVolumeSpec is a volume provided by a Docker volume driver.
type ExternalVolumeSpec struct {
	Type          string `json:"type"`
	VolumeName    string `json:"volume-name"`
	VolumeMode    string `json:"volume-mode"`
	DriverName    string `json:"driver-name"`
	DriverOptions string `json:"driver-options,omitempty"`
	ContainerPath string `json:"container-path"`
}

// Plans is the plans of svc.yml in spec order.
type Plans []PlanSpec

// PlanSpec is a plan: phases run by Strategy (serial or parallel).
type PlanSpec struct {
	Name     string `json:"-"`
	Strategy string `json:"strategy"`
	Phases   Phases `json:"phases"`
}

// Phases is a plan's phases in spec order.
type Phases []PhaseSpec

// PhaseSpec deploys the instances of one pod type. Without Steps every
// instance gets one step that launches all the pod's tasks. A phase with
// an Action instead (a Kennel extension) has one step, which runs the
// service's action of that name (see runtime.Action); Pod is then empty.
type PhaseSpec struct {
	Name     string      `json:"-"`
	Strategy string      `json:"strategy"`
	Pod      string      `json:"pod"`
	Steps    []StepEntry `json:"steps,omitempty"`
	Action   string      `json:"action,omitempty"`
}

// StepEntry lists the steps of the instance Ordinal, or of every instance
// without an entry of its own when Default is set. Each inner list is the
// names of the tasks one step launches together.
type StepEntry struct {
	Default bool
	Ordinal int
	Steps   [][]string
}

// Pod returns the pod type named name, or nil.
func (s *ServiceSpec) Pod(name string) *PodSpec {
	for i := range s.Pods {
		if s.Pods[i].Name == name {
			return &s.Pods[i]
		}
	}
	return nil
}

// Plan returns the plan named name, or nil.
func (s *ServiceSpec) Plan(name string) *PlanSpec {
	for i := range s.Plans {
		if s.Plans[i].Name == name {
			return &s.Plans[i]
		}
	}
	return nil
}

// Task returns the task named name, or nil.
func (p *PodSpec) Task(name string) *TaskSpec {
	for i := range p.Tasks {
		if p.Tasks[i].Name == name {
			return &p.Tasks[i]
		}
	}
	return nil
}

// TaskResources returns what t reserves: its own resources, or those of the
// resource set it names.
func (p *PodSpec) TaskResources(t *TaskSpec) Resources {
	if t.ResourceSet != "" {
		return p.ResourceSets[t.ResourceSet].Resources
	}
	return t.Resources
}

// StepsFor returns the steps of instance index in p, or nil if the phase
// has explicit steps and none for index. A phase without steps gives one
// step with every task of pod.
func (p *PhaseSpec) StepsFor(pod *PodSpec, index int) [][]string {
	if len(p.Steps) == 0 {
		all := make([]string, len(pod.Tasks))
		for i, t := range pod.Tasks {
			all[i] = t.Name
		}
		return [][]string{all}
	}
	var def [][]string
	for _, e := range p.Steps {
		if e.Default {
			def = e.Steps
		} else if e.Ordinal == index {
			return e.Steps
		}
	}
	return def
}
