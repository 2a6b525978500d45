package adminrouter_test

import (
	"testing"

	"github.com/kennel-sdk/kennel/deploy/adminrouter"
)

// labels are an SDK scheduler app's routing labels, with changes: a value
// "-" removes the label.
func labels(name string, changes ...string) map[string]string {
	l := map[string]string{"DCOS_SERVICE_NAME": name, "DCOS_SERVICE_PORT_INDEX": "0", "DCOS_SERVICE_SCHEME": "http"}
	for i := 0; i+1 < len(changes); i += 2 {
		if changes[i+1] == "-" {
			delete(l, changes[i])
		} else {
			l[changes[i]] = changes[i+1]
		}
	}
	return l
}

func running(host string, ports ...int) adminrouter.Task {
	return adminrouter.Task{ID: "t-" + host, State: adminrouter.TaskRunning, Host: host, Ports: ports}
}

func TestTable(t *testing.T) {
	staging := adminrouter.Task{ID: "s", State: "TASK_STAGING", Host: "staging", Ports: []int{9}}
	for _, tc := range []struct {
		name     string
		app      adminrouter.App
		upstream string // "" when not routed
		key      string
		rewrite  bool
		buffer   bool
	}{
		{"sdk app", adminrouter.App{ID: "/kafka", Labels: labels("kafka"), Tasks: []adminrouter.Task{running("h1", 10000, 10001)}}, "http://h1:10000", "kafka", true, true},
		{"port index 1, https", adminrouter.App{ID: "/a", Labels: labels("a", "DCOS_SERVICE_PORT_INDEX", "1", "DCOS_SERVICE_SCHEME", "https"), Tasks: []adminrouter.Task{running("h1", 10000, 10001)}}, "https://h1:10001", "a", true, true},
		{"folder name normalised", adminrouter.App{ID: "/dev/kafka", Labels: labels("/dev//kafka/"), Tasks: []adminrouter.Task{running("h1", 1)}}, "http://h1:1", "dev/kafka", true, true},
		{"first running task", adminrouter.App{ID: "/a", Labels: labels("a"), Tasks: []adminrouter.Task{staging, running("h2", 2), running("h3", 3)}}, "http://h2:2", "a", true, true},
		{"ipv6 host", adminrouter.App{ID: "/a", Labels: labels("a"), Tasks: []adminrouter.Task{running("::1", 7)}}, "http://[::1]:7", "a", true, true},
		{"rewrite false", adminrouter.App{ID: "/a", Labels: labels("a", "DCOS_SERVICE_REWRITE_REQUEST_URLS", "false"), Tasks: []adminrouter.Task{running("h", 1)}}, "http://h:1", "a", false, true},
		{"rewrite FALSE is not false", adminrouter.App{ID: "/a", Labels: labels("a", "DCOS_SERVICE_REWRITE_REQUEST_URLS", "FALSE"), Tasks: []adminrouter.Task{running("h", 1)}}, "http://h:1", "a", true, true},
		{"buffering false", adminrouter.App{ID: "/a", Labels: labels("a", "DCOS_SERVICE_REQUEST_BUFFERING", "false"), Tasks: []adminrouter.Task{running("h", 1)}}, "http://h:1", "a", true, false},
		{"no scheme", adminrouter.App{ID: "/a", Labels: labels("a", "DCOS_SERVICE_SCHEME", "-"), Tasks: []adminrouter.Task{running("h", 1)}}, "", "a", false, false},
		{"ftp scheme", adminrouter.App{ID: "/a", Labels: labels("a", "DCOS_SERVICE_SCHEME", "ftp"), Tasks: []adminrouter.Task{running("h", 1)}}, "", "a", false, false},
		{"no port index", adminrouter.App{ID: "/a", Labels: labels("a", "DCOS_SERVICE_PORT_INDEX", "-"), Tasks: []adminrouter.Task{running("h", 1)}}, "", "a", false, false},
		{"port index not a number", adminrouter.App{ID: "/a", Labels: labels("a", "DCOS_SERVICE_PORT_INDEX", "api"), Tasks: []adminrouter.Task{running("h", 1)}}, "", "a", false, false},
		{"port index out of range", adminrouter.App{ID: "/a", Labels: labels("a", "DCOS_SERVICE_PORT_INDEX", "1"), Tasks: []adminrouter.Task{running("h", 1)}}, "", "a", false, false},
		{"negative port index", adminrouter.App{ID: "/a", Labels: labels("a", "DCOS_SERVICE_PORT_INDEX", "-1"), Tasks: []adminrouter.Task{running("h", 1)}}, "", "a", false, false},
		{"no running task", adminrouter.App{ID: "/a", Labels: labels("a"), Tasks: []adminrouter.Task{staging}}, "", "a", false, false},
		{"no task", adminrouter.App{ID: "/a", Labels: labels("a")}, "", "a", false, false},
		{"running task without host", adminrouter.App{ID: "/a", Labels: labels("a"), Tasks: []adminrouter.Task{running("", 1)}}, "", "a", false, false},
		{"empty name", adminrouter.App{ID: "/a", Labels: labels("//"), Tasks: []adminrouter.Task{running("h", 1)}}, "", "", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			routes, skipped := adminrouter.Table([]adminrouter.App{tc.app})
			r, ok := routes[tc.key]
			if tc.upstream == "" {
				if ok || len(routes) != 0 || len(skipped) != 1 || skipped[0].AppID != tc.app.ID || skipped[0].Reason == "" {
					t.Fatalf("routed: %+v, skipped %+v; want one skipped app with a reason", routes, skipped)
				}
				return
			}
			if !ok || len(skipped) != 0 {
				t.Fatalf("routes %+v, skipped %+v; want %q routed", routes, skipped, tc.key)
			}
			if r.Upstream.String() != tc.upstream || r.Name != tc.key || r.AppID != tc.app.ID ||
				r.RewriteRequestURL != tc.rewrite || r.RequestBuffering != tc.buffer {
				t.Fatalf("route %+v (upstream %s); want %s rewrite=%v buffering=%v", r, r.Upstream, tc.upstream, tc.rewrite, tc.buffer)
			}
		})
	}
}

func TestTableIgnoresUnlabelledAppsAndTheLaterAppWins(t *testing.T) {
	routes, skipped := adminrouter.Table([]adminrouter.App{
		{ID: "/plain", Labels: map[string]string{"DCOS_SERVICE_SCHEME": "http"}, Tasks: []adminrouter.Task{running("p", 1)}},
		{ID: "/one", Labels: labels("svc"), Tasks: []adminrouter.Task{running("one", 1)}},
		{ID: "/two", Labels: labels("/svc"), Tasks: []adminrouter.Task{running("two", 2)}},
	})
	if len(routes) != 1 || len(skipped) != 0 || routes["svc"].AppID != "/two" {
		t.Fatalf("routes %+v, skipped %+v; want only svc, from /two", routes, skipped)
	}
}
