package wire

// PodsStatus is GET /v1/pod/status: pod types, their instances and tasks,
// each level sorted by name.
type PodsStatus struct {
	Service string      `json:"service"`
	Pods    []PodStatus `json:"pods"`
}

// PodStatus is one pod type.
type PodStatus struct {
	Name      string           `json:"name"`
	Instances []InstanceStatus `json:"instances"`
}

// InstanceStatus is one pod instance: GET /v1/pod/{name}/status.
type InstanceStatus struct {
	Name  string       `json:"name"`
	Tasks []TaskStatus `json:"tasks"`
}

// TaskStatus is a task's display status: its Mesos state without TASK_, or
// an operator override in progress or done (PAUSING, PAUSED, STARTING
// while resuming, DECOMMISSIONING, DECOMMISSIONED). Status is omitted
// before the task's first status update.
type TaskStatus struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status,omitempty"`
}
