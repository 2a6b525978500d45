// Package frontdoor is the local cluster's DC/OS front door: the one URL
// (core.dcos_url) the DC/OS CLI and the dcos-<service> CLI plugins talk
// to, served on the Marathon port. It routes paths to the parts given to
// it as DC/OS's Admin Router does on a master
// (dcos/dcos packages/adminrouter/extra/src/includes/server/master.conf):
//
//	/service/marathon/... → Marathon, /service/marathon stripped
//	/service/...          → Services (Admin Router's service routing, as is)
//	/marathon/...         → Marathon, /marathon stripped
//	/v2/...               → Marathon, as is (the Marathon port's own paths)
//	/cosmos/service/...   → Cosmos, /cosmos stripped
//	/package/..., /capabilities → Cosmos, as is
//	/mesos/...            → the Mesos master, /mesos stripped
//	/agent/<id>/..., /slave/<id>/... → that Mesos agent, /agent/<id> or
//	                        /slave/<id> stripped (the agent found in the
//	                        master's /master/state)
//
// /marathon answers 307 to /marathon/, /mesos and /service/marathon 301
// with "/" added, as Admin Router does. An agent the master does not list
// is 404 "404 Not Found: agent `<id>` unknown.", as Admin Router says it. Any other path, and a path of a part not given, is 404
// with a line saying what is not served.
package frontdoor

import (
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// Parts are what the front door routes to; each may be nil.
type Parts struct {
	// Services serves /service/<name>/... with the full path (Admin
	// Router's service routing, package adminrouter).
	Services http.Handler
	// Marathon serves Marathon's own paths (/v2/...).
	Marathon http.Handler
	// Cosmos serves Cosmos's own paths: /service/<op> (reached as
	// /cosmos/service/<op>), /package/<op> and /capabilities.
	Cosmos http.Handler
	// Mesos is the Mesos master's URL (e.g. http://127.0.0.1:5050); its
	// paths are reached under /mesos/, and the paths of the agents its
	// /master/state lists under /agent/<id>/ and /slave/<id>/.
	Mesos *url.URL
}

// route is one prefix of the front door.
type route struct {
	// prefix matches a path equal to it or, if it ends in "/", under it.
	prefix string
	// strip is removed from the path before handing the request on.
	strip string
	// what names the part in a 404 when it is not given.
	what    string
	handler http.Handler
}

// Handler returns the front door over parts.
func Handler(parts Parts) http.Handler {
	var mesos, agents http.Handler
	if parts.Mesos != nil {
		mesos = proxyTo(parts.Mesos)
		agents = newAgentProxy(parts.Mesos)
	}
	routes := []route{
		{"/service/marathon/", "/service/marathon", "Marathon", parts.Marathon},
		{"/service/", "", "Admin Router's service routing", parts.Services},
		{"/marathon/", "/marathon", "Marathon", parts.Marathon},
		{"/v2/", "", "Marathon", parts.Marathon},
		{"/cosmos/service/", "/cosmos", "Cosmos", parts.Cosmos},
		{"/package/", "", "Cosmos", parts.Cosmos},
		{"/capabilities", "", "Cosmos", parts.Cosmos},
		{"/mesos/", "/mesos", "the Mesos master", mesos},
		{"/agent/", "", "the Mesos agents", agents},
		{"/slave/", "", "the Mesos agents", agents},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/marathon":
			redirect(w, r, http.StatusTemporaryRedirect)
			return
		case "/service/marathon", "/mesos":
			redirect(w, r, http.StatusMovedPermanently)
			return
		}
		for _, rt := range routes {
			if !matches(rt.prefix, r.URL.Path) {
				continue
			}
			if rt.handler == nil {
				notServed(w, rt.what+" is not served here")
				return
			}
			if rt.strip != "" {
				r = stripPrefix(r, rt.strip)
			}
			rt.handler.ServeHTTP(w, r)
			return
		}
		notServed(w, r.URL.Path+" is not served here")
	})
}

// matches reports whether path is under prefix (a prefix ending in "/")
// or equal to it.
func matches(prefix, path string) bool {
	if strings.HasSuffix(prefix, "/") {
		return strings.HasPrefix(path, prefix)
	}
	return path == prefix
}

// redirect answers with code to the path with "/" added, keeping the
// query.
func redirect(w http.ResponseWriter, r *http.Request, code int) {
	target := r.URL.Path + "/"
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, target, code)
}

// stripPrefix returns a shallow copy of r whose path lacks prefix (which
// the caller has matched).
func stripPrefix(r *http.Request, prefix string) *http.Request {
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path = strings.TrimPrefix(r.URL.Path, prefix)
	if u.RawPath != "" {
		u.RawPath = strings.TrimPrefix(r.URL.RawPath, prefix)
	}
	r2.URL = &u
	return r2
}

// proxyTo proxies to target (the master, or an agent), as Admin Router's
// /mesos/ and /agent/ locations do (proxy-headers.conf: the client's Host,
// X-Forwarded-*, X-Real-IP), flushing each write so streams pass through.
func proxyTo(target *url.URL) http.Handler {
	return &httputil.ReverseProxy{
		FlushInterval: -1,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host
			pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
			pr.SetXForwarded()
			if ip, _, err := net.SplitHostPort(pr.In.RemoteAddr); err == nil {
				pr.Out.Header.Set("X-Real-IP", ip)
			}
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<!DOCTYPE html>\n<html>\n<head><title>Bad gateway</title></head>\n<body><h1>Bad gateway</h1></body>\n</html>\n")
		},
	}
}

// notServed answers 404 with msg.
func notServed(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusNotFound)
	_, _ = io.WriteString(w, "404 Not Found: "+msg+"\n")
}
