// Package httpapi serves Cosmos's package and service operations over HTTP
// with Cosmos's routes, versioned media types, status codes and error
// bodies, so that the DC/OS CLI and the DC/OS Commons CLI can talk to it:
//
//	POST /package/install        install-request v1 → install-response v2 (or v1)
//	POST /package/list           list-request v1 → list-response v1
//	POST /package/describe       describe-request v1 → describe-response v3
//	POST /package/list-versions  list-versions-request v1 → list-versions-response v1
//	POST /package/uninstall      uninstall-request v1 → uninstall-response v1
//	POST /service/describe       service describe-request v1 → describe-response v1
//	POST /service/update         service update-request v1 → update-response v1
//
// each also under /cosmos (as Admin Router exposes them). Media types are
// application/vnd.dcos.<package|service>.<name>+json;charset=utf-8;version=vN.
// A body of another type is 415, an Accept that admits no response type
// 406; an absent Accept admits the response type. Errors are
// {"type","message","data"} as application/vnd.dcos.package.error+json
// (version v1), with the error's status.
//
// A difference from Cosmos: uninstall answers once the uninstall is done
// (the request's context bounds the wait), where Cosmos answers at once and
// finishes in the background.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/kennel-sdk/kennel/deploy/cosmos"
)

// Operations are Cosmos's operations; *cosmos.Cosmos satisfies it.
type Operations interface {
	Install(ctx context.Context, req cosmos.InstallRequest) (*cosmos.InstallResponse, error)
	List(ctx context.Context, req cosmos.ListRequest) (*cosmos.ListResponse, error)
	Describe(ctx context.Context, req cosmos.DescribeRequest) (*cosmos.DescribeResponse, error)
	ListVersions(ctx context.Context, req cosmos.ListVersionsRequest) (*cosmos.ListVersionsResponse, error)
	Uninstall(ctx context.Context, req cosmos.UninstallRequest) (*cosmos.UninstallResponse, error)
	ServiceDescribe(ctx context.Context, req cosmos.ServiceDescribeRequest) (*cosmos.ServiceDescribeResponse, error)
	Update(ctx context.Context, req cosmos.ServiceUpdateRequest) (*cosmos.ServiceUpdateResponse, error)
}

// MediaType is a Cosmos media type: application/vnd.dcos.<Kind>.<Name>+json
// with charset=utf-8 and version=v<Version>.
type MediaType struct {
	Kind, Name string
	Version    int
}

func (m MediaType) String() string {
	return fmt.Sprintf("application/vnd.dcos.%s.%s+json;charset=utf-8;version=v%d", m.Kind, m.Name, m.Version)
}

// ErrorType is the media type of error bodies.
var ErrorType = MediaType{"package", "error", 1}

// route is one operation: its request type, the response types it can
// answer in (preferred first), and its work on the decoded body.
type route struct {
	request   MediaType
	responses []MediaType
	serve     func(ctx context.Context, body []byte, response MediaType) (any, error)
}

// decodeAnd decodes body into a Req and calls op.
func decodeAnd[Req, Resp any](op func(context.Context, Req) (Resp, error)) func(context.Context, []byte, MediaType) (any, error) {
	return func(ctx context.Context, body []byte, _ MediaType) (any, error) {
		var req Req
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.UseNumber()
		if err := dec.Decode(&req); err != nil {
			return nil, &cosmos.Error{Type: "JsonParsingError", Status: http.StatusBadRequest, Err: err,
				Message: fmt.Sprintf("Unable to parse the request body as JSON: %v", err)}
		}
		return op(ctx, req)
	}
}

