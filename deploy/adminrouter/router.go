package adminrouter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"
)

// servicePrefix is the path under which services are served.
const servicePrefix = "/service/"

// resolveLimit is how many leading segments of a path Admin Router tries
// as a service name (RESOLVE_LIMIT in lib/service.lua).
const resolveLimit = 10

// DefaultMaxAge is how long a routing table is used before it is fetched
// again: Admin Router's CACHE_EXPIRATION (lib/cache.lua).
const DefaultMaxAge = 20 * time.Second

// DefaultMaxBufferedBody bounds a request body read whole before it is
// proxied (Admin Router spools bigger ones to disk; Kennel refuses them
// with 413 unless the app sets DCOS_SERVICE_REQUEST_BUFFERING=false).
const DefaultMaxBufferedBody = 64 << 20

// Options configure a Router. The zero value is usable.
type Options struct {
	// Transport carries the proxied requests; nil is http.DefaultTransport.
	Transport http.RoundTripper
	// MaxAge is how long a routing table is used; 0 is DefaultMaxAge.
	MaxAge time.Duration
	// MaxBufferedBody bounds buffered request bodies; 0 is
	// DefaultMaxBufferedBody.
	MaxBufferedBody int64
	// Log receives why apps are not routed and why fetches fail; nil
	// discards.
	Log *slog.Logger
}

// Router serves /service/<name>/<path> (an http.Handler) from the routing
// table it builds from Apps.
//
// Resolution is Admin Router's: the path's non-empty segments are tried
// as names shortest first, up to ten (so /service/dev/kafka/v1/plans is
// the app named "dev" if there is one, else "dev/kafka", ...). The table
// is fetched again when older than MaxAge, and at once when a name is not
// found in it, so a scheduler that has just started is found without
// waiting; a proxied request the upstream refuses marks the table stale,
// so the next request looks again. A failed fetch keeps the last table.
// A miss fetches once per request that misses, so a client asking for an
// unknown name asks Marathon each time.
//
// Answers of its own, as Admin Router gives them: 404 "404 Not Found:
// service not found." when no running app has the name (also while its
// task is not TASK_RUNNING); 503 "503 Service Unavailable: invalid
// Marathon svcapps cache" when no table could ever be fetched; 502 "Bad
// gateway" when the upstream cannot be reached; 301 from /service/<name>
// to /service/<name>/.
type Router struct {
	apps            Apps
	transport       http.RoundTripper
	maxAge          time.Duration
	maxBufferedBody int64
	log             *slog.Logger

	mu      sync.Mutex
	routes  map[string]Route // nil until fetched
	fetched time.Time        // when routes were fetched
	// refreshing is closed when the fetch under way ends; nil if none.
	refreshing chan struct{}
}

// New returns a Router over apps, which must not be nil.
func New(apps Apps, opts Options) *Router {
	r := &Router{apps: apps, transport: opts.Transport, maxAge: opts.MaxAge,
		maxBufferedBody: opts.MaxBufferedBody, log: opts.Log}
	if r.transport == nil {
		r.transport = http.DefaultTransport
	}
	if r.maxAge <= 0 {
		r.maxAge = DefaultMaxAge
	}
	if r.maxBufferedBody <= 0 {
		r.maxBufferedBody = DefaultMaxBufferedBody
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	return r
}

// errNoTable: no routing table has ever been fetched.
var errNoTable = errors.New("no routing table")

// table returns the routing table, fetched again if it is older than
// maxAge or was fetched before notBefore (zero: any age up to maxAge).
// Concurrent callers share one fetch.
func (r *Router) table(ctx context.Context, notBefore time.Time) (map[string]Route, time.Time, error) {
	for {
		r.mu.Lock()
		now := time.Now()
		fresh := r.routes != nil && now.Sub(r.fetched) < r.maxAge && !r.fetched.Before(notBefore)
		if fresh {
			routes, fetched := r.routes, r.fetched
			r.mu.Unlock()
			return routes, fetched, nil
		}
		if wait := r.refreshing; wait != nil {
			r.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, time.Time{}, ctx.Err()
			}
		}
		done := make(chan struct{})
		r.refreshing = done
		r.mu.Unlock()

		start := time.Now()
		apps, err := r.apps.Apps(ctx)
		r.mu.Lock()
		r.refreshing = nil
		close(done)
		if err != nil {
			routes, fetched := r.routes, r.fetched
			r.mu.Unlock()
			r.log.Warn("admin router: fetching the apps failed", "err", err)
			if routes == nil {
				return nil, time.Time{}, fmt.Errorf("%w: %w", errNoTable, err)
			}
			return routes, fetched, nil
		}
		routes, skipped := Table(apps)
		r.routes, r.fetched = routes, start
		r.mu.Unlock()
		for _, s := range skipped {
			r.log.Debug("admin router: app not routed", "app", s.AppID, "reason", s.Reason)
		}
		return routes, start, nil
	}
}

// forget marks the table stale if it is still the one fetched at
// fetched: the next request fetches again, and keeps it if that fails.
func (r *Router) forget(fetched time.Time) {
	r.mu.Lock()
	if r.fetched.Equal(fetched) {
		r.fetched = time.Time{}
	}
	r.mu.Unlock()
}

// redirectName is a path Admin Router answers with a redirect adding "/".
var redirectName = regexp.MustCompile(`^/service/[0-9a-zA-Z.-]+$`)

