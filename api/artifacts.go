package api

import (
	"net/http"
	"os"

	"github.com/go-chi/chi/v5"
)

// template is GET /v1/artifacts/template/{config}/{pod}/{task}/{name}: a
// config template of a stored configuration, for tasks to render.
func (h *handler) template(w http.ResponseWriter, r *http.Request) {
	config := chi.URLParam(r, "config")
	if !isUUID(config) {
		text(w, http.StatusBadRequest, "Configuration id "+config+" is not a UUID")
		return
	}
	data, found, err := h.s.Template(r.Context(), config, chi.URLParam(r, "pod"), chi.URLParam(r, "task"), chi.URLParam(r, "name"))
	switch {
	case err != nil:
		internal(w, err)
	case !found:
		text(w, http.StatusNotFound, "Template not found")
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(data)
	}
}

// binary serves the kennel executable, which tasks with config templates
// fetch to render them.
func (h *handler) binary(w http.ResponseWriter, r *http.Request) {
	f, err := os.Open(h.opts.Binary)
	if err != nil {
		text(w, http.StatusNotFound, "The kennel binary is not available")
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		internal(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, "kennel", info.ModTime(), f)
}
