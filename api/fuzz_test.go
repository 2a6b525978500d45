package api_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/api"
)

var methods = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}

// FuzzEndpoints throws malformed paths, query strings and bodies at the
// API: nothing a client sends may get a 5xx.
func FuzzEndpoints(f *testing.F) {
	for _, exchanges := range contracts {
		for _, x := range exchanges {
			path, query, _ := strings.Cut(x.path, "?")
			for i, m := range methods {
				if m == x.method {
					f.Add(uint8(i), path, query, x.body)
				}
			}
		}
	}
	f.Add(uint8(1), "/v1/plans/deploy/forceComplete", "phase=%zz&step=", "")
	f.Add(uint8(1), "/v1/plans/backup/start", "", `{"A":`)
	f.Add(uint8(1), "/v1/plans/backup/start", "", "\xff\xfe")
	f.Add(uint8(1), "/v1/pod/../../etc/restart", "", "")
	f.Add(uint8(0), "/service/hello-world/v1/pod/%2e%2e/info", "", "")
	f.Add(uint8(0), "/v1/state/properties/%00", "", "")
	f.Add(uint8(0), "/v1/debug/offers", "plan=deploy&phase=&step=x", "")
	h := api.Handler(newFake(f), api.Options{Service: "hello-world", Store: newStore("fw-1")})
	f.Fuzz(func(t *testing.T, m uint8, path, query, body string) {
		u, err := url.Parse("http://scheduler/")
		if err != nil {
			t.Fatal(err)
		}
		u.Path, u.RawQuery = "/"+strings.TrimLeft(path, "/"), query
		method := methods[int(m)%len(methods)]
		req := httptest.NewRequest(method, "http://scheduler/", strings.NewReader(body))
		req.URL = u // what a server parsed, however odd
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if code, resp := rec.Code, rec.Body.String(); code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, u.RequestURI(), body, code, resp)
		}
	})
}
