package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/deploy/cosmos"
)

// fakeOps records the request it got and answers with fixed responses, or
// err.
type fakeOps struct {
	got any
	err error
}

func (f *fakeOps) Install(_ context.Context, r cosmos.InstallRequest) (*cosmos.InstallResponse, error) {
	f.got = r
	return &cosmos.InstallResponse{PackageName: r.PackageName, PackageVersion: "0.1.0", AppID: "/hello", PostInstallNotes: "hi"}, f.err
}
func (f *fakeOps) List(_ context.Context, r cosmos.ListRequest) (*cosmos.ListResponse, error) {
	f.got = r
	return &cosmos.ListResponse{Packages: []cosmos.Installation{}}, f.err
}
func (f *fakeOps) Describe(_ context.Context, r cosmos.DescribeRequest) (*cosmos.DescribeResponse, error) {
	f.got = r
	return &cosmos.DescribeResponse{Package: map[string]any{"name": r.PackageName}}, f.err
}
func (f *fakeOps) ListVersions(_ context.Context, r cosmos.ListVersionsRequest) (*cosmos.ListVersionsResponse, error) {
	f.got = r
	return &cosmos.ListVersionsResponse{Results: map[string]string{"0.1.0": "0"}}, f.err
}
func (f *fakeOps) Uninstall(_ context.Context, r cosmos.UninstallRequest) (*cosmos.UninstallResponse, error) {
	f.got = r
	return &cosmos.UninstallResponse{Results: []cosmos.UninstallResult{}}, f.err
}
func (f *fakeOps) ServiceDescribe(_ context.Context, r cosmos.ServiceDescribeRequest) (*cosmos.ServiceDescribeResponse, error) {
	f.got = r
	return &cosmos.ServiceDescribeResponse{Package: map[string]any{}, UpgradesTo: []string{"0.2.0"}, DowngradesTo: []string{},
		ResolvedOptions: map[string]any{}, UserProvidedOptions: map[string]any{}}, f.err
}
func (f *fakeOps) Update(_ context.Context, r cosmos.ServiceUpdateRequest) (*cosmos.ServiceUpdateResponse, error) {
	f.got = r
	return &cosmos.ServiceUpdateResponse{Package: map[string]any{}, ResolvedOptions: map[string]any{}, MarathonDeploymentID: "d1"}, f.err
}

const (
	pkg = "application/vnd.dcos.package."
	svc = "application/vnd.dcos.service."
	v1  = "+json;charset=utf-8;version=v1"
)

