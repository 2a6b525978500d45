// Package sandbox reads tasks' sandboxes through Mesos's HTTP APIs, as the
// DC/OS CLI's "task log" and "task ls" do: the master's /master/state
// finds a task by name or id and its agent, the agent's /state gives its
// executor's directory, and the agent's /files/read and /files/browse
// read and list it. It works on a real Mesos cluster and on the local
// cluster alike, directly or through DC/OS's Admin Router (DCOS); nothing
// is kept by the scheduler.
package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Client talks to a Mesos master and its agents.
type Client struct {
	// Master is the master's base URL (http://host:5050, or
	// <dcos_url>/mesos).
	Master string
	// AgentsVia, when not "", is the base URL under which agents are
	// reached by id: agent <id> at AgentsVia/<id> (Admin Router's
	// <dcos_url>/agent). "" reaches each agent at the address the master's
	// state gives it.
	AgentsVia string
	// Header is sent with every request (DC/OS's Authorization:
	// token=<token>).
	Header http.Header
	// HTTP is the client to use; nil is http.DefaultClient.
	HTTP *http.Client
}

// DCOS returns a client for the Mesos cluster behind the DC/OS cluster at
// dcosURL (core.dcos_url; a trailing "/" or "#/" is ignored), as the DC/OS
// CLI reaches it through Admin Router: the master at <dcos_url>/mesos, each
// agent at <dcos_url>/agent/<id>, every request with
// "Authorization: token=<token>" unless token is "". hc may be nil.
func DCOS(dcosURL, token string, hc *http.Client) (*Client, error) {
	for trimmed := ""; trimmed != dcosURL; {
		trimmed = dcosURL
		dcosURL = strings.TrimSuffix(strings.TrimSuffix(dcosURL, "/"), "#")
	}
	u, err := url.Parse(dcosURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("DC/OS URL %q: want http(s)://host[:port][/path]", dcosURL)
	}
	c := &Client{Master: dcosURL + "/mesos", AgentsVia: dcosURL + "/agent", HTTP: hc}
	if token != "" {
		c.Header = http.Header{"Authorization": {"token=" + token}}
	}
	return c, nil
}

// Task is a task found on the cluster, with where its sandbox is.
type Task struct {
	ID, Name, FrameworkID, ExecutorID, AgentID, State string
	// Agent is the agent's base URL (http://hostname:port, or
	// AgentsVia/<id>).
	Agent string
}

// Sandbox is a task's sandbox on its agent.
type Sandbox struct {
	Task Task
	// Dir is the sandbox's path for the agent's files API: the executor's
	// directory, or <directory>/tasks/<task id> for a task of a pod (a
	// DEFAULT executor's task, which has a sandbox of its own).
	Dir string
}

// FileInfo is one entry of a listing, Mesos's /files/browse entry.
type FileInfo struct {
	Path  string `json:"path"`
	Size  int64  `json:"size"`
	Mode  string `json:"mode"`
	Mtime int64  `json:"mtime"`
	UID   string `json:"uid"`
	GID   string `json:"gid"`
	Nlink uint64 `json:"nlink"`
}

// Chunk is the answer of /files/read: data read at offset.
type Chunk struct {
	Data   string `json:"data"`
	Offset int64  `json:"offset"`
}

// ErrNotFound is a file, directory or task that does not exist.
var ErrNotFound = errors.New("not found")

// notFound is an error that says what does not exist, and what does, and
// wraps ErrNotFound without repeating its words.
type notFound struct{ msg string }

func (e notFound) Error() string { return e.msg }
func (e notFound) Unwrap() error { return ErrNotFound }

func errNotFound(format string, args ...any) error {
	return notFound{fmt.Sprintf(format, args...)}
}

// masterState is what FindTask reads of GET /master/state.
type masterState struct {
	Frameworks []struct {
		ID             string     `json:"id"`
		Tasks          []taskJSON `json:"tasks"`
		CompletedTasks []taskJSON `json:"completed_tasks"`
	} `json:"frameworks"`
	Slaves []struct {
		ID       string `json:"id"`
		Hostname string `json:"hostname"`
		Port     int    `json:"port"`
	} `json:"slaves"`
}

type taskJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	FrameworkID string `json:"framework_id"`
	ExecutorID  string `json:"executor_id"`
	SlaveID     string `json:"slave_id"`
	State       string `json:"state"`
}

// FindTask finds the task named or with the id query: a task of that name
// or id, else the tasks whose id begins with query. Of several, the active
// ones (not in a terminal state) are preferred; more than one left is an
// error listing their ids. None is an error wrapping ErrNotFound that
// lists the tasks there are.
func (c *Client) FindTask(ctx context.Context, query string) (Task, error) {
	var st masterState
	if err := c.getJSON(ctx, strings.TrimSuffix(c.Master, "/")+"/master/state", &st); err != nil {
		return Task{}, fmt.Errorf("reading the master's state: %w", err)
	}
	agents := map[string]string{}
	for _, s := range st.Slaves {
		agents[s.ID] = "http://" + net.JoinHostPort(s.Hostname, strconv.Itoa(s.Port))
		if c.AgentsVia != "" {
			agents[s.ID] = strings.TrimSuffix(c.AgentsVia, "/") + "/" + url.PathEscape(s.ID)
		}
	}
	var all, exact, prefix []taskJSON
	for _, f := range st.Frameworks {
		for _, t := range slices.Concat(f.Tasks, f.CompletedTasks) {
			if t.FrameworkID == "" {
				t.FrameworkID = f.ID
			}
			all = append(all, t)
			switch {
			case t.Name == query || t.ID == query:
				exact = append(exact, t)
			case strings.HasPrefix(t.ID, query):
				prefix = append(prefix, t)
			}
		}
	}
	found := exact
	if len(found) == 0 {
		found = prefix
	}
	if active := slices.DeleteFunc(slices.Clone(found), func(t taskJSON) bool { return terminal(t.State) }); len(active) > 0 {
		found = active
	}
	switch len(found) {
	case 0:
		return Task{}, errNotFound("no task named %q; the tasks are: %s", query, names(all))
	case 1:
	default:
		ids := make([]string, len(found))
		for i, t := range found {
			ids[i] = t.ID
		}
		sort.Strings(ids)
		return Task{}, fmt.Errorf("%d tasks match %q; give one's id: %s", len(found), query, strings.Join(ids, ", "))
	}
	t := found[0]
	agent, ok := agents[t.SlaveID]
	if !ok {
		return Task{}, fmt.Errorf("task %s is on agent %s, which the master does not list as active", t.ID, t.SlaveID)
	}
	return Task{ID: t.ID, Name: t.Name, FrameworkID: t.FrameworkID, ExecutorID: t.ExecutorID, AgentID: t.SlaveID, State: t.State, Agent: agent}, nil
}

