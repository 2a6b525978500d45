// Package client is a small typed HTTP client of Marathon's REST API v2:
// the calls Cosmos makes to install, update and uninstall packages
// (reference/catalog-marathon.md §2.6).
//
// Apps travel as JSON objects (map[string]any, numbers as json.Number), so
// that a rendered app reaches Marathon untouched. Every method takes a
// context, makes exactly one request and does not retry. A response that is
// not a documented success is an *Error carrying Marathon's status, message
// and, for a 422, its validation details; it unwraps to the sentinel error
// of its status so callers branch with errors.Is.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Sentinel errors an *Error unwraps to.
var (
	// ErrAppNotFound is a 404: no app with that id.
	ErrAppNotFound = errors.New("app not found")
	// ErrAppExists is a 409 to POST /v2/apps: an app with that id exists.
	ErrAppExists = errors.New("app already exists")
	// ErrAppLocked is a 409 to PUT or DELETE: a deployment holds the app
	// (the call was made without force).
	ErrAppLocked = errors.New("app is locked by a deployment")
	// ErrInvalidApp is a 400 or 422: Marathon refused the app definition.
	ErrInvalidApp = errors.New("invalid app definition")
	// ErrUnreachable wraps a failure to get any response.
	ErrUnreachable = errors.New("cannot reach Marathon")
	// ErrBadResponse is a success whose body is not what the API documents.
	ErrBadResponse = errors.New("unexpected response from Marathon")
)

// Detail is one entry of a 422's details: the JSON path of a field of the
// app and what is wrong with it.
type Detail struct {
	Path   string   `json:"path"`
	Errors []string `json:"errors"`
}

// Error is a response Marathon's API does not document as a success.
type Error struct {
	// Method and Path are the request's.
	Method, Path string
	// Code is the HTTP status.
	Code int
	// Message is the body's "message", else its text, else the status text.
	Message string
	// Details are a 422's validation details.
	Details []Detail
	// Deployments are the ids of the deployments a 409 names.
	Deployments []string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "marathon %s %s: %d %s: %s", e.Method, e.Path, e.Code, http.StatusText(e.Code), e.Message)
	for _, d := range e.Details {
		fmt.Fprintf(&b, "; %s: %s", d.Path, strings.Join(d.Errors, ", "))
	}
	return b.String()
}

// Unwrap returns the sentinel error of e's status, or nil: 404 on an app is
// ErrAppNotFound, 409 to a POST ErrAppExists and to another method
// ErrAppLocked, 400 and 422 ErrInvalidApp.
func (e *Error) Unwrap() error {
	switch {
	case e.Code == http.StatusNotFound && strings.HasPrefix(e.Path, "/v2/apps/"):
		return ErrAppNotFound
	case e.Code == http.StatusConflict && e.Method == http.MethodPost:
		return ErrAppExists
	case e.Code == http.StatusConflict:
		return ErrAppLocked
	case e.Code == http.StatusBadRequest || e.Code == http.StatusUnprocessableEntity:
		return ErrInvalidApp
	}
	return nil
}

// App is a Marathon app definition as a JSON object.
type App = map[string]any

// Deployment is the answer to a call that starts a deployment.
type Deployment struct {
	DeploymentID string `json:"deploymentId"`
	Version      string `json:"version"`
}

// Client talks to one Marathon. It is safe for concurrent use.
type Client struct {
	base string
	http *http.Client
}

// New returns a client of the Marathon at base (http://host:port, with an
// optional path prefix such as https://cluster/marathon). A nil hc is
// http.DefaultClient.
func New(base string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("marathon URL %q: want http(s)://host[:port][/prefix]", base)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimRight(base, "/"), http: hc}, nil
}

// appPath is /v2/apps/<id> for an id with or without its leading slash.
func appPath(id string) string {
	return "/v2/apps/" + strings.TrimLeft(id, "/")
}