// ServeHTTP serves a request whose path starts with /service/.
func (r *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if redirectName.MatchString(req.URL.Path) {
		target := req.URL.Path + "/"
		if req.URL.RawQuery != "" {
			target += "?" + req.URL.RawQuery
		}
		http.Redirect(w, req, target, http.StatusMovedPermanently)
		return
	}
	clean := path.Clean(req.URL.Path)
	if strings.HasSuffix(req.URL.Path, "/") && clean != "/" {
		clean += "/"
	}
	rest, ok := strings.CutPrefix(clean, servicePrefix)
	if !ok || rest == "" {
		notFound(w)
		return
	}
	arrived := time.Now()
	routes, fetched, err := r.table(req.Context(), time.Time{})
	if err != nil {
		r.log.Warn("admin router: no routing table", "err", err)
		plain(w, http.StatusServiceUnavailable, "503 Service Unavailable: invalid Marathon svcapps cache")
		return
	}
	rt, ok := resolve(routes, rest)
	if !ok {
		// A miss: look again in a table fetched since the request came.
		if routes, fetched, err = r.table(req.Context(), arrived); err == nil {
			rt, ok = resolve(routes, rest)
		}
	}
	if !ok {
		notFound(w)
		return
	}
	r.proxy(w, req, clean, rt, fetched)
}

// resolve finds the route of the service path rest (the path after
// /service/): its leading segments, shortest first.
func resolve(routes map[string]Route, rest string) (Route, bool) {
	segs := segments(rest)
	for i := 1; i <= len(segs) && i <= resolveLimit; i++ {
		if rt, ok := routes[strings.Join(segs[:i], "/")]; ok {
			return rt, true
		}
	}
	return Route{}, false
}

// proxy sends req, whose cleaned path is clean, to rt's upstream.
func (r *Router) proxy(w http.ResponseWriter, req *http.Request, clean string, rt Route, fetched time.Time) {
	prefix := servicePrefix + rt.Name
	upstreamPath := clean
	if rt.RewriteRequestURL {
		upstreamPath = strings.TrimPrefix(clean, prefix)
		if upstreamPath == "" {
			upstreamPath = "/"
		}
	}
	if rt.RequestBuffering && req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(io.LimitReader(req.Body, r.maxBufferedBody+1))
		if err != nil {
			plain(w, http.StatusBadRequest, "400 Bad Request: reading the request body: "+err.Error())
			return
		}
		if int64(len(body)) > r.maxBufferedBody {
			plain(w, http.StatusRequestEntityTooLarge, fmt.Sprintf(
				"413 Request Entity Too Large: the body exceeds %d bytes (the app may set %s=false)", r.maxBufferedBody, LabelRequestBuffering))
			return
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
	}
	rp := &httputil.ReverseProxy{
		Transport:     r.transport,
		FlushInterval: -1, // proxy_buffering off: each write reaches the client
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = rt.Upstream.Scheme
			pr.Out.URL.Host = rt.Upstream.Host
			pr.Out.URL.Path = upstreamPath
			pr.Out.URL.RawPath = ""
			pr.Out.URL.RawQuery = pr.In.URL.RawQuery
			pr.Out.Host = pr.In.Host // proxy_set_header Host $http_host
			// $proxy_add_x_forwarded_for: the client's address appended
			pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
			pr.SetXForwarded()
			if ip, _, err := net.SplitHostPort(pr.In.RemoteAddr); err == nil {
				pr.Out.Header.Set("X-Real-IP", ip)
			}
			pr.Out.Header.Del("Accept-Encoding") // more_clear_input_headers Accept-Encoding
		},
		ModifyResponse: func(resp *http.Response) error {
			if loc := resp.Header.Get("Location"); loc != "" {
				resp.Header.Set("Location", redirectLocation(loc, rt, req.Host))
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			r.log.Warn("admin router: upstream failed", "service", rt.Name, "upstream", rt.Upstream.String(), "err", err)
			r.forget(fetched)
			badGateway(w)
		},
	}
	rp.ServeHTTP(w, req)
}

// redirectLocation rewrites an upstream's Location as Admin Router's
// proxy_redirect rules do, the first that matches: an absolute URL to
// this host under /service/<name>/ loses its scheme and host; one to this
// host's root, and any path starting with "/", goes under /service/<name>/.
func redirectLocation(loc string, rt Route, host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	base := servicePrefix + rt.Name + "/"
	abs := rt.Upstream.Scheme + "://" + host + "/"
	switch {
	case strings.HasPrefix(loc, abs+strings.TrimPrefix(base, "/")):
		return strings.TrimPrefix(loc, rt.Upstream.Scheme+"://"+host)
	case strings.HasPrefix(loc, abs):
		return base + strings.TrimPrefix(loc, abs)
	case strings.HasPrefix(loc, "/"):
		return base + strings.TrimPrefix(loc, "/")
	}
	return loc
}

// notFound is Admin Router's answer for a name it cannot resolve.
func notFound(w http.ResponseWriter) {
	plain(w, http.StatusNotFound, "404 Not Found: service not found.")
}

// plain writes Admin Router's text answers (ngx.say: a line).
func plain(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, msg+"\n")
}

// badGateway is Admin Router's 502 page (errorpages/502.html).
func badGateway(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = io.WriteString(w, "<!DOCTYPE html>\n<html>\n<head><title>Bad gateway</title></head>\n<body><h1>Bad gateway</h1></body>\n</html>\n")
}