func names(tasks []taskJSON) string {
	if len(tasks) == 0 {
		return "none"
	}
	seen := map[string]bool{}
	var out []string
	for _, t := range tasks {
		if !seen[t.Name] {
			seen[t.Name] = true
			out = append(out, t.Name)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func terminal(state string) bool {
	switch state {
	case "TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_ERROR", "TASK_DROPPED", "TASK_GONE", "TASK_GONE_BY_OPERATOR", "TASK_LOST":
		return true
	}
	return false
}

// agentState is what Sandbox reads of the agent's GET /state.
type agentState struct {
	Frameworks          []agentFramework `json:"frameworks"`
	CompletedFrameworks []agentFramework `json:"completed_frameworks"`
}

type agentFramework struct {
	ID                 string          `json:"id"`
	Executors          []agentExecutor `json:"executors"`
	CompletedExecutors []agentExecutor `json:"completed_executors"`
}

type agentExecutor struct {
	ID             string     `json:"id"`
	Directory      string     `json:"directory"`
	Type           string     `json:"type"`
	Tasks          []taskJSON `json:"tasks"`
	QueuedTasks    []taskJSON `json:"queued_tasks"`
	CompletedTasks []taskJSON `json:"completed_tasks"`
}

// Sandbox finds t's sandbox through its agent's /state: the executor of
// t's framework that holds t (running executors first), its directory,
// and, when that directory has tasks/<task id> (a pod's task), that.
func (c *Client) Sandbox(ctx context.Context, t Task) (Sandbox, error) {
	var st agentState
	if err := c.getJSON(ctx, t.Agent+"/state", &st); err != nil {
		return Sandbox{}, fmt.Errorf("reading agent %s's state: %w", t.AgentID, err)
	}
	executorID := t.ExecutorID
	if executorID == "" {
		executorID = t.ID // a command task's executor has the task's id
	}
	var dir string
	for _, f := range slices.Concat(st.Frameworks, st.CompletedFrameworks) {
		if f.ID != t.FrameworkID {
			continue
		}
		for _, e := range slices.Concat(f.Executors, f.CompletedExecutors) {
			holds := slices.ContainsFunc(slices.Concat(e.Tasks, e.QueuedTasks, e.CompletedTasks), func(x taskJSON) bool { return x.ID == t.ID })
			if dir == "" && (holds || e.ID == executorID) {
				dir = e.Directory
			}
		}
	}
	if dir == "" {
		return Sandbox{}, errNotFound("agent %s has no executor for task %s", t.AgentID, t.ID)
	}
	sb := Sandbox{Task: t, Dir: dir}
	taskDir := path.Join(dir, "tasks", t.ID)
	if _, err := c.browse(ctx, t.Agent, taskDir); err == nil {
		sb.Dir = taskDir
	} else if !errors.Is(err, ErrNotFound) {
		return Sandbox{}, err
	}
	return sb, nil
}

// Browse lists the directory rel (relative to the sandbox; "" is the
// sandbox itself), sorted by path.
func (c *Client) Browse(ctx context.Context, sb Sandbox, rel string) ([]FileInfo, error) {
	list, err := c.browse(ctx, sb.Task.Agent, sb.path(rel))
	if errors.Is(err, ErrNotFound) {
		return nil, c.missing(ctx, sb, rel)
	}
	return list, err
}

// missing is the error for rel, which is not in the sandbox: it lists what
// its directory holds, when that exists.
func (c *Client) missing(ctx context.Context, sb Sandbox, rel string) error {
	dir := path.Dir(path.Clean("/" + rel))[1:]
	where := "the sandbox"
	if dir != "" {
		where = dir
	}
	list, err := c.browse(ctx, sb.Task.Agent, sb.path(dir))
	if err != nil {
		return errNotFound("%s is not in %s's sandbox", rel, sb.Task.Name)
	}
	names := make([]string, len(list))
	for i, f := range list {
		names[i] = path.Base(f.Path)
		if strings.HasPrefix(f.Mode, "d") {
			names[i] += "/"
		}
	}
	held := "nothing"
	if len(names) > 0 {
		held = strings.Join(names, ", ")
	}
	return errNotFound("%s is not in %s's sandbox; %s holds: %s", rel, sb.Task.Name, where, held)
}

func (c *Client) browse(ctx context.Context, agent, dir string) ([]FileInfo, error) {
	var list []FileInfo
	err := c.getJSON(ctx, agent+"/files/browse?"+url.Values{"path": {dir}}.Encode(), &list)
	return list, err
}

// Read reads up to length bytes of the file rel at offset, as
// /files/read does: offset -1 is the end (the chunk's offset is then the
// file's size), length -1 reads to the end or the agent's cap.
func (c *Client) Read(ctx context.Context, sb Sandbox, rel string, offset, length int64) (Chunk, error) {
	q := url.Values{"path": {sb.path(rel)}, "offset": {strconv.FormatInt(offset, 10)}, "length": {strconv.FormatInt(length, 10)}}
	var ch Chunk
	err := c.getJSON(ctx, sb.Task.Agent+"/files/read?"+q.Encode(), &ch)
	if errors.Is(err, ErrNotFound) {
		return ch, c.missing(ctx, sb, rel)
	}
	return ch, err
}

func (sb Sandbox) path(rel string) string {
	if rel == "" || rel == "." {
		return sb.Dir
	}
	return path.Join(sb.Dir, rel)
}

func (c *Client) getJSON(ctx context.Context, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return ErrNotFound
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("GET %s: %s: %s", u, resp.Status, strings.TrimSpace(string(body)))
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	return nil
}
