package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/kennel-sdk/kennel/plans"
)

// Plans returns the names of the scheduler's plans (GET /v1/plans).
func (c *Client) Plans(ctx context.Context) ([]string, error) {
	var names []string
	err := c.getJSON(ctx, &names, nil, "plans")
	return names, err
}

// Plan returns a plan (GET /v1/plans/{name}) and the response's status,
// which tells how the plan stands: 200 COMPLETE, 202 not complete, 417 the
// plan has errors (listed in PlanInfo.Errors). All three are successes.
func (c *Client) Plan(ctx context.Context, name string) (plans.PlanInfo, int, error) {
	var info plans.PlanInfo
	target := c.endpoint(nil, "plans", name)
	r, err := c.call(ctx, http.MethodGet, target, nil, http.StatusOK, http.StatusAccepted, http.StatusExpectationFailed)
	if err != nil {
		return info, r.code, err
	}
	return info, r.code, decode(target, r.body, &info)
}

// CommandResult is the success response of a plan command: its status
// code (200 from a DC/OS Commons or Kennel scheduler), its body as
// received, and the body's JSON "message" ({"message":"Received cmd:
// ..."}). Message is "" when the body is not a JSON object or has no
// non-empty "message"; the DC/OS CLI then says the command "could not be"
// carried out, although the scheduler answered 2xx.
type CommandResult struct {
	Code    int
	Message string
	Body    []byte
}

// PlanStart starts a plan (POST /v1/plans/{name}/start) with params as
// environment variables for its tasks; the body is a JSON object, {} when
// params is empty.
func (c *Client) PlanStart(ctx context.Context, name string, params map[string]string) (CommandResult, error) {
	if params == nil {
		params = map[string]string{}
	}
	return c.command(ctx, params, nil, name, "start")
}

// PlanStop stops a plan (POST /v1/plans/{name}/stop): it is interrupted and
// its steps are reset to PENDING.
func (c *Client) PlanStop(ctx context.Context, name string) (CommandResult, error) {
	return c.command(ctx, nil, nil, name, "stop")
}

// PlanInterrupt pauses a plan, or only its phase when phase is not empty
// (POST /v1/plans/{plan}/interrupt[?phase=]).
func (c *Client) PlanInterrupt(ctx context.Context, plan, phase string) (CommandResult, error) {
	return c.command(ctx, nil, position(phase, ""), plan, "interrupt")
}

// PlanContinue resumes a plan, or only its phase when phase is not empty
// (POST /v1/plans/{plan}/continue[?phase=]).
func (c *Client) PlanContinue(ctx context.Context, plan, phase string) (CommandResult, error) {
	return c.command(ctx, nil, position(phase, ""), plan, "continue")
}

// PlanForceComplete marks a step COMPLETE without running it
// (POST /v1/plans/{plan}/forceComplete?phase=&step=); with an empty step,
// the whole phase, and with an empty phase, the whole plan.
func (c *Client) PlanForceComplete(ctx context.Context, plan, phase, step string) (CommandResult, error) {
	return c.command(ctx, nil, position(phase, step), plan, "forceComplete")
}

// PlanRestart sets a plan, or its phase, or one step of the phase, back to
// PENDING so it runs again (POST /v1/plans/{plan}/restart[?phase=&step=]).
func (c *Client) PlanRestart(ctx context.Context, plan, phase, step string) (CommandResult, error) {
	return c.command(ctx, nil, position(phase, step), plan, "restart")
}

// position is the phase and step query of a plan command, without the
// empty ones.
func position(phase, step string) url.Values {
	q := url.Values{}
	if phase != "" {
		q.Set("phase", phase)
	}
	if step != "" {
		q.Set("step", step)
	}
	return q
}

// command POSTs a plan command. Any 2xx but 208 is a success, whatever its
// body; a 208 is an error wrapping ErrAlreadyReported.
func (c *Client) command(ctx context.Context, body any, query url.Values, plan, verb string) (CommandResult, error) {
	r, err := c.call(ctx, http.MethodPost, c.endpoint(query, "plans", plan, verb), body)
	if err != nil {
		return CommandResult{}, err
	}
	var m struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(r.body, &m) // not JSON: no message, as for the DC/OS CLI
	return CommandResult{Code: r.code, Message: m.Message, Body: r.body}, nil
}
