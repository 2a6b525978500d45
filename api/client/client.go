// Package client is a typed HTTP client for a Kennel scheduler's API, which
// is wire-compatible with DC/OS Commons' scheduler API v1
// (reference/dcos-commons.md §4). It works against a scheduler directly
// (http://host:port) or through DC/OS Admin Router
// (https://cluster/service/<name>): requests go to <base>/v1/....
//
// Every method takes a context, makes exactly one request and does not
// retry. Responses the API documents as successes are returned as values;
// anything else is an error that wraps one of the sentinel errors below,
// and a response from the scheduler that is not a success is an *Error.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// Sentinel errors. An *Error unwraps to the one matching its status code,
// so callers branch with errors.Is and read the message with errors.As.
var (
	// ErrAlreadyReported is a command's 208: the command had already been
	// issued or the plan, phase or step is already in the state asked for.
	ErrAlreadyReported = errors.New("command has already been reported or completed")
	// ErrNotFound is a 404: no such plan, phase, step, pod, endpoint,
	// configuration or property.
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized is a 401 or 403: the scheduler, when it was started
	// with --api-token-file, refuses a request without its token (401),
	// and a proxy in front of it (DC/OS Admin Router) refuses requests
	// without a valid DC/OS token (401 or 403).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrUnreachable wraps a failure to get any response: a refused
	// connection, a DNS or TLS failure, a broken connection.
	ErrUnreachable = errors.New("cannot reach the scheduler")
	// ErrBadResponse is a success whose body is not what the API documents.
	ErrBadResponse = errors.New("unexpected response")
)

// Error is a response whose status the called endpoint does not document
// as a success. Message is the body's JSON "message" field if it has one,
// else the body's trimmed text, else the status text.
type Error struct {
	Code    int
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Code, http.StatusText(e.Code), e.Message)
}

// Unwrap returns the sentinel error of e's status code, or nil.
func (e *Error) Unwrap() error {
	switch e.Code {
	case http.StatusAlreadyReported:
		return ErrAlreadyReported
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusUnauthorized, http.StatusForbidden:
		return ErrUnauthorized
	}
	return nil
}

// Client talks to one scheduler. It is safe for concurrent use.
type Client struct {
	base string // scheme://host[/prefix], without a trailing slash
	http *http.Client
	auth string // the Authorization header's value, or ""
}

type settings struct {
	auth     string
	http     *http.Client
	insecure bool
	caFile   string
}

// Option configures New.
type Option func(*settings)

// WithBearerToken sends `Authorization: Bearer <token>` with every request.
func WithBearerToken(token string) Option {
	return func(s *settings) { s.auth = "Bearer " + token }
}

// WithDCOSToken sends `Authorization: token=<token>` with every request, as
// the DC/OS CLI does for Admin Router.
func WithDCOSToken(token string) Option {
	return func(s *settings) { s.auth = "token=" + token }
}

// WithHTTPClient makes requests with hc instead of a client of New's own.
// It cannot be combined with WithInsecureSkipVerify or WithCAFile.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) { s.http = hc }
}

// WithInsecureSkipVerify accepts any TLS certificate from the server.
func WithInsecureSkipVerify() Option {
	return func(s *settings) { s.insecure = true }
}

// WithCAFile trusts the PEM certificates in file (instead of the system's
// roots) for the server's TLS certificate.
func WithCAFile(file string) Option {
	return func(s *settings) { s.caFile = file }
}

// New returns a client for the scheduler API at baseURL: http or https, a
// host and an optional path prefix (https://dcos.example/service/kafka).
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("client: base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("client: base URL %q: want http(s)://host[:port][/path]", baseURL)
	}
	var s settings
	for _, o := range opts {
		o(&s)
	}
	hc, err := s.httpClient()
	if err != nil {
		return nil, err
	}
	u.Path, u.RawPath = strings.TrimRight(u.Path, "/"), strings.TrimRight(u.RawPath, "/")
	return &Client{base: u.String(), http: hc, auth: s.auth}, nil
}