// Apps lists every app (GET /v2/apps).
func (c *Client) Apps(ctx context.Context) ([]App, error) {
	var out struct {
		Apps []App `json:"apps"`
	}
	if err := c.do(ctx, http.MethodGet, "/v2/apps", nil, nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	if out.Apps == nil {
		return nil, fmt.Errorf("%w: GET /v2/apps: no \"apps\"", ErrBadResponse)
	}
	return out.Apps, nil
}

// App returns the app id (GET /v2/apps/{id}); ErrAppNotFound when there is
// none.
func (c *Client) App(ctx context.Context, id string) (App, error) {
	var out struct {
		App App `json:"app"`
	}
	if err := c.do(ctx, http.MethodGet, appPath(id), nil, nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	if out.App == nil {
		return nil, fmt.Errorf("%w: GET %s: no \"app\"", ErrBadResponse, appPath(id))
	}
	return out.App, nil
}

// CreateApp creates app (POST /v2/apps) and returns Marathon's answer, the
// app as created. ErrAppExists when its id is taken; ErrInvalidApp, with
// the details, when Marathon refuses it.
func (c *Client) CreateApp(ctx context.Context, app App) (App, error) {
	var out App
	if err := c.do(ctx, http.MethodPost, "/v2/apps", nil, app, &out, http.StatusCreated, http.StatusOK); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateOptions are PUT /v2/apps/{id}'s query parameters.
type UpdateOptions struct {
	// Force cancels a deployment that holds the app.
	Force bool
	// Replace sends partialUpdate=false: the app is replaced whole, and
	// Marathon does not create it if it is missing. Without it, Marathon
	// merges the given fields into the app (partialUpdate defaults to true).
	Replace bool
}

// UpdateApp puts app as the app id (PUT /v2/apps/{id}) and returns the
// deployment it started.
func (c *Client) UpdateApp(ctx context.Context, id string, app App, opts UpdateOptions) (Deployment, error) {
	q := url.Values{}
	if opts.Force {
		q.Set("force", "true")
	}
	if opts.Replace {
		q.Set("partialUpdate", "false")
	}
	var out Deployment
	if err := c.do(ctx, http.MethodPut, appPath(id), q, app, &out, http.StatusOK, http.StatusCreated); err != nil {
		return Deployment{}, err
	}
	if out.DeploymentID == "" {
		return Deployment{}, fmt.Errorf("%w: PUT %s: no deploymentId", ErrBadResponse, appPath(id))
	}
	return out, nil
}

// DeleteApp deletes the app id (DELETE /v2/apps/{id}), with force=true when
// force is set, and returns the deployment it started.
func (c *Client) DeleteApp(ctx context.Context, id string, force bool) (Deployment, error) {
	q := url.Values{}
	if force {
		q.Set("force", "true")
	}
	var out Deployment
	if err := c.do(ctx, http.MethodDelete, appPath(id), q, nil, &out, http.StatusOK, http.StatusAccepted); err != nil {
		return Deployment{}, err
	}
	return out, nil
}

// DeploymentIDs lists the ids of the running deployments (GET
// /v2/deployments). A deployment is finished once it has left the list.
func (c *Client) DeploymentIDs(ctx context.Context) ([]string, error) {
	var out []struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, http.MethodGet, "/v2/deployments", nil, nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	ids := make([]string, len(out))
	for i, d := range out {
		ids[i] = d.ID
	}
	return ids, nil
}

// Info returns GET /v2/info: Marathon's name, version, framework id and
// configuration, as JSON.
func (c *Client) Info(ctx context.Context) (map[string]any, error) {
	var out map[string]any
	if err := c.do(ctx, http.MethodGet, "/v2/info", nil, nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return out, nil
}

// do sends one request with body (nil for none) as JSON and decodes a
// response with one of the ok statuses into out, numbers as json.Number.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any, ok ...int) error {
	target := c.base + path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encoding the request to %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return fmt.Errorf("marathon %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w at %s: %w", ErrUnreachable, c.base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%w at %s: reading the answer to %s %s: %w", ErrUnreachable, c.base, method, path, err)
	}
	for _, code := range ok {
		if resp.StatusCode == code {
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.UseNumber()
			if err := dec.Decode(out); err != nil {
				return fmt.Errorf("%w: %s %s: %w", ErrBadResponse, method, path, err)
			}
			return nil
		}
	}
	return responseError(method, path, resp.StatusCode, data)
}

// responseError builds the *Error of a response that is not a success.
func responseError(method, path string, code int, body []byte) *Error {
	e := &Error{Method: method, Path: path, Code: code}
	var parsed struct {
		Message     string   `json:"message"`
		Details     []Detail `json:"details"`
		Deployments []struct {
			ID string `json:"id"`
		} `json:"deployments"`
	}
	if json.Unmarshal(body, &parsed) == nil && parsed.Message != "" {
		e.Message, e.Details = parsed.Message, parsed.Details
		for _, d := range parsed.Deployments {
			e.Deployments = append(e.Deployments, d.ID)
		}
	} else if t := strings.TrimSpace(string(body)); t != "" {
		e.Message = t
	} else if e.Message = http.StatusText(code); e.Message == "" {
		e.Message = fmt.Sprintf("status %d", code) // a code HTTP does not name (found by FuzzResponses)
	}
	return e
}

// Task is one of an app's tasks, as GET /v2/apps/{id}/tasks lists it.
type Task struct {
	ID    string `json:"id"`
	Host  string `json:"host"`
	Ports []int  `json:"ports"`
	State string `json:"state,omitempty"`
}

// AppTasks lists the app's tasks (GET /v2/apps/{id}/tasks).
func (c *Client) AppTasks(ctx context.Context, id string) ([]Task, error) {
	var out struct {
		Tasks []Task `json:"tasks"`
	}
	if err := c.do(ctx, http.MethodGet, appPath(id)+"/tasks", nil, nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return out.Tasks, nil
}
