package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/kennel-sdk/kennel/deploy/cosmos"
)

// ErrNoServiceEndpoints is a 404 from a Cosmos without the /service
// endpoints: open-source DC/OS before 1.10 (the DC/OS Commons CLI says so).
var ErrNoServiceEndpoints = errors.New("no /service endpoints in Cosmos: this requires DC/OS 1.10 or newer")

// Client calls Cosmos's service endpoints over HTTP, as the DC/OS Commons
// CLI does: Base is Cosmos's URL (<dcos_url>/cosmos, or package.cosmos_url),
// Header is added to every request (Authorization: token=...). A Cosmos
// error comes back as *cosmos.Error.
type Client struct {
	Base   string
	Header http.Header
	HTTP   *http.Client
}

// ServiceDescribe is POST /service/describe.
func (c *Client) ServiceDescribe(ctx context.Context, req cosmos.ServiceDescribeRequest) (*cosmos.ServiceDescribeResponse, error) {
	var out cosmos.ServiceDescribeResponse
	err := c.call(ctx, "/service/describe", MediaType{"service", "describe-request", 1}, MediaType{"service", "describe-response", 1}, req, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Update is POST /service/update.
func (c *Client) Update(ctx context.Context, req cosmos.ServiceUpdateRequest) (*cosmos.ServiceUpdateResponse, error) {
	var out cosmos.ServiceUpdateResponse
	err := c.call(ctx, "/service/update", MediaType{"service", "update-request", 1}, MediaType{"service", "update-response", 1}, req, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) call(ctx context.Context, path string, reqType, respType MediaType, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	url := strings.TrimRight(c.Base, "/") + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", reqType.String())
	req.Header.Set("Accept", respType.String())
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach Cosmos at %s: %w", c.Base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("reading Cosmos's answer to %s: %w", path, err)
	}
	if resp.StatusCode == http.StatusOK {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			return fmt.Errorf("the answer of Cosmos to %s: %w", path, err)
		}
		return nil
	}
	var e struct {
		Type    string         `json:"type"`
		Message string         `json:"message"`
		Data    map[string]any `json:"data"`
	}
	if json.Unmarshal(data, &e) == nil && e.Type != "" {
		return &cosmos.Error{Type: e.Type, Message: e.Message, Data: e.Data, Status: resp.StatusCode}
	}
	if resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("POST %s: %w", url, ErrNoServiceEndpoints)
	}
	return fmt.Errorf("POST %s: %s: %s", url, resp.Status, strings.TrimSpace(string(data)))
}
