// Package api is the scheduler's HTTP API, wire-compatible with DC/OS
// Commons' scheduler API v1 (reference/dcos-commons.md §4): the same paths,
// methods, status codes and JSON shapes, served at /v1/... and at
// /service/<name>/v1/.... Kennel's additions are new fields (step
// timestamps and reasons) and new endpoints (/v1/debug/offers, /metrics, the dashboard at /ui);
// /v2/debug/offers is served in DC/OS Commons' own shape.
//
// The package holds no scheduler state of its own. Reads of plans and
// health come from the Snapshot the scheduler publishes after each event,
// so they never wait for the scheduler's goroutine; everything else goes
// through Scheduler, whose methods run on that goroutine, or through Store,
// whose reads are safe on any goroutine.
package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kennel-sdk/kennel/api/ui"
	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler"
)

// Scheduler is what the API asks of a running scheduler. Methods are safe
// for concurrent use; ctx is the request's.
type Scheduler interface {
	// Snapshot is the latest published view of the plans; never nil.
	Snapshot() *wire.Snapshot
	// PlanCommand runs an operator action on the plans, on the
	// scheduler's goroutine, with the time it runs at.
	PlanCommand(ctx context.Context, cmd plans.Command) (plans.Result, error)
	// Tasks are the stored tasks, sorted by name.
	Tasks(ctx context.Context) ([]scheduler.TaskView, error)
	// Outcomes are the latest offer evaluations, newest first.
	Outcomes(ctx context.Context) ([]scheduler.StepOutcome, error)
	// PodRestart and PodReplace act on a pod instance and return its
	// task names; an error wrapping ErrNotFound or scheduler.ErrUnknownPod
	// if it has none.
	PodRestart(ctx context.Context, instance string) ([]string, error)
	PodReplace(ctx context.Context, instance string) ([]string, error)
	// PodPause and PodResume act on the named tasks of an instance (all
	// if none); an error wrapping ErrNotFound, scheduler.ErrUnknownPod or
	// scheduler.ErrUnknownTask for an unknown instance or task.
	PodPause(ctx context.Context, instance string, tasks []string) ([]string, error)
	PodResume(ctx context.Context, instance string, tasks []string) ([]string, error)
	// Template returns a config template of a stored configuration.
	Template(ctx context.Context, config, pod, task, name string) ([]byte, bool, error)
	// InstanceEnv is what the service's Go extension computes for a pod
	// instance's environment (scheduler.EnvSource); an error wrapping
	// ErrNotFound or scheduler.ErrUnknownPod for an unknown instance or a
	// service without one.
	InstanceEnv(ctx context.Context, instance string) (scheduler.InstanceEnv, error)
}

// Store is the state store's read side; reads are safe on any goroutine.
type Store interface {
	FrameworkID() string
	Target() string
	ConfigIDs() []string
	Config(id string) ([]byte, bool)
	PropertyKeys() []string
	Property(key string) ([]byte, bool)
}

// ErrNotFound is what Scheduler methods may wrap for an unknown pod
// instance or task (as may scheduler.ErrUnknownPod and ErrUnknownTask).
var ErrNotFound = errors.New("not found")

// Options configure the handler.
type Options struct {
	// Service is the service name, for the /service/<name> prefix and the
	// endpoints' DNS names.
	Service string
	// Store serves configurations and state.
	Store Store
	// Binary is the kennel executable served at /v1/artifacts/kennel for
	// tasks that render config templates.
	Binary string
	// Token, when set, is required of every request (Authorization:
	// Bearer <token> or DC/OS's token=<token>) except /v1/health, which
	// Marathon's health checks call without headers, and /v1/artifacts,
	// which tasks fetch, and /ui, the dashboard, which asks for the token
	// once and then reads with a session cookie (package ui). Without it,
	// any Authorization header is accepted
	// and ignored, as DC/OS Commons does behind Admin Router.
	Token string
	// Metrics serves /v1/metrics/prometheus and /metrics (nil: 404).
	Metrics http.Handler
	// Routes are a service's extra routes under /v1/ (see Route).
	Routes []Route
	// Endpoints are a service's endpoint producers (see EndpointProducer).
	Endpoints []EndpointProducer
	// TLS issues the certificates of transport encryption (nil: the
	// /v1/artifacts/tls routes answer 404).
	TLS CertificateIssuer
	// Sections are a service's parts of the dashboard (see Section).
	Sections []Section
	// UIInterval is how often the dashboard's event streams look for a
	// change (package ui's default when 0).
	UIInterval time.Duration
}

// Handler serves the API.
func Handler(s Scheduler, opts Options) http.Handler {
	h := &handler{s: s, opts: opts, sections: newSections(opts.Sections)}
	r := chi.NewRouter()
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		text(w, http.StatusNotFound, "No endpoint "+r.URL.Path)
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		text(w, http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path)
	})
	h.plansRoutes(r)
	h.podRoutes(r)
	h.stateRoutes(r)
	r.Get("/v1/endpoints", h.endpointNames)
	r.Get("/v1/endpoints/{name}", h.endpoint)
	r.Get("/v1/health", h.health)
	r.Get("/v1/debug/offers", h.debugOffers)
	r.Get("/v2/debug/offers", h.dcosDebugOffers)
	if opts.Metrics != nil {
		r.Get("/v1/metrics/prometheus", opts.Metrics.ServeHTTP)
		r.Get("/metrics", opts.Metrics.ServeHTTP)
	}
	h.artifactRoutes(r)
	mountRoutes(r, opts.Routes)
	dash := ui.Handler(ui.Options{View: h.view, Service: opts.Service, Token: opts.Token, Interval: opts.UIInterval})
	r.Handle("/ui", dash)
	r.Handle("/ui/*", dash)
	var served http.Handler = r
	if opts.Token != "" {
		served = requireToken(opts.Token, r)
	}
	return h.normalize(served)
}

// ArtifactsHandler serves only /v1/artifacts/..., without a token: what
// tasks fetch. A scheduler serving its API over TLS serves this on a
// plain-HTTP port too, because the fetchers of tasks do not trust the
// API's certificate.
func ArtifactsHandler(s Scheduler, opts Options) http.Handler {
	h := &handler{s: s, opts: opts}
	r := chi.NewRouter()
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		text(w, http.StatusNotFound, "No endpoint "+r.URL.Path)
	})
	h.artifactRoutes(r)
	return h.normalize(r)
}

func (h *handler) artifactRoutes(r chi.Router) {
	r.Get("/v1/artifacts/template/{config}/{pod}/{task}/{name}", h.template)
	r.Get("/v1/artifacts/kennel", h.binary)
	r.Get("/v1/artifacts/env/{instance}", h.instanceEnv)
	h.tlsRoutes(r)
}

// normalize strips the /service/<name> prefix and routes every request
// on its decoded path, so that path parameters arrive decoded and both
// forms of a path behave alike.
func (h *handler) normalize(next http.Handler) http.Handler {
	prefix := "/service/" + strings.Trim(h.opts.Service, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rest, ok := strings.CutPrefix(req.URL.Path, prefix)
		prefixed := ok && (strings.HasPrefix(rest, "/v1/") || ui.Open(rest))
		if prefixed || req.URL.RawPath != "" {
			req = req.Clone(req.Context())
			if prefixed {
				req.URL.Path = rest
			}
			req.URL.RawPath = ""
		}
		next.ServeHTTP(w, req)
	})
}

type handler struct {
	s        Scheduler
	opts     Options
	sections []*sectionState
}
