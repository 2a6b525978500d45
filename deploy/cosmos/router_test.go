package cosmos

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"testing"

	"github.com/kennel-sdk/kennel/deploy/marathon/client"
)

// scheduler answers the two calls of the SDK uninstall at prefix, and
// records the Authorization header.
func scheduler(t *testing.T, prefix string, auth *string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+prefix+"/v1/state/frameworkId", func(w http.ResponseWriter, r *http.Request) {
		*auth = r.Header.Get("Authorization")
		_, _ = w.Write([]byte(`["fw-1"]`))
	})
	mux.HandleFunc("GET "+prefix+"/v1/plans/deploy", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPRouter(t *testing.T) {
	var auth string
	srv := scheduler(t, "/service/dev/kafka", &auth)
	r := HTTPRouter{Base: srv.URL + "/", Header: http.Header{"Authorization": {"token=t"}}}
	ids, err := r.FrameworkIDs(context.Background(), "/dev/kafka")
	if err != nil || !reflect.DeepEqual(ids, []string{"fw-1"}) || auth != "token=t" {
		t.Fatalf("ids %v, %v, auth %q", ids, err, auth)
	}
	if code, err := r.DeployPlanStatus(context.Background(), "dev/kafka"); err != nil || code != 202 {
		t.Fatalf("status %d, %v", code, err)
	}
	if _, err := r.FrameworkIDs(context.Background(), "/other"); err == nil {
		t.Error("a 404 gave framework ids")
	}
}

// tasks is a fixed task list.
type tasks []client.Task

func (ts tasks) AppTasks(context.Context, string) ([]client.Task, error) { return ts, nil }

func TestTaskRouter(t *testing.T) {
	var auth string
	srv := scheduler(t, "", &auth)
	host, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	p, _ := strconv.Atoi(port)
	r := TaskRouter{Tasks: tasks{{ID: "old", Host: host, Ports: []int{1}, State: "TASK_KILLED"}, {ID: "t", Host: host, Ports: []int{p, 2}, State: "TASK_RUNNING"}}}
	ids, err := r.FrameworkIDs(context.Background(), "/kafka")
	if err != nil || !reflect.DeepEqual(ids, []string{"fw-1"}) {
		t.Fatalf("ids %v, %v", ids, err)
	}
	if code, err := r.DeployPlanStatus(context.Background(), "kafka"); err != nil || code != 202 {
		t.Fatalf("status %d, %v", code, err)
	}
	if _, err := (TaskRouter{Tasks: tasks{{Host: host}}}).SchedulerURL(context.Background(), "kafka"); !errors.Is(err, ErrNoScheduler) {
		t.Errorf("a task without ports: %v", err)
	}
}

func TestLocalClusterOptions(t *testing.T) {
	got := LocalClusterOptions("http://127.0.0.1:5050", "/var/lib/kennel")("/dev/kafka")
	want := map[string]any{"service": map[string]any{"mesos_master": "http://127.0.0.1:5050", "state": "file:///var/lib/kennel/services/dev__kafka"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
