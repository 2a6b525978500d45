package client_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/kennel-sdk/kennel/api/client"
	"github.com/kennel-sdk/kennel/plans"
)

// planResult is what Plan returns, as one value.
type planResult struct {
	status plans.Status
	steps  int
	errors []string
	code   int
}

func TestMethodsRequestsAndResults(t *testing.T) {
	cmdOK := reply{code: 200, body: `{"message":"Received cmd: ..."}`}
	received := client.CommandResult{Code: 200, Message: "Received cmd: ...", Body: []byte(cmdOK.body)}
	podAction := reply{code: 200, body: `{"pod":"hello-0","tasks":["hello-0-server"]}`}
	wantAction := client.PodAction{Pod: "hello-0", Tasks: []string{"hello-0-server"}, Raw: json.RawMessage(podAction.body)}
	for _, tc := range []struct {
		name string
		rep  reply
		call func(context.Context, *client.Client) (any, error)
		// the request the method must make
		method, path, query, body string
		want                      any
	}{
		{
			name: "Plans", rep: reply{code: 200, body: `["deploy","recovery"]`},
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.Plans(ctx) },
			method: "GET", path: "/v1/plans", want: []string{"deploy", "recovery"},
		},
		{
			name: "Plan 202", rep: reply{code: 202, body: fixture(t, "plan-deploy-in-progress.json")},
			call:   planCall("deploy"),
			method: "GET", path: "/v1/plans/deploy", want: planResult{status: plans.InProgress, steps: 3, errors: []string{}, code: 202},
		},
		{
			name: "Plan 417 is a success with errors", rep: reply{code: 417, body: fixture(t, "plan-deploy-errors.json")},
			call:   planCall("deploy"),
			method: "GET", path: "/v1/plans/deploy",
			want: planResult{status: plans.Error, steps: 1, errors: []string{"Pod kafka-0 needs 16 cpus; no agent has more than 4"}, code: 417},
		},
		{
			name: "PlanStart with params", rep: cmdOK,
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.PlanStart(ctx, "backup", map[string]string{"BUCKET": "s3://b", "DRY_RUN": "true"})
			},
			method: "POST", path: "/v1/plans/backup/start", body: `{"BUCKET":"s3://b","DRY_RUN":"true"}`, want: received,
		},
		{
			name: "PlanStart without params sends {}", rep: cmdOK,
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.PlanStart(ctx, "backup", nil) },
			method: "POST", path: "/v1/plans/backup/start", body: `{}`, want: received,
		},
		{
			name: "PlanStop", rep: cmdOK,
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.PlanStop(ctx, "deploy") },
			method: "POST", path: "/v1/plans/deploy/stop", want: received,
		},
		{
			name: "PlanInterrupt a phase", rep: cmdOK,
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.PlanInterrupt(ctx, "deploy", "broker")
			},
			method: "POST", path: "/v1/plans/deploy/interrupt", query: "phase=broker", want: received,
		},
		{
			name: "PlanContinue the plan", rep: cmdOK,
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.PlanContinue(ctx, "deploy", "") },
			method: "POST", path: "/v1/plans/deploy/continue", want: received,
		},
		{
			name: "PlanForceComplete", rep: cmdOK,
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.PlanForceComplete(ctx, "deploy", "broker", "kafka-0:[broker]")
			},
			method: "POST", path: "/v1/plans/deploy/forceComplete", query: "phase=broker&step=kafka-0%3A%5Bbroker%5D", want: received,
		},
		{
			name: "PlanRestart a phase", rep: cmdOK,
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.PlanRestart(ctx, "deploy", "broker", "")
			},
			method: "POST", path: "/v1/plans/deploy/restart", query: "phase=broker", want: received,
		},
		{
			name: "PlanForceComplete the plan", rep: cmdOK,
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.PlanForceComplete(ctx, "deploy", "", "")
			},
			method: "POST", path: "/v1/plans/deploy/forceComplete", want: received,
		},
		{
			name: "a command without a message is a success", rep: reply{code: 200, body: `{}`},
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.PlanInterrupt(ctx, "deploy", "") },
			method: "POST", path: "/v1/plans/deploy/interrupt", want: client.CommandResult{Code: 200, Body: []byte(`{}`)},
		},
		{
			name: "a command answered with text is a success", rep: reply{code: 200, body: "OK", ctype: "text/plain"},
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.PlanRestart(ctx, "deploy", "", "") },
			method: "POST", path: "/v1/plans/deploy/restart", want: client.CommandResult{Code: 200, Body: []byte("OK")},
		},
		{
			name: "Pods", rep: reply{code: 200, body: `["hello-0","hello-1"]`},
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.Pods(ctx) },
			method: "GET", path: "/v1/pod", want: []string{"hello-0", "hello-1"},
		},
		{
			name: "PodStatus", rep: reply{code: 200, body: fixture(t, "pod-status.json")},
			call: func(ctx context.Context, c *client.Client) (any, error) {
				s, err := c.PodStatus(ctx)
				return []any{s.Service, len(s.Pods), s.Pods[1].Instances[0].Tasks[1]}, err
			},
			method: "GET", path: "/v1/pod/status",
			want: []any{"hello-world", 2, client.TaskStatus{ID: "world-0-server__bb2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", Name: "world-0-server"}},
		},
		{
			name: "PodInstanceStatus", rep: reply{code: 200, body: fixture(t, "pod-instance-status.json")},
			call: func(ctx context.Context, c *client.Client) (any, error) {
				s, err := c.PodInstanceStatus(ctx, "world-0")
				return []string{s.Name, s.Tasks[1].Status}, err
			},
			method: "GET", path: "/v1/pod/world-0/status", want: []string{"world-0", "PAUSED"},
		},
		{
			name: "PodInfo is kept raw", rep: reply{code: 200, body: `[{"info":{"name":"hello-0-server"},"status":null}]`},
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.PodInfo(ctx, "hello-0") },
			method: "GET", path: "/v1/pod/hello-0/info", want: json.RawMessage(`[{"info":{"name":"hello-0-server"},"status":null}]`),
		},
		{
			name: "PodRestart", rep: podAction,
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.PodRestart(ctx, "hello-0") },
			method: "POST", path: "/v1/pod/hello-0/restart", want: wantAction,
		},
		{
			name: "PodReplace", rep: podAction,
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.PodReplace(ctx, "hello-0") },
			method: "POST", path: "/v1/pod/hello-0/replace", want: wantAction,
		},
		{
			name: "PodPause some tasks", rep: podAction,
			call: func(ctx context.Context, c *client.Client) (any, error) {
				return c.PodPause(ctx, "hello-0", []string{"server"})
			},
			method: "POST", path: "/v1/pod/hello-0/pause", body: `["server"]`, want: wantAction,
		},
		{
			name: "PodResume all tasks sends no body", rep: podAction,
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.PodResume(ctx, "hello-0", nil) },
			method: "POST", path: "/v1/pod/hello-0/resume", want: wantAction,
		},
		{
			name: "Endpoints", rep: reply{code: 200, body: `["broker","zookeeper"]`},
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.Endpoints(ctx) },
			method: "GET", path: "/v1/endpoints", want: []string{"broker", "zookeeper"},
		},
		{
			name: "Endpoint as text", rep: reply{code: 200, body: "zk-1:2181,zk-2:2181/kafka", ctype: "text/plain"},
			call: func(ctx context.Context, c *client.Client) (any, error) {
				b, err := c.Endpoint(ctx, "zookeeper")
				return string(b), err
			},
			method: "GET", path: "/v1/endpoints/zookeeper", want: "zk-1:2181,zk-2:2181/kafka",
		},
		{
			name: "Configurations", rep: reply{code: 200, body: `["c1","c2"]`},
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.Configurations(ctx) },
			method: "GET", path: "/v1/configurations", want: []string{"c1", "c2"},
		},
		{
			name: "Configuration", rep: reply{code: 200, body: `{"name":"kafka"}`},
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.Configuration(ctx, "c1") },
			method: "GET", path: "/v1/configurations/c1", want: json.RawMessage(`{"name":"kafka"}`),
		},
		{
			name: "TargetID unwraps the array", rep: reply{code: 200, body: `["9a3c"]`},
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.TargetID(ctx) },
			method: "GET", path: "/v1/configurations/targetId", want: "9a3c",
		},
		{
			name: "Target", rep: reply{code: 200, body: `{"name":"kafka"}`},
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.Target(ctx) },
			method: "GET", path: "/v1/configurations/target", want: json.RawMessage(`{"name":"kafka"}`),
		},
		{
			name: "FrameworkID", rep: reply{code: 200, body: `[ "a1b2-0001" ]`},
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.FrameworkID(ctx) },
			method: "GET", path: "/v1/state/frameworkId", want: "a1b2-0001",
		},
		{
			name: "Properties", rep: reply{code: 200, body: `["hello-0-server:task-status","uninstalling"]`},
			call:   func(ctx context.Context, c *client.Client) (any, error) { return c.Properties(ctx) },
			method: "GET", path: "/v1/state/properties", want: []string{"hello-0-server:task-status", "uninstalling"},
		},
		{
			name: "Property escapes the key", rep: reply{code: 200, body: "\x08\x01binary"},
			call: func(ctx context.Context, c *client.Client) (any, error) {
				b, err := c.Property(ctx, "a/b:task-status")
				return string(b), err
			},
			method: "GET", path: "/v1/state/properties/a%2Fb:task-status", want: "\x08\x01binary",
		},
		{
			name: "DebugOffers", rep: reply{code: 200, body: fixture(t, "debug-offers.json")},
			call: func(ctx context.Context, c *client.Client) (any, error) {
				r, err := c.DebugOffers(ctx, "deploy", "broker", "kafka-1:[broker]")
				return []any{len(r.Outcomes), r.Outcomes[0].Refusals[1], string(r.Outcomes[1].AcceptedOffer), json.Valid(r.Raw)}, err
			},
			method: "GET", path: "/v1/debug/offers", query: "phase=broker&plan=deploy&step=kafka-1%3A%5Bbroker%5D",
			want: []any{2, client.OfferRefusal{OfferID: "O-18", Hostname: "agent-2", Reasons: []string{"insufficient mem: 4096 wanted, 1024 offered"}}, `"O-21"`, true},
		},
		{
			name: "Health 202", rep: reply{code: 202, body: `{"value":202}`},
			call: func(ctx context.Context, c *client.Client) (any, error) {
				h, code, err := c.Health(ctx)
				return []int{h.Value, code}, err
			},
			method: "GET", path: "/v1/health", want: []int{202, 202},
		},
		{
			name: "Health 500 with a value is an answer", rep: reply{code: 500, body: `{"value":500,"reasons":["plan errors"]}`},
			call: func(ctx context.Context, c *client.Client) (any, error) {
				h, code, err := c.Health(ctx)
				return []any{h, code}, err
			},
			method: "GET", path: "/v1/health", want: []any{client.Health{Value: 500, Reasons: []string{"plan errors"}}, 500},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeScheduler(t, tc.rep)
			got, err := tc.call(context.Background(), mustNew(t, srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v\nwant %#v", got, tc.want)
			}
			req := srv.only(t)
			if req.method != tc.method || req.path != tc.path || req.query != tc.query {
				t.Errorf("request %s %s?%s, want %s %s?%s", req.method, req.path, req.query, tc.method, tc.path, tc.query)
			}
			if req.body != tc.body {
				t.Errorf("request body %q, want %q", req.body, tc.body)
			}
			wantType := ""
			if tc.body != "" {
				wantType = "application/json"
			}
			if got := req.header.Get("Content-Type"); got != wantType {
				t.Errorf("Content-Type %q, want %q", got, wantType)
			}
		})
	}
}

func planCall(name string) func(context.Context, *client.Client) (any, error) {
	return func(ctx context.Context, c *client.Client) (any, error) {
		info, code, err := c.Plan(ctx, name)
		steps := 0
		for _, ph := range info.Phases {
			steps += len(ph.Steps)
		}
		return planResult{status: info.Status, steps: steps, errors: info.Errors, code: code}, err
	}
}
