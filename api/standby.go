package api

import (
	"net/http"
)

// StandbyHandler serves a scheduler that does not act for its service yet,
// such as one waiting for the service's lock, so that Marathon's health
// check (MESOS_HTTP on /v1/health, 200-399 healthy) keeps it alive:
//
//   - GET /v1/health answers 318, DC/OS Commons' "initializing" code, with
//     {"value": 318, "reasons": ["standby: " + reason()]}; the reasons are
//     always given, since saying why is the point;
//   - every other path answers 503 Service Unavailable with reason() and a
//     Retry-After, as no plan or pod of a standby is current.
//
// reason is called on every request and must be safe for concurrent use.
// opts.Service (the /service/<name> prefix) and opts.Token apply as in
// Handler; nothing else of opts is used.
func StandbyHandler(opts Options, reason func() string) http.Handler {
	h := &handler{opts: opts}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/health", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, healthInitializing, struct {
			Value   int      `json:"value"`
			Reasons []string `json:"reasons"`
		}{Value: healthInitializing, Reasons: []string{"standby: " + reason()}})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "5")
		text(w, http.StatusServiceUnavailable, "This scheduler is a standby and serves only /v1/health: "+reason()+".")
	})
	var served http.Handler = mux
	if opts.Token != "" {
		served = requireToken(opts.Token, mux)
	}
	return h.normalize(served)
}
