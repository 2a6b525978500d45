package local

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
	"time"

	"github.com/kennel-sdk/kennel/deploy/local/agent"
	"github.com/kennel-sdk/kennel/deploy/local/master"
)

// The admin API lets an operator (or a test) inject faults into a running
// cluster. It is served beside the master's API:
//
//	GET  /local/v1/agents                     the agents, as []AgentInfo
//	POST /local/v1/agents/{name}/{action}     stop|start|restart|partition|heal|destroy|gone
//	POST /local/v1/tasks/{id}/kill            SIGKILL a task's processes (a crash)
//	POST /local/v1/tasks/{id}/kill-executor   SIGKILL the executor of a task
//	POST /local/v1/master/restart             master failover
//	POST /local/v1/frameworks/{id}/stall      stop delivering events
//	POST /local/v1/frameworks/{id}/unstall    resume them
//
// Errors are JSON {"message": "..."} with 404 for an unknown agent, task
// or framework, 400 for an unknown action and 409 for an action the
// agent's state does not allow.
func (c *Cluster) adminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /local/v1/agents", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, c.Agents())
	})
	mux.HandleFunc("POST /local/v1/agents/{name}/{action}", func(w http.ResponseWriter, r *http.Request) {
		err := c.Agent(r.PathValue("name"), AgentAction(r.PathValue("action")))
		reply(w, err, "agent "+r.PathValue("name")+": "+r.PathValue("action"))
	})
	mux.HandleFunc("POST /local/v1/tasks/{id}/kill", func(w http.ResponseWriter, r *http.Request) {
		reply(w, c.CrashTask(r.PathValue("id")), "task "+r.PathValue("id")+" crashed")
	})
	mux.HandleFunc("POST /local/v1/tasks/{id}/kill-executor", func(w http.ResponseWriter, r *http.Request) {
		reply(w, c.CrashExecutor(r.PathValue("id")), "executor of task "+r.PathValue("id")+" crashed")
	})
	mux.HandleFunc("POST /local/v1/master/restart", func(w http.ResponseWriter, r *http.Request) {
		c.RestartMaster()
		reply(w, nil, "master restarted")
	})
	mux.HandleFunc("POST /local/v1/frameworks/{id}/{stall}", func(w http.ResponseWriter, r *http.Request) {
		var stalled bool
		switch r.PathValue("stall") {
		case "stall":
			stalled = true
		case "unstall":
		default:
			writeJSON(w, http.StatusNotFound, message{"no such endpoint; use stall or unstall"})
			return
		}
		reply(w, c.StallFramework(r.PathValue("id"), stalled), "framework "+r.PathValue("id")+": "+r.PathValue("stall"))
	})
}

type message struct {
	Message string `json:"message"`
}

func reply(w http.ResponseWriter, err error, ok string) {
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, message{ok})
	case errors.Is(err, ErrUnknownAgent), errors.Is(err, agent.ErrUnknownTask), errors.Is(err, ErrUnknownFramework):
		writeJSON(w, http.StatusNotFound, message{err.Error()})
	case errors.Is(err, ErrUnknownAction):
		writeJSON(w, http.StatusBadRequest, message{err.Error()})
	case errors.Is(err, ErrNotRegistered):
		writeJSON(w, http.StatusConflict, message{err.Error()})
	default:
		writeJSON(w, http.StatusInternalServerError, message{err.Error()})
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// Client drives a running cluster's admin API and reads its master state.
type Client struct {
	// URL is the master's base URL, e.g. http://127.0.0.1:5050.
	URL  string
	HTTP *http.Client
}

// NewClient returns a client for the cluster at baseURL.
func NewClient(baseURL string) *Client {
	return &Client{URL: strings.TrimRight(baseURL, "/"), HTTP: &http.Client{Timeout: 30 * time.Second}}
}

// Agents lists the cluster's agents.
func (c *Client) Agents(ctx context.Context) ([]AgentInfo, error) {
	var out []AgentInfo
	return out, c.do(ctx, http.MethodGet, "/local/v1/agents", &out)
}

// Agent applies an action to an agent.
func (c *Client) Agent(ctx context.Context, name string, action AgentAction) error {
	return c.do(ctx, http.MethodPost, "/local/v1/agents/"+url.PathEscape(name)+"/"+url.PathEscape(string(action)), nil)
}

// CrashTask kills a task's processes.
func (c *Client) CrashTask(ctx context.Context, taskID string) error {
	return c.do(ctx, http.MethodPost, "/local/v1/tasks/"+url.PathEscape(taskID)+"/kill", nil)
}

// CrashExecutor kills the executor of a task.
func (c *Client) CrashExecutor(ctx context.Context, taskID string) error {
	return c.do(ctx, http.MethodPost, "/local/v1/tasks/"+url.PathEscape(taskID)+"/kill-executor", nil)
}

// RestartMaster fails the master over.
func (c *Client) RestartMaster(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/local/v1/master/restart", nil)
}

// StallFramework stops or resumes a framework's events.
func (c *Client) StallFramework(ctx context.Context, id string, stalled bool) error {
	verb := "unstall"
	if stalled {
		verb = "stall"
	}
	return c.do(ctx, http.MethodPost, "/local/v1/frameworks/"+url.PathEscape(id)+"/"+verb, nil)
}

// State reads the master's /master/state.
func (c *Client) State(ctx context.Context) (master.State, error) {
	var s master.State
	return s, c.do(ctx, http.MethodGet, "/master/state", &s)
}

func (c *Client) do(ctx context.Context, method, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.URL+path, nil)
	if err != nil {
		return err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("local cluster at %s: %w", c.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var m message
		if resp.StatusCode/100 == 4 && json.Unmarshal(body, &m) == nil && m.Message != "" {
			return fmt.Errorf("local cluster: %s", m.Message) // says what was asked
		}
		return fmt.Errorf("local cluster: %s %s: %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(body))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(body, out)
}
