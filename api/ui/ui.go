// Package ui is the scheduler's dashboard: a page served at /ui (and, by
// the API's prefix handling, at /service/<name>/ui) that shows the plans,
// pods, endpoints, configurations, the offer outcomes of waiting steps and
// the sections a service adds (api.Options.Sections: Kafka's brokers),
// updated live by Server-Sent Events, with the operator's actions behind
// the API's token.
//
// The page, its script and its style sheet are embedded in the binary and
// load nothing else, so the dashboard works offline. The page itself is
// open; its data is not: with a token, /ui/events requires the session
// cookie that POST /ui/session sets when given the token, and the page
// sends the token itself (kept in the browser's sessionStorage) with the
// actions it posts to the API.
package ui

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/kennel-sdk/kennel/api/wire"
)

//go:embed static
var static embed.FS

// SessionCookie is the name of the session cookie POST /ui/session sets
// for a service: one per service, so that services behind one front door
// (and so one host) keep their sessions apart.
func SessionCookie(service string) string {
	name := []byte("kennel_ui_")
	for _, c := range []byte(service) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
			name = append(name, c)
		case c == '/' || c == '.':
			name = append(name, '_')
		}
	}
	return string(name)
}

// Options configure the dashboard.
type Options struct {
	// View builds the document the page shows; it is called once per
	// Interval while at least one page watches (once for all of them).
	View func(ctx context.Context) (*wire.View, error)
	// Service names the session cookie (see SessionCookie).
	Service string
	// Token is the API's token; "" leaves the dashboard open, as the API.
	Token string
	// Interval is how often the view is rebuilt while pages watch; the
	// streams send it when it changed (default 250ms).
	Interval time.Duration
	// KeepAlive is how often an idle stream sends a comment, so that
	// proxies keep it open (default 15s).
	KeepAlive time.Duration
}

// Open reports whether path is the dashboard's: the API's token check lets
// it through, and Handler checks the session itself.
func Open(path string) bool { return path == "/ui" || strings.HasPrefix(path, "/ui/") }

// Handler serves GET /ui (the page), GET /ui/app.js and /ui/app.css,
// GET /ui/events (the event stream: an event "view" with the View as JSON
// whenever it changes), GET /ui/session (200 with {"authorized": bool}:
// whether the session may read the events), POST /ui/session (the token as the form value
// "token": 204 and the session cookie, or 401 with a message) and
// DELETE /ui/session (forgets the cookie).
func Handler(opts Options) http.Handler {
	if opts.Interval <= 0 {
		opts.Interval = 250 * time.Millisecond
	}
	if opts.KeepAlive <= 0 {
		opts.KeepAlive = 15 * time.Second
	}
	d := &dashboard{opts: opts, hub: &hub{view: viewJSON(opts.View), interval: opts.Interval}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ui", d.asset("index.html", "text/html; charset=utf-8"))
	mux.HandleFunc("GET /ui/{$}", func(w http.ResponseWriter, r *http.Request) {
		// Relative, so that it holds under /service/<name>/ too.
		w.Header().Set("Location", "../ui")
		w.WriteHeader(http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /ui/app.js", d.asset("app.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET /ui/app.css", d.asset("app.css", "text/css; charset=utf-8"))
	mux.HandleFunc("GET /ui/events", d.events)
	mux.HandleFunc("GET /ui/session", d.checkSession)
	mux.HandleFunc("POST /ui/session", d.login)
	mux.HandleFunc("DELETE /ui/session", d.logout)
	mux.HandleFunc("/ui/", func(w http.ResponseWriter, r *http.Request) {
		plain(w, http.StatusNotFound, "No endpoint "+r.URL.Path)
	})
	return mux
}

type dashboard struct {
	opts Options
	hub  *hub
}

// asset serves an embedded file, gzipped when the client accepts it.
func (d *dashboard) asset(name, contentType string) http.HandlerFunc {
	raw, err := static.ReadFile("static/" + name)
	if err != nil {
		panic(fmt.Sprintf("ui: embedded %s: %v", name, err))
	}
	var gz bytes.Buffer
	zw, _ := newGzip(&gz)
	_, _ = zw.Write(raw)
	_ = zw.Close()
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", contentType)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-cache")
		h.Set("Vary", "Accept-Encoding")
		h.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
		body := raw
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			h.Set("Content-Encoding", "gzip")
			body = gz.Bytes()
		}
		h.Set("Content-Length", fmt.Sprint(len(body)))
		_, _ = w.Write(body)
	}
}

// sessionValue is the cookie's value for a token: an HMAC of it, so the
// cookie never carries the token itself.
func sessionValue(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("kennel dashboard session"))
	return hex.EncodeToString(m.Sum(nil))
}

// authorized reports whether the request may read the dashboard's data.
func (d *dashboard) authorized(r *http.Request) bool {
	if d.opts.Token == "" {
		return true
	}
	c, err := r.Cookie(SessionCookie(d.opts.Service))
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(sessionValue(d.opts.Token))) == 1
}

// checkSession answers 200 in both cases, so that a page without a
// session does not log a failed request in the browser's console.
func (d *dashboard) checkSession(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = fmt.Fprintf(w, "{\"authorized\": %t}\n", d.authorized(r))
}

func (d *dashboard) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		plain(w, http.StatusBadRequest, "Couldn't read the form: "+err.Error())
		return
	}
	token := strings.TrimSpace(r.PostForm.Get("token"))
	if d.opts.Token == "" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if token == "" {
		plain(w, http.StatusBadRequest, "Missing token: send the API token as the form value token")
		return
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(d.opts.Token)) != 1 {
		plain(w, http.StatusUnauthorized, "Wrong token: the scheduler refused it")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie(d.opts.Service), Value: sessionValue(d.opts.Token), Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	w.WriteHeader(http.StatusNoContent)
}

func (d *dashboard) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie(d.opts.Service), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	w.WriteHeader(http.StatusNoContent)
}

// events streams the view: an event "view" whenever its JSON changes, an
// event "failure" with a message when it cannot be built, and a comment
// every KeepAlive while nothing changes.
func (d *dashboard) events(w http.ResponseWriter, r *http.Request) {
	if !d.authorized(r) {
		plain(w, http.StatusUnauthorized, "The dashboard needs the API token")
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		plain(w, http.StatusInternalServerError, "The server cannot stream events")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "retry: 2000\n\n")
	flusher.Flush()
	changed, done := d.hub.subscribe()
	defer done()
	keepAlive := time.NewTicker(d.opts.KeepAlive)
	defer keepAlive.Stop()
	var sent uint64
	for {
		var out string
		select {
		case <-r.Context().Done():
			return
		case <-keepAlive.C:
			out = ": keep-alive\n\n"
		case <-changed:
			f := d.hub.current()
			switch {
			case f.seq == sent || f.seq == 0:
				continue
			case f.err != nil:
				out = "event: failure\ndata: " + strings.ReplaceAll(f.err.Error(), "\n", " ") + "\n\n"
			default:
				out = "event: view\ndata: " + string(f.data) + "\n\n"
			}
			sent = f.seq
		}
		if _, err := io.WriteString(w, out); err != nil {
			return
		}
		flusher.Flush()
	}
}

func plain(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, msg+"\n")
}
