package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/kennel-sdk/kennel/api/wire"
)

// Endpoints returns the names of the service's endpoints
// (GET /v1/endpoints).
func (c *Client) Endpoints(ctx context.Context) ([]string, error) {
	var names []string
	err := c.getJSON(ctx, &names, nil, "endpoints")
	return names, err
}

// Endpoint returns one endpoint as received (GET /v1/endpoints/{name}):
// usually JSON {"address":[...],"dns":[...],"vip":"..."}, but a custom
// endpoint may be any text.
func (c *Client) Endpoint(ctx context.Context, name string) ([]byte, error) {
	return c.getRaw(ctx, nil, "endpoints", name)
}

// Configurations returns the ids of the stored configurations
// (GET /v1/configurations).
func (c *Client) Configurations(ctx context.Context) ([]string, error) {
	var ids []string
	err := c.getJSON(ctx, &ids, nil, "configurations")
	return ids, err
}

// Configuration returns a stored configuration, a ServiceSpec in JSON
// (GET /v1/configurations/{id}).
func (c *Client) Configuration(ctx context.Context, id string) (json.RawMessage, error) {
	return c.getRawJSON(ctx, nil, "configurations", id)
}

// TargetID returns the id of the configuration the scheduler deploys
// (GET /v1/configurations/targetId, which answers ["<id>"]).
func (c *Client) TargetID(ctx context.Context) (string, error) {
	return c.getSingleton(ctx, "configurations", "targetId")
}

// Target returns the configuration the scheduler deploys
// (GET /v1/configurations/target).
func (c *Client) Target(ctx context.Context) (json.RawMessage, error) {
	return c.getRawJSON(ctx, nil, "configurations", "target")
}

// FrameworkID returns the Mesos framework id (GET /v1/state/frameworkId,
// which answers ["<id>"]); ErrNotFound before the scheduler registered.
func (c *Client) FrameworkID(ctx context.Context) (string, error) {
	return c.getSingleton(ctx, "state", "frameworkId")
}

// Properties returns the keys of the scheduler's stored properties
// (GET /v1/state/properties).
func (c *Client) Properties(ctx context.Context) ([]string, error) {
	var keys []string
	err := c.getJSON(ctx, &keys, nil, "state", "properties")
	return keys, err
}

// Property returns a stored property's value as received
// (GET /v1/state/properties/{key}); it may be text, JSON or binary.
func (c *Client) Property(ctx context.Context, key string) ([]byte, error) {
	return c.getRaw(ctx, nil, "state", "properties", key)
}

// OfferReport is GET /v1/debug/offers: the scheduler's latest offer
// evaluations, in the scheduler's order (a Kennel scheduler lists the
// newest first).
type OfferReport struct {
	Outcomes []OfferOutcome `json:"outcomes"`
	// Raw is the response body as received.
	Raw json.RawMessage `json:"-"`
}

// OfferOutcome is one evaluation of the offers at hand for a step (named
// Step, with id StepID). Time is RFC 3339. AcceptedOffer is whatever the scheduler reports for the offer
// it accepted (usually the offer id as a JSON string); it is empty or null
// when every offer was refused.
type OfferOutcome struct {
	Time          string          `json:"time"`
	Step          string          `json:"step"`
	StepID        string          `json:"step_id,omitempty"`
	AcceptedOffer json.RawMessage `json:"accepted_offer,omitempty"`
	Refusals      []OfferRefusal  `json:"refusals"`
}

// OfferRefusal is why one offer did not fit the step.
type OfferRefusal = wire.Refusal

// DebugOffers returns the latest offer evaluations
// (GET /v1/debug/offers?plan=&phase=&step=), only those of the given
// plan, phase and step when they are not empty.
func (c *Client) DebugOffers(ctx context.Context, plan, phase, step string) (OfferReport, error) {
	var rep OfferReport
	q := position(phase, step)
	if plan != "" {
		q.Set("plan", plan)
	}
	target := c.endpoint(q, "debug", "offers")
	r, err := c.call(ctx, http.MethodGet, target, nil)
	if err != nil {
		return rep, err
	}
	if err := decode(target, r.body, &rep); err != nil {
		return rep, err
	}
	rep.Raw = json.RawMessage(r.body)
	return rep, nil
}

// Health is the body of GET /v1/health. Value repeats the response's
// status code, which says how the service stands (reference §4.6: 200
// deployed, 202/204/208 deploying, 207 waiting for the operator, 318
// initializing, 500 plan errors, ...).
type Health struct {
	Value   int      `json:"value"`
	Reasons []string `json:"reasons,omitempty"`
}

// Health returns the service's health and the response's status code. The
// status code is the answer, so any status with a {"value": code} body is
// a success, and so is any status with an empty body (Value is then the
// status code): an HTTP server sends no body with a 204 or 304, which
// the scheduler answers while deploy steps are pending. An empty 401,
// 403 or 404 is an *Error nonetheless: it refuses the request, or there is
// no health endpoint; it is no health.
func (c *Client) Health(ctx context.Context) (Health, int, error) {
	var h Health
	target := c.endpoint(nil, "health")
	r, err := c.do(ctx, http.MethodGet, target, nil)
	if err != nil {
		return h, 0, err
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(r.body, &probe) == nil && probe["value"] != nil {
		return h, r.code, decode(target, r.body, &h)
	}
	if len(bytes.TrimSpace(r.body)) == 0 && !refusal(r.code) {
		return Health{Value: r.code}, r.code, nil
	}
	if r.code >= 200 && r.code < 300 {
		return h, r.code, fmt.Errorf("GET %s: %w: no health value in %.80q", target, ErrBadResponse, r.body)
	}
	return h, r.code, fmt.Errorf("GET %s: %w", target, apiError(r))
}

// refusal reports whether code says the request was refused or went
// nowhere (401, 403, 404) rather than answered.
func refusal(code int) bool {
	switch code {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return true
	}
	return false
}

// DecommissionCheck says why the scheduler would refuse a configuration
// that removes the pod instances (GET /v1/decommission-check); empty: it
// would not.
func (c *Client) DecommissionCheck(ctx context.Context, instances []string) ([]string, error) {
	raw, err := c.getRawJSON(ctx, url.Values{"instance": instances}, "decommission-check")
	if err != nil {
		return nil, err
	}
	var out struct {
		Refusals []string `json:"refusals"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("GET /v1/decommission-check: %w: %w", ErrBadResponse, err)
	}
	return out.Refusals, nil
}