// Handler returns the HTTP handler of ops.
func Handler(ops Operations) http.Handler {
	routes := map[string]route{
		"/package/install": {MediaType{"package", "install-request", 1},
			[]MediaType{{"package", "install-response", 2}, {"package", "install-response", 1}},
			func(ctx context.Context, body []byte, resp MediaType) (any, error) {
				r, err := decodeAnd(ops.Install)(ctx, body, resp)
				if err != nil || resp.Version == 2 {
					return r, err
				}
				v2 := r.(*cosmos.InstallResponse)
				return map[string]any{"packageName": v2.PackageName, "packageVersion": v2.PackageVersion, "appId": v2.AppID}, nil
			}},
		"/package/list": {MediaType{"package", "list-request", 1},
			[]MediaType{{"package", "list-response", 1}}, decodeAnd(ops.List)},
		"/package/describe": {MediaType{"package", "describe-request", 1},
			[]MediaType{{"package", "describe-response", 3}}, decodeAnd(ops.Describe)},
		"/package/list-versions": {MediaType{"package", "list-versions-request", 1},
			[]MediaType{{"package", "list-versions-response", 1}}, decodeAnd(ops.ListVersions)},
		"/package/uninstall": {MediaType{"package", "uninstall-request", 1},
			[]MediaType{{"package", "uninstall-response", 1}}, decodeAnd(ops.Uninstall)},
		"/service/describe": {MediaType{"service", "describe-request", 1},
			[]MediaType{{"service", "describe-response", 1}}, decodeAnd(ops.ServiceDescribe)},
		"/service/update": {MediaType{"service", "update-request", 1},
			[]MediaType{{"service", "update-response", 1}}, decodeAnd(ops.Update)},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimPrefix(r.URL.Path, "/cosmos")
		rt, ok := routes[path]
		if !ok {
			writeError(w, &cosmos.Error{Type: "NotFound", Status: http.StatusNotFound, Message: "No such endpoint: " + r.URL.Path})
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeError(w, &cosmos.Error{Type: "MethodNotAllowed", Status: http.StatusMethodNotAllowed,
				Message: fmt.Sprintf("%s %s: only POST is served", r.Method, r.URL.Path)})
			return
		}
		if !matches(r.Header.Get("Content-Type"), rt.request) {
			writeError(w, &cosmos.Error{Type: "UnsupportedContentType", Status: http.StatusUnsupportedMediaType,
				Message: fmt.Sprintf("Unsupported Content-Type: %q; supported: %s", r.Header.Get("Content-Type"), rt.request),
				Data:    map[string]any{"supported": []any{rt.request.String()}, "found": r.Header.Get("Content-Type")}})
			return
		}
		resp, ok := negotiate(r.Header.Values("Accept"), rt.responses)
		if !ok {
			supported := make([]any, len(rt.responses))
			for i, m := range rt.responses {
				supported[i] = m.String()
			}
			writeError(w, &cosmos.Error{Type: "NotAcceptable", Status: http.StatusNotAcceptable,
				Message: fmt.Sprintf("Not acceptable: %q; the responses are: %v", strings.Join(r.Header.Values("Accept"), ","), supported),
				Data:    map[string]any{"supported": supported}})
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		if err != nil {
			writeError(w, &cosmos.Error{Type: "JsonParsingError", Status: http.StatusBadRequest, Err: err, Message: err.Error()})
			return
		}
		out, err := rt.serve(r.Context(), body, resp)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, resp, out)
	})
}

// parse parses a media type into a MediaType; ok is false when it is not
// a Cosmos one or its charset is not utf-8.
func parse(s string) (MediaType, bool, bool) {
	mt, params, err := mime.ParseMediaType(s)
	if err != nil {
		return MediaType{}, false, false
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return MediaType{}, false, false
	}
	if mt == "*/*" || mt == "application/*" {
		return MediaType{}, true, true
	}
	rest, ok := strings.CutPrefix(mt, "application/vnd.dcos.")
	if !ok {
		return MediaType{}, false, false
	}
	rest, ok = strings.CutSuffix(rest, "+json")
	if !ok {
		return MediaType{}, false, false
	}
	kind, name, ok := strings.Cut(rest, ".")
	var v int
	if _, err := fmt.Sscanf(params["version"], "v%d", &v); err != nil || !ok {
		return MediaType{}, false, false
	}
	return MediaType{kind, name, v}, false, true
}

// matches reports whether the Content-Type header is want.
func matches(header string, want MediaType) bool {
	m, wild, ok := parse(header)
	return ok && !wild && m == want
}

// negotiate picks the first response type an Accept admits; no Accept
// admits the first.
func negotiate(accept []string, offers []MediaType) (MediaType, bool) {
	var ranges []string
	for _, a := range accept {
		for _, part := range strings.Split(a, ",") {
			if p := strings.TrimSpace(part); p != "" {
				ranges = append(ranges, p)
			}
		}
	}
	if len(ranges) == 0 {
		return offers[0], true
	}
	for _, r := range ranges {
		m, wild, ok := parse(r)
		if !ok {
			continue
		}
		if wild {
			return offers[0], true
		}
		for _, o := range offers {
			if o == m {
				return o, true
			}
		}
	}
	return MediaType{}, false
}

// writeError writes err as Cosmos's error body.
func writeError(w http.ResponseWriter, err error) {
	var ce *cosmos.Error
	if !errors.As(err, &ce) {
		ce = &cosmos.Error{Type: "CosmosError", Status: http.StatusInternalServerError, Message: err.Error()}
	}
	status := ce.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	body := map[string]any{"type": ce.Type, "message": ce.Message}
	if ce.Data != nil {
		body["data"] = ce.Data
	}
	writeJSON(w, status, ErrorType, body)
}

func writeJSON(w http.ResponseWriter, status int, mt MediaType, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		mt = ErrorType
		b, _ = json.Marshal(map[string]any{"type": "CosmosError", "message": "encoding the response: " + err.Error()})
	}
	w.Header().Set("Content-Type", mt.String())
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
