package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
)

// Call sends method to /v1/<segments...>?query, each segment escaped, and
// returns the JSON body of a 2xx answer. It is for a service's own routes
// (api.Route), which this client has no method for; other statuses are
// *Error, as for every method.
func (c *Client) Call(ctx context.Context, method string, query url.Values, segments ...string) (json.RawMessage, error) {
	target := c.endpoint(query, segments...)
	r, err := c.call(ctx, method, target, nil)
	if err != nil {
		return nil, err
	}
	if !json.Valid(r.body) {
		return nil, fmt.Errorf("%s %s: %w: the body is not JSON: %.80q", method, target, ErrBadResponse, r.body)
	}
	return json.RawMessage(r.body), nil
}

// CallBody is Call with a JSON request body (a secret, such as a
// password, goes there rather than in the logged URL).
func (c *Client) CallBody(ctx context.Context, method string, body any, query url.Values, segments ...string) (json.RawMessage, error) {
	target := c.endpoint(query, segments...)
	r, err := c.call(ctx, method, target, body)
	if err != nil {
		return nil, err
	}
	if !json.Valid(r.body) {
		return nil, fmt.Errorf("%s %s: %w: the body is not JSON: %.80q", method, target, ErrBadResponse, r.body)
	}
	return json.RawMessage(r.body), nil
}
