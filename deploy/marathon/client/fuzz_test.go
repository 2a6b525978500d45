package client

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
)

// answer is a transport that answers every request with one response.
type answer struct {
	status int
	body   []byte
}

func (a answer) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: a.status, Body: io.NopCloser(bytes.NewReader(a.body)), Header: http.Header{}, Request: r}, nil
}

// FuzzResponses answers every call of the client with an arbitrary status
// and body: no call panics, and every failure is an *Error (a status
// Marathon refuses with) or wraps ErrBadResponse (a success whose body is
// not the documented one).
func FuzzResponses(f *testing.F) {
	f.Add(200, []byte(`{"app":{"id":"/a","instances":1}}`))
	f.Add(200, []byte(`{"apps":[{"id":"/a"}]}`))
	f.Add(201, []byte(`{"id":"/a"}`))
	f.Add(200, []byte(`{"deploymentId":"d","version":"v"}`))
	f.Add(200, []byte(`[{"id":"d1"},{"id":"d2"}]`))
	f.Add(200, []byte(`{"tasks":[{"id":"t","host":"h","ports":[1]}]}`))
	f.Add(409, []byte(`{"message":"App is locked","deployments":[{"id":"d"}]}`))
	f.Add(422, []byte(`{"message":"Object is not valid","details":[{"path":"/id","errors":["bad"]}]}`))
	f.Add(500, []byte(`<html>oops</html>`))
	f.Add(200, []byte(`{"apps":[1e999]}`))
	client, err := New("http://marathon.invalid", nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		c := *client
		c.http = &http.Client{Transport: answer{status, body}}
		ctx := context.Background()
		app := App{"id": "/a", "cmd": "true"}
		check := func(call string, err error) {
			var me *Error
			if err != nil && !errors.As(err, &me) && !errors.Is(err, ErrBadResponse) {
				t.Fatalf("%s answered %d %q: %v is neither an *Error nor ErrBadResponse", call, status, body, err)
			}
			if me != nil && (me.Code != status || me.Message == "") {
				t.Fatalf("%s answered %d %q: %#v", call, status, body, me)
			}
		}
		_, err := c.Apps(ctx)
		check("Apps", err)
		_, err = c.App(ctx, "/a")
		check("App", err)
		_, err = c.CreateApp(ctx, app)
		check("CreateApp", err)
		_, err = c.UpdateApp(ctx, "/a", app, UpdateOptions{Force: true})
		check("UpdateApp", err)
		_, err = c.DeleteApp(ctx, "/a", true)
		check("DeleteApp", err)
		_, err = c.DeploymentIDs(ctx)
		check("DeploymentIDs", err)
		_, err = c.Info(ctx)
		check("Info", err)
		_, err = c.AppTasks(ctx, "/a")
		check("AppTasks", err)
	})
}
