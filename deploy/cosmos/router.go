package cosmos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/kennel-sdk/kennel/deploy/marathon/client"
)

// apiVersion is the scheduler API's version prefix (the app's
// DCOS_COMMONS_API_VERSION; Kennel's packages say v1).
const apiVersion = "v1"

// ErrNoScheduler is a scheduler that cannot be found: its app has no
// running task with a port.
var ErrNoScheduler = errors.New("the scheduler has no running task with a port")

// HTTPRouter is DC/OS's Admin Router at Base (https://cluster): a
// scheduler's API is at Base/service/<appId>/v1/.... Header is added to
// every request (the DC/OS token: Authorization: token=...).
type HTTPRouter struct {
	Base   string
	Header http.Header
	HTTP   *http.Client
}

func (r HTTPRouter) url(appID, path string) string {
	return strings.TrimRight(r.Base, "/") + "/service/" + strings.Trim(appID, "/") + "/" + apiVersion + path
}

// FrameworkIDs reads the scheduler's framework id.
func (r HTTPRouter) FrameworkIDs(ctx context.Context, appID string) ([]string, error) {
	return frameworkIDs(ctx, r.HTTP, r.url(appID, "/state/frameworkId"), r.Header)
}

// DeployPlanStatus returns the status code of the scheduler's deploy plan.
func (r HTTPRouter) DeployPlanStatus(ctx context.Context, appID string) (int, error) {
	return statusOf(ctx, r.HTTP, r.url(appID, "/plans/deploy"), r.Header)
}

// Tasks lists an app's tasks; *client.Client satisfies it.
type Tasks interface {
	AppTasks(ctx context.Context, id string) ([]client.Task, error)
}

// TaskRouter reaches a scheduler as Admin Router does, without Admin
// Router: at the host and first port of its app's task, as Marathon lists
// them (DCOS_SERVICE_PORT_INDEX is 0 in Kennel's packages). It serves the
// local cluster, where agents share the host.
type TaskRouter struct {
	Tasks Tasks
	HTTP  *http.Client
}

// SchedulerURL returns http://host:port of the app's first task with a
// port; ErrNoScheduler when there is none.
func (r TaskRouter) SchedulerURL(ctx context.Context, appID string) (string, error) {
	tasks, err := r.Tasks.AppTasks(ctx, appID)
	if err != nil {
		return "", err
	}
	for _, t := range tasks {
		if len(t.Ports) > 0 && t.Host != "" && (t.State == "" || t.State == "TASK_RUNNING") {
			return "http://" + t.Host + ":" + strconv.Itoa(t.Ports[0]), nil
		}
	}
	return "", fmt.Errorf("%s: %w", appID, ErrNoScheduler)
}

// FrameworkIDs reads the scheduler's framework id.
func (r TaskRouter) FrameworkIDs(ctx context.Context, appID string) ([]string, error) {
	base, err := r.SchedulerURL(ctx, appID)
	if err != nil {
		return nil, err
	}
	return frameworkIDs(ctx, r.HTTP, base+"/"+apiVersion+"/state/frameworkId", nil)
}

// DeployPlanStatus returns the status code of the scheduler's deploy plan.
func (r TaskRouter) DeployPlanStatus(ctx context.Context, appID string) (int, error) {
	base, err := r.SchedulerURL(ctx, appID)
	if err != nil {
		return 0, err
	}
	return statusOf(ctx, r.HTTP, base+"/"+apiVersion+"/plans/deploy", nil)
}

func get(ctx context.Context, hc *http.Client, url string, h http.Header) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, body, err
}

func frameworkIDs(ctx context.Context, hc *http.Client, url string, h http.Header) ([]string, error) {
	resp, body, err := get(ctx, hc, url, h)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var ids []string
	if err := json.Unmarshal(body, &ids); err != nil {
		return nil, fmt.Errorf("GET %s: want a JSON array of strings: %w", url, err)
	}
	return ids, nil
}

func statusOf(ctx context.Context, hc *http.Client, url string, h http.Header) (int, error) {
	resp, _, err := get(ctx, hc, url, h)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}
