package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// exchange is one request the client must make and the answer it gets.
type exchange struct {
	method, path, query string
	body                string // the JSON body expected, "" for none
	status              int
	answer              string
}

// server answers one exchange and fails the test if the request differs.
func server(t *testing.T, want exchange) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != want.method || r.URL.Path != want.path || r.URL.RawQuery != want.query {
			t.Errorf("request %s %s?%s, want %s %s?%s", r.Method, r.URL.Path, r.URL.RawQuery, want.method, want.path, want.query)
		}
		got, _ := io.ReadAll(r.Body)
		if want.body == "" && len(got) > 0 {
			t.Errorf("request body %s, want none", got)
		}
		if want.body != "" {
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			var g, e any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Errorf("request body %s: %v", got, err)
			}
			_ = json.Unmarshal([]byte(want.body), &e)
			if !reflect.DeepEqual(g, e) {
				t.Errorf("request body %s, want %s", got, want.body)
			}
		}
		w.WriteHeader(want.status)
		_, _ = io.WriteString(w, want.answer)
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRequests(t *testing.T) {
	app := App{"id": "/hello", "cmd": "sleep 1", "instances": json.Number("1")}
	tests := []struct {
		name    string
		ex      exchange
		call    func(context.Context, *Client) (any, error)
		want    any
		wantErr error
	}{
		{"list", exchange{"GET", "/v2/apps", "", "", 200, `{"apps":[{"id":"/a"}]}`},
			func(ctx context.Context, c *Client) (any, error) { return c.Apps(ctx) },
			[]App{{"id": "/a"}}, nil},
		{"get", exchange{"GET", "/v2/apps/folder/hello", "", "", 200, `{"app":{"id":"/folder/hello","mem":1024}}`},
			func(ctx context.Context, c *Client) (any, error) { return c.App(ctx, "/folder/hello") },
			App{"id": "/folder/hello", "mem": json.Number("1024")}, nil},
		{"get missing", exchange{"GET", "/v2/apps/x", "", "", 404, `{"message":"App '/x' does not exist"}`},
			func(ctx context.Context, c *Client) (any, error) { return c.App(ctx, "x") },
			nil, ErrAppNotFound},
		{"create", exchange{"POST", "/v2/apps", "", `{"id":"/hello","cmd":"sleep 1","instances":1}`, 201, `{"id":"/hello"}`},
			func(ctx context.Context, c *Client) (any, error) { return c.CreateApp(ctx, app) },
			App{"id": "/hello"}, nil},
		{"create exists", exchange{"POST", "/v2/apps", "", `{"id":"/hello","cmd":"sleep 1","instances":1}`, 409, `{"message":"An app with id [/hello] already exists."}`},
			func(ctx context.Context, c *Client) (any, error) { return c.CreateApp(ctx, app) },
			nil, ErrAppExists},
		{"create invalid", exchange{"POST", "/v2/apps", "", `{"id":"/hello","cmd":"sleep 1","instances":1}`, 422,
			`{"message":"Object is not valid","details":[{"path":"/cpus","errors":["must be positive"]}]}`},
			func(ctx context.Context, c *Client) (any, error) { return c.CreateApp(ctx, app) },
			nil, ErrInvalidApp},
		{"replace", exchange{"PUT", "/v2/apps/hello", "force=true&partialUpdate=false", `{"id":"/hello","cmd":"sleep 1","instances":1}`, 200, `{"deploymentId":"d1","version":"v"}`},
			func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateApp(ctx, "/hello", app, UpdateOptions{Force: true, Replace: true})
			},
			Deployment{"d1", "v"}, nil},
		{"partial update", exchange{"PUT", "/v2/apps/hello", "force=true", `{"env":{"SDK_UNINSTALL":"true"}}`, 200, `{"deploymentId":"d2","version":"v"}`},
			func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateApp(ctx, "hello", App{"env": map[string]any{"SDK_UNINSTALL": "true"}}, UpdateOptions{Force: true})
			},
			Deployment{"d2", "v"}, nil},
		{"update locked", exchange{"PUT", "/v2/apps/hello", "", `{"id":"/hello","cmd":"sleep 1","instances":1}`, 409,
			`{"message":"App is locked by one or more deployments.","deployments":[{"id":"d0"}]}`},
			func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateApp(ctx, "hello", app, UpdateOptions{})
			},
			nil, ErrAppLocked},
		{"delete", exchange{"DELETE", "/v2/apps/hello", "force=true", "", 200, `{"deploymentId":"d3","version":"v"}`},
			func(ctx context.Context, c *Client) (any, error) { return c.DeleteApp(ctx, "hello", true) },
			Deployment{"d3", "v"}, nil},
		{"tasks", exchange{"GET", "/v2/apps/dev/hello/tasks", "", "", 200, `{"tasks":[{"id":"t1","host":"127.0.0.1","ports":[31000],"state":"TASK_RUNNING"}]}`},
			func(ctx context.Context, c *Client) (any, error) { return c.AppTasks(ctx, "/dev/hello") },
			[]Task{{"t1", "127.0.0.1", []int{31000}, "TASK_RUNNING"}}, nil},
		{"deployments", exchange{"GET", "/v2/deployments", "", "", 200, `[{"id":"d1","affectedApps":["/a"]},{"id":"d2"}]`},
			func(ctx context.Context, c *Client) (any, error) { return c.DeploymentIDs(ctx) },
			[]string{"d1", "d2"}, nil},
		{"info", exchange{"GET", "/v2/info", "", "", 200, `{"name":"marathon","version":"1.9.0"}`},
			func(ctx context.Context, c *Client) (any, error) { return c.Info(ctx) },
			map[string]any{"name": "marathon", "version": "1.9.0"}, nil},
		{"bad answer", exchange{"GET", "/v2/apps", "", "", 200, `[]`},
			func(ctx context.Context, c *Client) (any, error) { return c.Apps(ctx) },
			nil, ErrBadResponse},
		{"server error", exchange{"GET", "/v2/apps", "", "", 503, `not leader`},
			func(ctx context.Context, c *Client) (any, error) { return c.Apps(ctx) },
			nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := server(t, tt.ex)
			got, err := tt.call(context.Background(), c)
			if tt.ex.status >= 300 || tt.wantErr != nil {
				if err == nil {
					t.Fatalf("got %v, want an error", got)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestErrorCarriesMarathonsAnswer(t *testing.T) {
	c := server(t, exchange{"POST", "/v2/apps", "", `{}`, 422,
		`{"message":"Object is not valid","details":[{"path":"/cpus","errors":["error.min"]}]}`})
	_, err := c.CreateApp(context.Background(), App{})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *Error", err)
	}
	want := &Error{Method: "POST", Path: "/v2/apps", Code: 422, Message: "Object is not valid",
		Details: []Detail{{"/cpus", []string{"error.min"}}}}
	if !reflect.DeepEqual(e, want) {
		t.Fatalf("got %#v, want %#v", e, want)
	}
	if got := e.Error(); got != "marathon POST /v2/apps: 422 Unprocessable Entity: Object is not valid; /cpus: error.min" {
		t.Fatalf("message %q", got)
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := New(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apps(context.Background()); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("error %v, want ErrUnreachable", err)
	}
}

func TestNewRefusesBadURLs(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8080", "ftp://x", "http://"} {
		if _, err := New(u, nil); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
}
