package adminrouter_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"testing"

	"github.com/kennel-sdk/kennel/deploy/adminrouter"
)

// marathon serves body at /v2/apps, recording the query it was asked.
func marathon(t *testing.T, code int, body []byte) (*httptest.Server, *string) {
	var query string
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/apps" {
			http.NotFound(w, r)
			return
		}
		query = r.URL.RawQuery
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s, &query
}

func TestMarathonApps(t *testing.T) {
	body, err := os.ReadFile("testdata/apps.json")
	if err != nil {
		t.Fatal(err)
	}
	s, query := marathon(t, http.StatusOK, body)
	apps, err := adminrouter.MarathonApps{BaseURL: s.URL + "/", Client: s.Client()}.Apps(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if *query != "embed=apps.tasks&label=DCOS_SERVICE_NAME" {
		t.Errorf("query %q; want Admin Router's", *query)
	}
	want := []adminrouter.App{
		{ID: "/dev/kafka", Labels: map[string]string{
			"DCOS_SERVICE_NAME": "dev/kafka", "DCOS_SERVICE_PORT_INDEX": "0", "DCOS_SERVICE_SCHEME": "http",
			"DCOS_COMMONS_API_VERSION": "v1", "MARATHON_SINGLE_INSTANCE_APP": "true",
		}, Tasks: []adminrouter.Task{{ID: "dev_kafka.1f6b4d0c-1d62-11e9-9a5f-0242ac110002", State: "TASK_RUNNING", Host: "10.0.1.17", Ports: []int{23145, 23146}}}},
		{ID: "/hello-world", Labels: map[string]string{"DCOS_SERVICE_NAME": "hello-world", "DCOS_SERVICE_PORT_INDEX": "0", "DCOS_SERVICE_SCHEME": "http"},
			Tasks: []adminrouter.Task{{ID: "hello-world.1", State: "TASK_STAGING", Host: "agent-2", Ports: []int{31000}}}},
	}
	if !reflect.DeepEqual(apps, want) {
		t.Fatalf("apps\n%+v\nwant\n%+v", apps, want)
	}
	routes, skipped := adminrouter.Table(apps)
	if r, ok := routes["dev/kafka"]; !ok || r.Upstream.String() != "http://10.0.1.17:23145" || len(skipped) != 1 || skipped[0].AppID != "/hello-world" {
		t.Fatalf("routes %+v, skipped %+v", routes, skipped)
	}
}

func TestMarathonAppsErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		code int
		body string
	}{
		{"not leader", http.StatusServiceUnavailable, `{"message":"Leader is unknown"}`},
		{"not JSON", http.StatusOK, `<html>`},
		{"no apps array", http.StatusOK, `{"app":{}}`},
		{"apps not an array", http.StatusOK, `{"apps":{}}`},
		{"ports not numbers", http.StatusOK, `{"apps":[{"id":"/a","tasks":[{"ports":["x"]}]}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := marathon(t, tc.code, []byte(tc.body))
			apps, err := adminrouter.MarathonApps{BaseURL: s.URL}.Apps(context.Background())
			if !errors.Is(err, adminrouter.ErrMarathon) {
				t.Fatalf("%+v, %v; want an error wrapping ErrMarathon", apps, err)
			}
		})
	}
	s := httptest.NewServer(http.NotFoundHandler())
	s.Close()
	if _, err := (adminrouter.MarathonApps{BaseURL: s.URL}).Apps(context.Background()); err == nil {
		t.Fatal("no error from a Marathon that refuses connections")
	}
}

func FuzzParseApps(f *testing.F) {
	body, err := os.ReadFile("testdata/apps.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(body)
	f.Add([]byte(`{"apps":[]}`))
	f.Add([]byte(`{"apps":[{"labels":{"DCOS_SERVICE_NAME":"a/b//c","DCOS_SERVICE_PORT_INDEX":"-1","DCOS_SERVICE_SCHEME":"http"},"tasks":[{"state":"TASK_RUNNING","host":"::1","ports":[]}]}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		apps, err := adminrouter.ParseApps(body)
		if err != nil {
			if !errors.Is(err, adminrouter.ErrMarathon) {
				t.Fatalf("error %v does not wrap ErrMarathon", err)
			}
			return
		}
		routes, _ := adminrouter.Table(apps)
		for name, r := range routes {
			if name == "" || r.Name != name || r.Upstream == nil || r.Upstream.Host == "" {
				t.Fatalf("route %q: %+v", name, r)
			}
		}
	})
}
