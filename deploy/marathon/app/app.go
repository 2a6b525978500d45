// Package app is the Marathon AppDefinition as Kennel's local Marathon
// honours it: the model, its defaults, the decoding and validation of a
// request body (Marathon's 422 shape), partial updates, the environment a
// Marathon task sees and the launch backoff. It does no IO.
package app

import (
	"bytes"
	"encoding/json"
	"math"
	"time"
)

// Marathon's defaults (mesosphere/marathon state/AppDefinition.scala).
const (
	DefaultCPUs           = 1.0
	DefaultMem            = 128.0
	DefaultInstances      = 1
	DefaultBackoffSeconds = 1.0
	DefaultBackoffFactor  = 1.15
	// DefaultMaxLaunchDelaySeconds is Marathon's AppDefinition.DefaultMaxLaunchDelay, one hour.
	DefaultMaxLaunchDelaySeconds = 3600
	// DefaultKillSelection is which instance goes first when scaling down.
	DefaultKillSelection = "YOUNGEST_FIRST"
	// SingleInstanceLabel marks an app Marathon never runs twice.
	SingleInstanceLabel = "MARATHON_SINGLE_INSTANCE_APP"
)

// App is an app definition with Marathon's defaults applied. Its JSON is
// what GET /v2/apps/{id} shows (without the task fields).
type App struct {
	ID                         string            `json:"id"`
	Cmd                        string            `json:"cmd,omitempty"`
	Args                       []string          `json:"args,omitempty"`
	User                       string            `json:"user,omitempty"`
	Env                        map[string]string `json:"env"`
	Instances                  int               `json:"instances"`
	CPUs                       float64           `json:"cpus"`
	Mem                        float64           `json:"mem"`
	Disk                       float64           `json:"disk"`
	GPUs                       int               `json:"gpus"`
	Executor                   string            `json:"executor"`
	Constraints                [][]string        `json:"constraints"`
	Fetch                      []Fetch           `json:"fetch"`
	PortDefinitions            []PortDefinition  `json:"portDefinitions"`
	RequirePorts               bool              `json:"requirePorts"`
	BackoffSeconds             float64           `json:"backoffSeconds"`
	BackoffFactor              float64           `json:"backoffFactor"`
	MaxLaunchDelaySeconds      float64           `json:"maxLaunchDelaySeconds"`
	HealthChecks               []HealthCheck     `json:"healthChecks"`
	Check                      *Check            `json:"check,omitempty"`
	Labels                     map[string]string `json:"labels"`
	UpgradeStrategy            UpgradeStrategy   `json:"upgradeStrategy"`
	KillSelection              string            `json:"killSelection"`
	TaskKillGracePeriodSeconds *float64          `json:"taskKillGracePeriodSeconds,omitempty"`
	Role                       string            `json:"role,omitempty"`
}

// Fetch is one URI for the Mesos fetcher.
type Fetch struct {
	URI        string `json:"uri"`
	Executable bool   `json:"executable"`
	Extract    bool   `json:"extract"`
	Cache      bool   `json:"cache"`
	DestPath   string `json:"destPath,omitempty"`
}

// PortDefinition is one host port each task gets.
type PortDefinition struct {
	Port     int               `json:"port"`
	Protocol string            `json:"protocol"`
	Name     string            `json:"name,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
}

// HealthCheck is a Mesos health check (MESOS_HTTP, MESOS_HTTPS, MESOS_TCP
// or COMMAND); Marathon-side checks (HTTP, HTTPS, TCP) are refused.
type HealthCheck struct {
	Protocol               string     `json:"protocol"`
	Path                   string     `json:"path,omitempty"`
	PortIndex              *int       `json:"portIndex,omitempty"`
	Port                   *int       `json:"port,omitempty"`
	Command                *HealthCmd `json:"command,omitempty"`
	GracePeriodSeconds     int        `json:"gracePeriodSeconds"`
	IntervalSeconds        int        `json:"intervalSeconds"`
	TimeoutSeconds         int        `json:"timeoutSeconds"`
	MaxConsecutiveFailures int        `json:"maxConsecutiveFailures"`
	DelaySeconds           int        `json:"delaySeconds"`
	IgnoreHTTP1xx          bool       `json:"ignoreHttp1xx,omitempty"`
	IPProtocol             string     `json:"ipProtocol,omitempty"`
}

// HealthCmd is a COMMAND health check's shell command.
type HealthCmd struct {
	Value string `json:"value"`
}

// Check is a Mesos check (Marathon 1.8+): one of HTTP, TCP or a shell
// command, whose result is reported and never kills the task.
type Check struct {
	HTTP            *CheckHTTP `json:"http,omitempty"`
	TCP             *CheckTCP  `json:"tcp,omitempty"`
	Exec            *CheckExec `json:"exec,omitempty"`
	IntervalSeconds int        `json:"intervalSeconds"`
	TimeoutSeconds  int        `json:"timeoutSeconds"`
	DelaySeconds    int        `json:"delaySeconds"`
}

// CheckHTTP probes a path on one of the task's ports.
type CheckHTTP struct {
	PortIndex *int   `json:"portIndex,omitempty"`
	Port      *int   `json:"port,omitempty"`
	Path      string `json:"path,omitempty"`
	Scheme    string `json:"scheme,omitempty"`
}

// CheckTCP connects to one of the task's ports.
type CheckTCP struct {
	PortIndex *int `json:"portIndex,omitempty"`
	Port      *int `json:"port,omitempty"`
}

// CheckExec runs a shell command.
type CheckExec struct {
	Command struct {
		Shell string `json:"shell"`
	} `json:"command"`
}

// UpgradeStrategy bounds the instances during a deployment, as fractions of
// the instance count.
type UpgradeStrategy struct {
	MinimumHealthCapacity float64 `json:"minimumHealthCapacity"`
	MaximumOverCapacity   float64 `json:"maximumOverCapacity"`
}

// SingleInstance says whether the app carries MARATHON_SINGLE_INSTANCE_APP=true.
func (a *App) SingleInstance() bool { return a.Labels[SingleInstanceLabel] == "true" }

// KillFirst says whether a deployment must kill old instances, and see them
// terminal, before it launches new ones: the 0/0 strategy.
func (a *App) KillFirst() bool {
	return a.UpgradeStrategy.MaximumOverCapacity == 0 && a.UpgradeStrategy.MinimumHealthCapacity == 0
}

// SameConfig says whether b differs from a only in the instance count: a
// change that scales, without restarting the running instances.
func SameConfig(a, b App) bool {
	a.Instances, b.Instances = 0, 0
	return equalJSON(a, b)
}

// LaunchDelay is how long Marathon waits before launching an instance of
// a after failures instances have failed in a row: none for 0, then
// backoffSeconds × backoffFactor^(failures−1), at most maxLaunchDelaySeconds.
func LaunchDelay(a *App, failures int) time.Duration {
	if failures <= 0 {
		return 0
	}
	d := a.BackoffSeconds * math.Pow(a.BackoffFactor, float64(failures-1))
	if d > a.MaxLaunchDelaySeconds || math.IsInf(d, 0) || math.IsNaN(d) {
		d = a.MaxLaunchDelaySeconds
	}
	return time.Duration(d * float64(time.Second))
}

func equalJSON(a, b App) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(x, y)
}