func (s *settings) httpClient() (*http.Client, error) {
	if !s.insecure && s.caFile == "" {
		if s.http != nil {
			return s.http, nil
		}
		return &http.Client{}, nil
	}
	if s.http != nil {
		return nil, errors.New("client: TLS options configure New's own HTTP client; configure the one given to WithHTTPClient instead")
	}
	cfg := &tls.Config{InsecureSkipVerify: s.insecure} // #nosec G402 -- the operator asked for it
	if s.caFile != "" {
		pem, err := os.ReadFile(s.caFile)
		if err != nil {
			return nil, fmt.Errorf("client: CA file: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("client: CA file %s: no PEM certificates", s.caFile)
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	return &http.Client{Transport: tr}, nil
}

// BaseURL returns the URL requests are made under (without /v1).
func (c *Client) BaseURL() string { return c.base }

// endpoint returns <base>/v1/<segments...>?<query>, each segment escaped.
func (c *Client) endpoint(query url.Values, segments ...string) string {
	esc := make([]string, len(segments))
	for i, s := range segments {
		esc[i] = url.PathEscape(s)
	}
	u := c.base + "/v1/" + strings.Join(esc, "/")
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u
}

// response is a received response: its status and whole body.
type response struct {
	code int
	body []byte
}

// do sends a request and reads the whole response. body, if not nil, is
// sent as JSON. Only transport failures are errors here.
func (c *Client) do(ctx context.Context, method, target string, body any) (response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return response{}, fmt.Errorf("client: %s %s: %w", method, target, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return response{}, fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return response{}, transportError(ctx, target, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, transportError(ctx, target, err)
	}
	return response{code: resp.StatusCode, body: data}, nil
}

// transportError wraps err, or the context's error when that is why the
// request failed.
func transportError(ctx context.Context, target string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("client: %s: %w", target, ctxErr)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("%w at %s: %w", ErrUnreachable, target, err)
}

// call makes a request and returns the body of a response whose status is
// one of ok (any 2xx but 208 when ok is empty); other statuses are *Error.
func (c *Client) call(ctx context.Context, method, target string, body any, ok ...int) (response, error) {
	r, err := c.do(ctx, method, target, body)
	if err != nil {
		return r, err
	}
	if !accepted(r.code, ok) {
		return r, fmt.Errorf("%s %s: %w", method, target, apiError(r))
	}
	return r, nil
}

func accepted(code int, ok []int) bool {
	if len(ok) == 0 {
		return code >= 200 && code < 300 && code != http.StatusAlreadyReported
	}
	for _, c := range ok {
		if c == code {
			return true
		}
	}
	return false
}

// apiError builds the *Error of a response.
func apiError(r response) *Error {
	msg := strings.TrimSpace(string(r.body))
	var m struct {
		Message *string `json:"message"`
	}
	if json.Unmarshal(r.body, &m) == nil && m.Message != nil {
		msg = strings.TrimSpace(*m.Message)
	}
	if msg == "" {
		msg = http.StatusText(r.code)
	}
	return &Error{Code: r.code, Message: msg}
}

// getJSON GETs a 2xx response and decodes its JSON body into v.
func (c *Client) getJSON(ctx context.Context, v any, query url.Values, segments ...string) error {
	target := c.endpoint(query, segments...)
	r, err := c.call(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	return decode(target, r.body, v)
}

// getRaw GETs a 2xx response's body.
func (c *Client) getRaw(ctx context.Context, query url.Values, segments ...string) ([]byte, error) {
	r, err := c.call(ctx, http.MethodGet, c.endpoint(query, segments...), nil)
	return r.body, err
}

// getRawJSON GETs a 2xx response's body and checks that it is JSON.
func (c *Client) getRawJSON(ctx context.Context, query url.Values, segments ...string) (json.RawMessage, error) {
	target := c.endpoint(query, segments...)
	r, err := c.call(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	if !json.Valid(r.body) {
		return nil, fmt.Errorf("GET %s: %w: the body is not JSON: %.80q", target, ErrBadResponse, r.body)
	}
	return json.RawMessage(r.body), nil
}

func decode(target string, body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%s: %w: %w", target, ErrBadResponse, err)
	}
	return nil
}

// getSingleton GETs an id the API returns as a one-element JSON array
// (["<id>"]); a bare JSON string is accepted too.
func (c *Client) getSingleton(ctx context.Context, segments ...string) (string, error) {
	target := c.endpoint(nil, segments...)
	r, err := c.call(ctx, http.MethodGet, target, nil)
	if err != nil {
		return "", err
	}
	var one string
	if json.Unmarshal(r.body, &one) == nil {
		return one, nil
	}
	var list []string
	if err := decode(target, r.body, &list); err != nil {
		return "", err
	}
	if len(list) != 1 {
		return "", fmt.Errorf("%s: %w: want one id, got %d", target, ErrBadResponse, len(list))
	}
	return list[0], nil
}
