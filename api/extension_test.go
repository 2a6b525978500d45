package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/kennel-sdk/kennel/api"
	"github.com/kennel-sdk/kennel/scheduler"
)

// quorumProducer is a text endpoint: the instances of the stored tasks.
type quorumProducer struct{}

func (quorumProducer) Name() string { return "controllers" }

func (quorumProducer) Endpoint(tasks []scheduler.TaskView) (string, bool) {
	var parts []string
	for _, t := range tasks {
		parts = append(parts, t.Instance)
	}
	return strings.Join(parts, ","), len(parts) > 0
}

// emptyProducer never has anything to show.
type emptyProducer struct{}

func (emptyProducer) Name() string                                 { return "later" }
func (emptyProducer) Endpoint([]scheduler.TaskView) (string, bool) { return "", false }

// echo is a service route that says which id it was asked for.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "broker %s\n", chi.URLParam(r, "id"))
})

// TestExtension: a Go service's routes, endpoint producers and the
// environment values bootstrap fetches, through the real handler.
func TestExtension(t *testing.T) {
	opts := api.Options{Service: "hello-world", Store: newStore("fw-1"), Token: "secret",
		Routes:    []api.Route{{Method: "GET", Path: "brokers/{id}", Handler: echo}},
		Endpoints: []api.EndpointProducer{quorumProducer{}, emptyProducer{}}}
	srv := httptest.NewServer(api.Handler(newFake(t), opts))
	defer srv.Close()
	auth := http.Header{"Authorization": {"Bearer secret"}}
	exchanges := []struct {
		method, path string
		header       http.Header
		code         int
	}{
		{"GET", "/v1/brokers/2", auth, 200},
		{"GET", "/service/hello-world/v1/brokers/2", auth, 200},
		{"GET", "/v1/brokers/2", nil, 401},
		{"POST", "/v1/brokers/2", auth, 405},
		{"GET", "/v1/endpoints", auth, 200},
		{"GET", "/v1/endpoints/controllers", auth, 200},
		{"GET", "/v1/endpoints/later", auth, 404},
		{"GET", "/v1/endpoints/web", auth, 200},
		// Tasks fetch these without a token.
		{"GET", "/v1/artifacts/env/hello-0", nil, 200},
		{"GET", "/v1/artifacts/env/hello-1", nil, 503},
		{"GET", "/v1/artifacts/env/hello-9", nil, 404},
	}
	var transcript strings.Builder
	for _, x := range exchanges {
		code, ctype, body := do(srv.Config.Handler, x.method, x.path, "", x.header)
		if code != x.code {
			t.Errorf("%s %s: %d, want %d: %s", x.method, x.path, code, x.code, body)
		}
		fmt.Fprintf(&transcript, "### %s %s\n%d %s\n%s\n", x.method, x.path, code, ctype, strings.TrimRight(body, "\n"))
	}
	golden(t, filepath.Join("testdata", "contract", "extension.golden"), transcript.String())
}

// TestRouteConflicts: a service route may not take a path Kennel serves,
// nor lack what it needs.
func TestRouteConflicts(t *testing.T) {
	for _, rt := range []api.Route{
		{Method: "GET", Path: "plans/mine", Handler: echo},
		{Method: "GET", Path: "/endpoints", Handler: echo},
		{Method: "GET", Path: "artifacts/x", Handler: echo},
		{Method: "", Path: "brokers", Handler: echo},
		{Method: "GET", Path: "", Handler: echo},
		{Method: "GET", Path: "brokers"},
	} {
		t.Run(rt.Method+" "+rt.Path, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("route %s %q was mounted", rt.Method, rt.Path)
				}
			}()
			api.Handler(newFake(t), api.Options{Service: "hello-world", Store: newStore("fw-1"), Routes: []api.Route{rt}})
		})
	}
}