func TestHandler(t *testing.T) {
	tests := []struct {
		name, method, path, ctype, accept, body string
		err                                     error
		wantStatus                              int
		wantType                                string
		wantBody                                string // a JSON object the answer must equal
		wantReq                                 any
	}{
		{name: "install", path: "/package/install", ctype: pkg + "install-request" + v1,
			accept: pkg + "install-response+json;charset=utf-8;version=v2", body: `{"packageName":"hello-world","options":{"a":1},"appId":"/x"}`,
			wantStatus: 200, wantType: pkg + "install-response+json;charset=utf-8;version=v2",
			wantBody: `{"packageName":"hello-world","packageVersion":"0.1.0","appId":"/hello","postInstallNotes":"hi"}`,
			wantReq:  cosmos.InstallRequest{PackageName: "hello-world", Options: map[string]any{"a": json.Number("1")}, AppID: "/x"}},
		{name: "install v1 response", path: "/package/install", ctype: pkg + "install-request" + v1,
			accept: pkg + "install-response" + v1, body: `{"packageName":"hello-world"}`,
			wantStatus: 200, wantType: pkg + "install-response" + v1,
			wantBody: `{"packageName":"hello-world","packageVersion":"0.1.0","appId":"/hello"}`},
		{name: "no accept", path: "/package/list", ctype: pkg + "list-request" + v1, body: `{}`,
			wantStatus: 200, wantType: pkg + "list-response" + v1, wantBody: `{"packages":[]}`},
		{name: "describe", path: "/package/describe", ctype: pkg + "describe-request" + v1,
			accept: pkg + "describe-response+json;charset=utf-8;version=v3", body: `{"packageName":"kafka"}`,
			wantStatus: 200, wantBody: `{"package":{"name":"kafka"}}`},
		{name: "list-versions", path: "/package/list-versions", ctype: pkg + "list-versions-request" + v1, body: `{"packageName":"kafka","includePackageVersions":true}`,
			wantStatus: 200, wantBody: `{"results":{"0.1.0":"0"}}`},
		{name: "uninstall", path: "/package/uninstall", ctype: pkg + "uninstall-request" + v1, body: `{"packageName":"kafka","appId":"/k","all":true}`,
			wantStatus: 200, wantBody: `{"results":[]}`, wantReq: cosmos.UninstallRequest{PackageName: "kafka", AppID: "/k", All: true}},
		{name: "service describe under /cosmos", path: "/cosmos/service/describe", ctype: svc + "describe-request" + v1,
			accept: svc + "describe-response" + v1, body: `{"appId":"kafka"}`, wantStatus: 200, wantType: svc + "describe-response" + v1,
			wantBody: `{"package":{},"upgradesTo":["0.2.0"],"downgradesTo":[],"resolvedOptions":{},"userProvidedOptions":{}}`},
		{name: "service update", path: "/service/update", ctype: svc + "update-request" + v1,
			accept: svc + "update-response" + v1, body: `{"appId":"kafka","options":{"b":true},"replace":false}`, wantStatus: 200,
			wantBody: `{"package":{},"resolvedOptions":{},"marathonDeploymentId":"d1"}`,
			wantReq:  cosmos.ServiceUpdateRequest{AppID: "kafka", Options: map[string]any{"b": true}}},
		{name: "wrong content type", path: "/package/install", ctype: "application/json", body: `{}`,
			wantStatus: 415, wantType: pkg + "error" + v1},
		{name: "wrong version", path: "/package/install", ctype: pkg + "install-request+json;charset=utf-8;version=v9", body: `{}`,
			wantStatus: 415},
		{name: "wrong charset", path: "/package/install", ctype: pkg + "install-request+json;charset=latin1;version=v1", body: `{}`,
			wantStatus: 415},
		{name: "not acceptable", path: "/package/install", ctype: pkg + "install-request" + v1, accept: "text/html", body: `{}`,
			wantStatus: 406},
		{name: "bad json", path: "/package/install", ctype: pkg + "install-request" + v1, body: `{"packageName":`,
			wantStatus: 400},
		{name: "cosmos error", path: "/package/install", ctype: pkg + "install-request" + v1, body: `{"packageName":"hello-world"}`,
			err:        &cosmos.Error{Type: "PackageAlreadyInstalled", Status: 409, Message: "Package is already installed"},
			wantStatus: 409, wantType: pkg + "error" + v1, wantBody: `{"type":"PackageAlreadyInstalled","message":"Package is already installed"}`},
		{name: "cosmos error with data", path: "/service/update", ctype: svc + "update-request" + v1, body: `{"appId":"x"}`,
			err:        &cosmos.Error{Type: "AppIdChanged", Status: 400, Message: "m", Data: map[string]any{"newAppId": "/a", "oldAppId": "/b"}},
			wantStatus: 400, wantBody: `{"type":"AppIdChanged","message":"m","data":{"newAppId":"/a","oldAppId":"/b"}}`},
		{name: "GET", method: "GET", path: "/package/list", wantStatus: 405},
		{name: "unknown", path: "/package/search", ctype: pkg + "search-request" + v1, body: `{}`, wantStatus: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := &fakeOps{err: tt.err}
			method := tt.method
			if method == "" {
				method = "POST"
			}
			req := httptest.NewRequest(method, tt.path, strings.NewReader(tt.body))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			rec := httptest.NewRecorder()
			Handler(ops).ServeHTTP(rec, req)
			res := rec.Result()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.wantStatus, body)
			}
			if tt.wantType != "" && res.Header.Get("Content-Type") != tt.wantType {
				t.Errorf("Content-Type %q, want %q", res.Header.Get("Content-Type"), tt.wantType)
			}
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if res.StatusCode >= 400 && (got["type"] == nil || got["message"] == nil) {
				t.Errorf("error body %s lacks type or message", body)
			}
			if tt.wantBody != "" {
				var want map[string]any
				_ = json.Unmarshal([]byte(tt.wantBody), &want)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("body %s, want %s", body, tt.wantBody)
				}
			}
			if tt.wantReq != nil && !reflect.DeepEqual(ops.got, tt.wantReq) {
				t.Errorf("request %#v, want %#v", ops.got, tt.wantReq)
			}
			if res.StatusCode >= 400 && tt.err == nil && ops.got != nil {
				t.Errorf("the operation ran for a refused request: %#v", ops.got)
			}
		})
	}
}
