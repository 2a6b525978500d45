package frontdoor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// agentStateTTL is how long the agents' addresses read from the master's
// state are used for an agent id they list; an id they do not list reads
// the state again (an agent registered since then is found at once).
const agentStateTTL = 5 * time.Second

// agentProxy routes /agent/<id>/<path> and /slave/<id>/<path> to <path> on
// the agent the master's /master/state lists with that id, as Admin
// Router's agent location does (master.conf's
// ^/(slave|agent)/(?<agentid>[0-9a-zA-Z-]+)(?<url>.+)$ and agent.lua): the
// agent's address is its pid's host:port (slave(1)@host:port), else its
// hostname and port, reached over http. An id the master does not list is
// 404 "404 Not Found: agent `<id>` unknown."; a state the master does not
// give is 503.
type agentProxy struct {
	master *url.URL
	client *http.Client
	now    func() time.Time

	mu      sync.Mutex
	addrs   map[string]string // agent id → host:port
	fetched time.Time
}

func newAgentProxy(master *url.URL) *agentProxy {
	return &agentProxy{master: master, client: &http.Client{Timeout: 30 * time.Second}, now: time.Now}
}

// splitAgentPath splits /agent/<id>/<rest> or /slave/<id>/<rest> into the
// id and /<rest>; ok is false when path is not of that form (the id made
// of letters, digits and "-", a path after it).
func splitAgentPath(path string) (id, rest string, ok bool) {
	for _, p := range []string{"/agent/", "/slave/"} {
		if after, found := strings.CutPrefix(path, p); found {
			id, rest, _ = strings.Cut(after, "/")
			rest = "/" + rest
			if len(after) == len(id) || id == "" || strings.IndexFunc(id, notIDRune) >= 0 {
				return "", "", false
			}
			return id, rest, true
		}
	}
	return "", "", false
}

func notIDRune(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-')
}

func (p *agentProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, rest, ok := splitAgentPath(r.URL.Path)
	if !ok {
		notServed(w, r.URL.Path+" is not served here")
		return
	}
	addr, err := p.lookup(r.Context(), id)
	if err != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "503 Service Unavailable: invalid Mesos state: "+err.Error()+"\n")
		return
	}
	if addr == "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "404 Not Found: agent `"+id+"` unknown.\n")
		return
	}
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path, u.RawPath = rest, ""
	r2.URL = &u
	proxyTo(&url.URL{Scheme: "http", Host: addr}).ServeHTTP(w, r2)
}

// lookup returns the address of agent id, "" when the master does not
// list it.
func (p *agentProxy) lookup(ctx context.Context, id string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if addr, ok := p.addrs[id]; ok && p.now().Sub(p.fetched) < agentStateTTL {
		return addr, nil
	}
	addrs, err := p.readState(ctx)
	if err != nil {
		return "", err
	}
	p.addrs, p.fetched = addrs, p.now()
	return addrs[id], nil
}

// readState reads the agents' addresses from the master's /master/state.
func (p *agentProxy) readState(ctx context.Context) (map[string]string, error) {
	u := p.master.JoinPath("/master/state")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	var st struct {
		Slaves []struct {
			ID       string `json:"id"`
			PID      string `json:"pid"`
			Hostname string `json:"hostname"`
			Port     int    `json:"port"`
		} `json:"slaves"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	addrs := make(map[string]string, len(st.Slaves))
	for _, s := range st.Slaves {
		if _, hostPort, ok := strings.Cut(s.PID, "@"); ok && hostPort != "" {
			addrs[s.ID] = hostPort
		} else {
			addrs[s.ID] = net.JoinHostPort(s.Hostname, strconv.Itoa(s.Port))
		}
	}
	return addrs, nil
}
