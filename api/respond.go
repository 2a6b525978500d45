package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/kennel-sdk/kennel/api/wire"
)

// writeJSON writes v pretty-printed, as DC/OS Commons does.
func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		text(w, http.StatusInternalServerError, "encoding the response: "+err.Error())
		return
	}
	writeRawJSON(w, code, append(body, '\n'))
}

// writeRawJSON writes a JSON body with its length, so that it goes out
// in one piece rather than chunked.
func writeRawJSON(w http.ResponseWriter, code int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// writePlan writes a published plan's body as writeRawJSON does, from the
// pieces the view keeps rather than a copy of it in one piece: gzip-
// compressed (Content-Encoding: gzip) when the request accepts gzip, the
// JSON itself otherwise. Both are made from pieces shared between views,
// a chunk of steps deflated at its second read (wire.PlanView.WriteGzip),
// so that a large plan that is read more often than it changes costs a
// client that asks for gzip (Go's http.Transport does, and decompresses
// transparently) a twentieth of the bytes for no CPU per request.
func writePlan(w http.ResponseWriter, r *http.Request, code int, view *wire.PlanView) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Vary", "Accept-Encoding")
	if acceptsGzip(r.Header.Values("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		_, _ = view.WriteGzip(func(size int) io.Writer {
			h.Set("Content-Length", strconv.Itoa(size))
			w.WriteHeader(code)
			return w
		})
		return
	}
	h.Set("Content-Length", strconv.Itoa(view.Len()))
	w.WriteHeader(code)
	_, _ = view.WriteTo(w)
}

// text is DC/OS Commons' error response: a plain-text message.
func text(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(msg + "\n"))
}

// message is a command's success body.
func message(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusOK, map[string]string{"message": msg})
}

// internal is DC/OS Commons' 500: an empty body. It is for failures of the
// scheduler itself (it is stopping, its store failed), never for bad input.
func internal(w http.ResponseWriter, _ error) { w.WriteHeader(http.StatusInternalServerError) }

// indent pretty-prints stored JSON; what is not JSON is served as stored.
func indent(data []byte) []byte {
	var b bytes.Buffer
	if err := json.Indent(&b, data, "", "  "); err != nil {
		return data
	}
	b.WriteByte('\n')
	return b.Bytes()
}
