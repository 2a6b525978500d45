package brokers

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kennel-sdk/kennel/api"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/offer"
)

// Broker is a broker as the scheduler launched it: GET /v1/brokers/{id}.
type Broker struct {
	ID   int    `json:"id"`
	Task string `json:"task"`
	// Roles are its KRaft process roles.
	Roles []string `json:"roles"`
	// Host and Port are where the scheduler reaches it: its advertised
	// PLAINTEXT listener, or its SSL one when it has no PLAINTEXT one
	// (TLS, which tells); Endpoints its advertised listeners as Kafka
	// writes them (SSL first).
	Host string `json:"host"`
	Port int    `json:"port"`
	TLS  bool   `json:"tls,omitempty"`
	// SCRAM says its listeners require SASL/SCRAM-SHA-512.
	SCRAM     bool     `json:"sasl_scram,omitempty"`
	Endpoints []string `json:"endpoints"`
	// Controller is its controller listener, host:port, on controllers.
	Controller string `json:"controller,omitempty"`
	// Agent is the hostname of the agent it runs on; Live whether its
	// task may be running.
	Agent string `json:"agent"`
	Live  bool   `json:"live"`
}

// launched are the brokers of the stored tasks, by node id: those launched
// with the values Env gives (an advertised host).
func launched(tasks []scheduler.TaskView) []Broker {
	var out []Broker
	for _, t := range tasks {
		if t.PodType != Pod || t.Name != t.Instance+"-"+Task || t.Goal == scheduler.GoalDecommissioned {
			continue
		}
		env := map[string]string{}
		for _, e := range t.Info.GetCommand().GetEnvironment().GetVariables() {
			env[e.Name] = e.GetValue()
		}
		id, err := strconv.Atoi(labelOf(t, offer.LabelIndex))
		addr, tls, ok := clientListener(env)
		if err != nil || !ok {
			continue
		}
		host, portText, _ := net.SplitHostPort(addr)
		port, perr := strconv.Atoi(portText)
		if perr != nil {
			continue
		}
		var endpoints []string
		scram := env[VarSCRAMSection] == "true"
		sasl := ""
		if scram {
			sasl = "SASL_"
		}
		if env[VarTLSSection] == "true" && env[VarBrokerPortTLS] != "" {
			endpoints = append(endpoints, sasl+"SSL://"+net.JoinHostPort(host, env[VarBrokerPortTLS]))
		}
		if env[VarTLSSection] != "true" || env[VarPlaintextSection] == "true" {
			endpoints = append(endpoints, sasl+"PLAINTEXT://"+net.JoinHostPort(host, env[VarBrokerPort]))
		}
		b := Broker{ID: id, Task: t.Name, Roles: strings.Split(env[VarProcessRoles], ","), Host: host, Port: port, TLS: tls, SCRAM: scram,
			Endpoints: endpoints, Agent: labelOf(t, offer.LabelHostname), Live: t.Live}
		if env[VarController] == "true" && env[VarControllerPort] != "" {
			b.Controller = net.JoinHostPort(host, env[VarControllerPort])
		}
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func labelOf(t scheduler.TaskView, key string) string {
	for _, l := range t.Info.GetLabels().GetLabels() {
		if l.Key == key {
			return l.GetValue()
		}
	}
	return ""
}

// Controllers is the `controllers` endpoint: the controllers' listeners,
// host:port comma-separated in node id order (what `kafka-metadata-quorum
// --bootstrap-controller` takes), where DC/OS Kafka had its `zookeeper`
// endpoint. It implements api.EndpointProducer.
type Controllers struct{}

var _ api.EndpointProducer = Controllers{}

// Name is "controllers".
func (Controllers) Name() string { return "controllers" }

// Endpoint lists the live controllers; none is 404.
func (Controllers) Endpoint(tasks []scheduler.TaskView) (string, bool) {
	var addrs []string
	for _, b := range launched(tasks) {
		if b.Controller != "" && b.Live {
			addrs = append(addrs, b.Controller)
		}
	}
	return strings.Join(addrs, ","), len(addrs) > 0
}

// TaskSource is the part of the scheduler the routes read (the runtime's
// Backend).
type TaskSource interface {
	Tasks(ctx context.Context) ([]scheduler.TaskView, error)
}

// Routes are the Kafka scheduler's API routes: GET /v1/brokers, the node
// ids of the live brokers (strings, as DC/OS Kafka listed them), and GET
// /v1/brokers/{id}, one broker (Broker), 404 if none has that id.
func Routes(s TaskSource) []api.Route {
	list := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tasks, err := s.Tasks(r.Context())
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		ids := []string{}
		for _, b := range launched(tasks) {
			if b.Live {
				ids = append(ids, strconv.Itoa(b.ID))
			}
		}
		writeJSON(w, http.StatusOK, ids)
	})
	one := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tasks, err := s.Tasks(r.Context())
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		id := chi.URLParam(r, "id")
		for _, b := range launched(tasks) {
			if strconv.Itoa(b.ID) == id {
				writeJSON(w, http.StatusOK, b)
				return
			}
		}
		http.Error(w, "Broker "+id+" not found", http.StatusNotFound)
	})
	return []api.Route{{Method: http.MethodGet, Path: "brokers", Handler: list},
		{Method: http.MethodGet, Path: "brokers/{id}", Handler: one}}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}
