package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/kennel-sdk/kennel/deploy/cosmos"
)

// The client and the handler agree on routes, media types and errors.
func TestClientAgainstHandler(t *testing.T) {
	ops := &fakeOps{}
	var auth string
	srv := httptest.NewServer((http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		Handler(ops).ServeHTTP(w, r)
	})))
	t.Cleanup(srv.Close)
	c := &Client{Base: srv.URL + "/cosmos", Header: http.Header{"Authorization": {"token=abc"}}}
	ctx := context.Background()
	d, err := c.ServiceDescribe(ctx, cosmos.ServiceDescribeRequest{AppID: "/kafka"})
	if err != nil || !reflect.DeepEqual(d.UpgradesTo, []string{"0.2.0"}) || auth != "token=abc" {
		t.Fatalf("describe: %+v, %v, auth %q", d, err, auth)
	}
	if !reflect.DeepEqual(ops.got, cosmos.ServiceDescribeRequest{AppID: "/kafka"}) {
		t.Errorf("request %#v", ops.got)
	}
	u, err := c.Update(ctx, cosmos.ServiceUpdateRequest{AppID: "/kafka", PackageVersion: "2", Replace: true})
	if err != nil || u.MarathonDeploymentID != "d1" {
		t.Fatalf("update: %+v, %v", u, err)
	}
	ops.err = &cosmos.Error{Type: "AppIdChanged", Status: 400, Message: "m", Data: map[string]any{"newAppId": "/a"}}
	_, err = c.Update(ctx, cosmos.ServiceUpdateRequest{AppID: "/kafka"})
	var ce *cosmos.Error
	if !errors.Is(err, cosmos.ErrAppIDChanged) || !errors.As(err, &ce) || ce.Status != 400 || ce.Data["newAppId"] != "/a" {
		t.Fatalf("error %#v", err)
	}
	notFound := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notFound.Close)
	if _, err := (&Client{Base: notFound.URL}).ServiceDescribe(ctx, cosmos.ServiceDescribeRequest{AppID: "x"}); !errors.Is(err, ErrNoServiceEndpoints) {
		t.Errorf("a Cosmos without /service: %v", err)
	}
}
