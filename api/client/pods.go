package client

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/kennel-sdk/kennel/api/wire"
)

// The pod status types are the API's wire types (package api/wire).
type (
	// ServiceStatus is GET /v1/pod/status: every pod instance's tasks, by
	// pod type, each level sorted by name.
	ServiceStatus = wire.PodsStatus
	// PodStatus is the instances of one pod type.
	PodStatus = wire.PodStatus
	// InstanceStatus is one pod instance and its tasks; it is also the
	// body of GET /v1/pod/{instance}/status.
	InstanceStatus = wire.InstanceStatus
	// TaskStatus is a task's display status (see wire.TaskStatus).
	TaskStatus = wire.TaskStatus
)

// PodAction is the response of a pod command: the instance and the tasks
// the command acted on.
type PodAction struct {
	Pod   string   `json:"pod"`
	Tasks []string `json:"tasks"`
	// Raw is the response body as received.
	Raw json.RawMessage `json:"-"`
}

// Pods returns the names of the pod instances (GET /v1/pod).
func (c *Client) Pods(ctx context.Context) ([]string, error) {
	var names []string
	err := c.getJSON(ctx, &names, nil, "pod")
	return names, err
}

// PodStatus returns the status of every pod instance (GET /v1/pod/status).
func (c *Client) PodStatus(ctx context.Context) (ServiceStatus, error) {
	var s ServiceStatus
	err := c.getJSON(ctx, &s, nil, "pod", "status")
	return s, err
}

// PodInstanceStatus returns one pod instance's status
// (GET /v1/pod/{pod}/status).
func (c *Client) PodInstanceStatus(ctx context.Context, pod string) (InstanceStatus, error) {
	var s InstanceStatus
	err := c.getJSON(ctx, &s, nil, "pod", pod, "status")
	return s, err
}

// PodInfo returns GET /v1/pod/{pod}/info as received: a JSON array of
// {"info": TaskInfo, "status": TaskStatus or null}, one per task.
func (c *Client) PodInfo(ctx context.Context, pod string) (json.RawMessage, error) {
	return c.getRawJSON(ctx, nil, "pod", pod, "info")
}

// PodRestart kills a pod instance's tasks so they relaunch in place
// (POST /v1/pod/{pod}/restart).
func (c *Client) PodRestart(ctx context.Context, pod string) (PodAction, error) {
	return c.podCommand(ctx, pod, "restart", nil)
}

// PodReplace kills a pod instance's tasks and relaunches them with new
// reservations, dropping their persistent volumes
// (POST /v1/pod/{pod}/replace).
func (c *Client) PodReplace(ctx context.Context, pod string) (PodAction, error) {
	return c.podCommand(ctx, pod, "replace", nil)
}

// PodPause relaunches a pod instance's tasks (only those named in tasks,
// "server" or "hello-0-server", when it is not empty) with a command that
// idles (POST /v1/pod/{pod}/pause).
func (c *Client) PodPause(ctx context.Context, pod string, tasks []string) (PodAction, error) {
	return c.podCommand(ctx, pod, "pause", tasks)
}

// PodResume relaunches paused tasks with their own command
// (POST /v1/pod/{pod}/resume); tasks as for PodPause.
func (c *Client) PodResume(ctx context.Context, pod string, tasks []string) (PodAction, error) {
	return c.podCommand(ctx, pod, "resume", tasks)
}

// podCommand POSTs a pod command; tasks, when not empty, is the JSON array
// body.
func (c *Client) podCommand(ctx context.Context, pod, verb string, tasks []string) (PodAction, error) {
	var a PodAction
	var body any
	if len(tasks) > 0 {
		body = tasks
	}
	target := c.endpoint(nil, "pod", pod, verb)
	r, err := c.call(ctx, http.MethodPost, target, body)
	if err != nil {
		return a, err
	}
	if err := decode(target, r.body, &a); err != nil {
		return a, err
	}
	a.Raw = json.RawMessage(r.body)
	return a, nil
}
