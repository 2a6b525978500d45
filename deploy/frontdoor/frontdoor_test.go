package frontdoor_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/deploy/frontdoor"
)

// part answers "<name> <method> <path>?<query>" for every request.
func part(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s %s?%s", name, r.Method, r.URL.Path, r.URL.RawQuery)
	})
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, rawURL string) (int, string, http.Header) {
	t.Helper()
	resp, err := noRedirects.Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

func TestRoutes(t *testing.T) {
	master := httptest.NewServer(part("mesos"))
	t.Cleanup(master.Close)
	masterURL, err := url.Parse(master.URL)
	if err != nil {
		t.Fatal(err)
	}
	door := httptest.NewServer(frontdoor.Handler(frontdoor.Parts{
		Services: part("services"), Marathon: part("marathon"), Cosmos: part("cosmos"), Mesos: masterURL,
	}))
	t.Cleanup(door.Close)
	for _, tc := range []struct {
		path string
		code int
		want string // the body, or the Location of a redirect
	}{
		{"/service/kafka/v1/plans?x=1", 200, "services GET /service/kafka/v1/plans?x=1"},
		{"/service/dev/kafka/v1/plans", 200, "services GET /service/dev/kafka/v1/plans?"},
		{"/service/marathon/v2/apps?embed=apps.tasks", 200, "marathon GET /v2/apps?embed=apps.tasks"},
		{"/service/marathon", 301, "/service/marathon/"},
		{"/marathon/v2/apps/kafka", 200, "marathon GET /v2/apps/kafka?"},
		{"/marathon?a=b", 307, "/marathon/?a=b"},
		{"/v2/apps", 200, "marathon GET /v2/apps?"},
		{"/v2/deployments", 200, "marathon GET /v2/deployments?"},
		{"/cosmos/service/describe", 200, "cosmos GET /service/describe?"},
		{"/package/list", 200, "cosmos GET /package/list?"},
		{"/capabilities", 200, "cosmos GET /capabilities?"},
		{"/mesos/master/state", 200, "mesos GET /master/state?"},
		{"/mesos/master/state-summary?jsonp=x", 200, "mesos GET /master/state-summary?jsonp=x"},
		{"/mesos", 301, "/mesos/"},
		{"/", 404, "404 Not Found: / is not served here\n"},
		{"/cosmos/other", 404, "404 Not Found: /cosmos/other is not served here\n"},
		{"/v1/plans", 404, "404 Not Found: /v1/plans is not served here\n"},
		{"/servicex", 404, "404 Not Found: /servicex is not served here\n"},
	} {
		code, body, h := get(t, door.URL+tc.path)
		got := body
		if code/100 == 3 {
			got = h.Get("Location")
		}
		if code != tc.code || got != tc.want {
			t.Errorf("%s: %d %q; want %d %q", tc.path, code, got, tc.code, tc.want)
		}
	}
}

func TestMissingParts(t *testing.T) {
	door := httptest.NewServer(frontdoor.Handler(frontdoor.Parts{}))
	t.Cleanup(door.Close)
	for path, what := range map[string]string{
		"/service/kafka/v1/plans":   "Admin Router's service routing",
		"/service/marathon/v2/apps": "Marathon",
		"/marathon/v2/apps":         "Marathon",
		"/v2/apps":                  "Marathon",
		"/cosmos/service/describe":  "Cosmos",
		"/package/list":             "Cosmos",
		"/capabilities":             "Cosmos",
		"/mesos/master/state":       "the Mesos master",
		"/agent/S0/state":           "the Mesos agents",
		"/slave/S0/files/read":      "the Mesos agents",
	} {
		code, body, _ := get(t, door.URL+path)
		if want := "404 Not Found: " + what + " is not served here\n"; code != 404 || body != want {
			t.Errorf("%s: %d %q; want 404 %q", path, code, body, want)
		}
	}
}

func TestMesosProxy(t *testing.T) {
	var seen http.Header
	var host string
	master := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, host = r.Header.Clone(), r.Host
		w.WriteHeader(http.StatusTemporaryRedirect)
	}))
	t.Cleanup(master.Close)
	u, err := url.Parse(master.URL)
	if err != nil {
		t.Fatal(err)
	}
	door := httptest.NewServer(frontdoor.Handler(frontdoor.Parts{Mesos: u}))
	t.Cleanup(door.Close)
	req, err := http.NewRequest("GET", door.URL+"/mesos/master/state", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "token=abc")
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("%d; want the master's status", resp.StatusCode)
	}
	if seen.Get("Authorization") != "token=abc" || seen.Get("X-Forwarded-For") != "127.0.0.1" ||
		host != strings.TrimPrefix(door.URL, "http://") {
		t.Fatalf("the master got headers %v, Host %q", seen, host)
	}

	master.Close() // now it refuses connections
	if code, body, _ := get(t, door.URL+"/mesos/master/state"); code != 502 || !strings.Contains(body, "Bad gateway") {
		t.Fatalf("%d %q; want 502", code, body)
	}
}
