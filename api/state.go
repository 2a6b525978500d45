package api

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kennel-sdk/kennel/scheduler/record"
)

func (h *handler) stateRoutes(r chi.Router) {
	r.Get("/v1/configurations", h.configIDs)
	r.Get("/v1/configurations/targetId", h.targetID)
	r.Get("/v1/configurations/target", h.target)
	r.Get("/v1/configurations/{id}", h.config)
	r.Get("/v1/state/frameworkId", h.frameworkID)
	r.Get("/v1/state/properties", h.propertyKeys)
	r.Get("/v1/state/properties/{key}", h.property)
	r.Put("/v1/state/refresh", h.refresh)
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func isUUID(s string) bool { return uuidPattern.MatchString(s) }

func (h *handler) configIDs(w http.ResponseWriter, _ *http.Request) {
	ids := h.opts.Store.ConfigIDs()
	if ids == nil {
		ids = []string{}
	}
	writeJSON(w, http.StatusOK, ids)
}

// config is GET /v1/configurations/{id}: the stored canonical ServiceSpec.
func (h *handler) config(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if !isUUID(id) {
		text(w, http.StatusBadRequest, "Configuration id "+id+" is not a UUID")
		return
	}
	h.serveConfig(w, id)
}

func (h *handler) serveConfig(w http.ResponseWriter, id string) {
	data, ok := h.opts.Store.Config(id)
	if !ok {
		text(w, http.StatusNotFound, "Configuration "+id+" not found")
		return
	}
	writeRawJSON(w, http.StatusOK, indent(data))
}

// targetID is GET /v1/configurations/targetId: a JSON array of one id.
func (h *handler) targetID(w http.ResponseWriter, _ *http.Request) {
	id := h.opts.Store.Target()
	if id == "" {
		text(w, http.StatusNotFound, "No target configuration")
		return
	}
	writeJSON(w, http.StatusOK, []string{id})
}

func (h *handler) target(w http.ResponseWriter, _ *http.Request) {
	id := h.opts.Store.Target()
	if id == "" {
		text(w, http.StatusNotFound, "No target configuration")
		return
	}
	h.serveConfig(w, id)
}

// frameworkID is GET /v1/state/frameworkId: a JSON array of one id, 404
// before the framework registered.
func (h *handler) frameworkID(w http.ResponseWriter, _ *http.Request) {
	id := h.opts.Store.FrameworkID()
	if id == "" {
		text(w, http.StatusNotFound, "The framework is not registered yet")
		return
	}
	writeJSON(w, http.StatusOK, []string{id})
}

// propertyKeys is GET /v1/state/properties: the keys of the stored
// properties, secrets (record.SecretPrefix) left out.
func (h *handler) propertyKeys(w http.ResponseWriter, _ *http.Request) {
	keys := []string{}
	for _, k := range h.opts.Store.PropertyKeys() {
		if !strings.HasPrefix(k, record.SecretPrefix) {
			keys = append(keys, k)
		}
	}
	writeJSON(w, http.StatusOK, keys)
}

// property is GET /v1/state/properties/{key}: the raw value, with a JSON
// content type as DC/OS Commons serves it. A secret is never served: it
// is not found.
func (h *handler) property(w http.ResponseWriter, r *http.Request) {
	key := chi.URLParam(r, "key")
	v, ok := h.opts.Store.Property(key)
	if !ok || strings.HasPrefix(key, record.SecretPrefix) {
		text(w, http.StatusNotFound, "Property "+key+" not found")
		return
	}
	writeRawJSON(w, http.StatusOK, v)
}

// refresh is PUT /v1/state/refresh. The store's cache is written through
// by the only scheduler holding the lock, so it is never stale: there is
// nothing to reload, and the command is acknowledged as DC/OS does.
func (h *handler) refresh(w http.ResponseWriter, _ *http.Request) {
	message(w, "Received cmd: refresh")
}
