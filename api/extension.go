package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/scheduler"
)

// Route is an extra route a service written in Go adds to the API
// (Options.Routes). Path is relative to /v1/ ("brokers/{id}", a chi
// pattern whose parameters chi.URLParam reads); the route is also served
// under /service/<name>/v1/ and requires the token like every other.
type Route struct {
	Method  string
	Path    string
	Handler http.Handler
}

// EndpointProducer is an endpoint a service written in Go adds to GET
// /v1/endpoints (Options.Endpoints), as DC/OS Commons' custom endpoint
// producers: its name is always listed, and GET /v1/endpoints/{name}
// serves what Endpoint returns as text/plain.
type EndpointProducer interface {
	// Name is the endpoint's name; it takes precedence over an advertised
	// port of the same name.
	Name() string
	// Endpoint is the endpoint's text, computed from the stored tasks
	// (sorted by name); ok false answers 404 (nothing to show yet).
	Endpoint(tasks []scheduler.TaskView) (text string, ok bool)
}

// reserved are the first path segments under /v1/ that Kennel serves: a
// service's routes may not take them.
var reserved = map[string]bool{"plans": true, "plan": true, "pod": true, "pods": true, "state": true,
	"configurations": true, "endpoints": true, "health": true, "debug": true, "metrics": true, "artifacts": true}

// mountRoutes adds the service's routes. A route without a method,
// path or handler, or whose path takes one of Kennel's, is a programming
// error of the service and panics, as http.ServeMux does on conflicting
// patterns.
func mountRoutes(r chi.Router, routes []Route) {
	for _, rt := range routes {
		first, _, _ := strings.Cut(strings.TrimPrefix(rt.Path, "/"), "/")
		if rt.Method == "" || first == "" || rt.Handler == nil || reserved[first] {
			panic(fmt.Sprintf("api: service route %s /v1/%s: a route needs a method, a handler and a path under /v1/ that Kennel does not serve", rt.Method, rt.Path))
		}
		r.Method(rt.Method, "/v1/"+strings.TrimPrefix(rt.Path, "/"), rt.Handler)
	}
}

// producer is the service's endpoint producer of that name, or nil.
func (h *handler) producer(name string) EndpointProducer {
	for _, p := range h.opts.Endpoints {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

// instanceEnv serves GET /v1/artifacts/env/{instance}: 200 with the
// values, 503 with the values and what is pending, 404 for an unknown
// instance or a service without environment values.
func (h *handler) instanceEnv(w http.ResponseWriter, r *http.Request) {
	instance := chi.URLParam(r, "instance")
	env, err := h.s.InstanceEnv(r.Context(), instance)
	switch {
	case errors.Is(err, scheduler.ErrUnknownPod) || errors.Is(err, ErrNotFound):
		text(w, http.StatusNotFound, "Pod instance "+instance+" has no environment values")
		return
	case err != nil:
		internal(w, err)
		return
	}
	out := wire.InstanceEnv{Values: env.Values, Pending: env.Pending}
	if out.Values == nil {
		out.Values = map[string]string{}
	}
	code := http.StatusOK
	if env.Pending != "" {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, out)
}
