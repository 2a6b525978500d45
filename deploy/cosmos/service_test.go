package cosmos

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/deploy/catalog"
	"github.com/kennel-sdk/kennel/deploy/marathon/client"
)

// installed installs hello-world version with options and returns the
// harness.
func installedHarness(t *testing.T, version, options string) *harness {
	t.Helper()
	h := newHarness(t, testRepo(t))
	if _, err := h.cosmos.Install(context.Background(), InstallRequest{PackageName: "hello-world", PackageVersion: version,
		Options: mustObject(t, options)}); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestUpdate(t *testing.T) {
	tests := []struct {
		name           string
		stored         string // options at install
		dropOptions    bool   // remove DCOS_PACKAGE_OPTIONS from the app
		req            ServiceUpdateRequest
		wantErr        error
		wantText       []string
		wantOptions    string // the options label after
		wantVersion    string
		wantEnv        map[string]string
		wantDeployment bool
	}{
		{name: "merge with stored", stored: `{"hello": {"count": 3, "greeting": "hi"}}`,
			req:         ServiceUpdateRequest{AppID: "hello-world", Options: mustObjectNoT(`{"hello": {"count": 4}}`)},
			wantOptions: `{"hello":{"count":4,"greeting":"hi"}}`, wantVersion: "0.1.0",
			wantEnv: map[string]string{"HELLO_COUNT": "4", "HELLO_GREETING": "hi", "MESOS_MASTER": "http://127.0.0.1:5050"}},
		{name: "replace", stored: `{"hello": {"count": 3, "greeting": "hi"}}`,
			req:         ServiceUpdateRequest{AppID: "/hello-world", Options: mustObjectNoT(`{"hello": {"count": 4}}`), Replace: true},
			wantOptions: `{"hello":{"count":4}}`, wantVersion: "0.1.0",
			wantEnv: map[string]string{"HELLO_COUNT": "4", "HELLO_GREETING": "Hello from Kennel"}},
		{name: "upgrade", stored: `{"hello": {"count": 3}}`,
			req:         ServiceUpdateRequest{AppID: "hello-world", PackageVersion: "0.2.0"},
			wantOptions: `{"hello":{"count":3}}`, wantVersion: "0.2.0", wantEnv: map[string]string{"HELLO_COUNT": "3"}},
		{name: "version not upgradable", req: ServiceUpdateRequest{AppID: "hello-world", PackageVersion: "0.3.0"},
			wantErr: ErrBadVersionUpdate, wantText: []string{"Version [0.3.0]", "valid versions are: 0.2.0"}},
		{name: "unknown version", req: ServiceUpdateRequest{AppID: "hello-world", PackageVersion: "7"},
			wantErr: ErrBadVersionUpdate, wantText: []string{"Version [7]", "valid versions are: 0.2.0"}},
		{name: "service name changes", req: ServiceUpdateRequest{AppID: "hello-world", Options: mustObjectNoT(`{"service": {"name": "other"}}`)},
			wantErr: ErrAppIDChanged, wantText: []string{"[/other]", "[/hello-world]"}},
		{name: "invalid options", req: ServiceUpdateRequest{AppID: "hello-world", Options: mustObjectNoT(`{"hello": {"count": -1, "colour": 1}}`)},
			wantErr: ErrJSONSchemaMismatch, wantText: []string{"hello.colour: unknown option", "hello.count: must be >= 1"}},
		{name: "options not stored", dropOptions: true, req: ServiceUpdateRequest{AppID: "hello-world", Options: mustObjectNoT(`{"hello": {"count": 2}}`)},
			wantErr: ErrOptionsNotStored},
		{name: "options not stored, replace", dropOptions: true, req: ServiceUpdateRequest{AppID: "hello-world", Replace: true},
			wantOptions: `{}`, wantVersion: "0.1.0", wantEnv: map[string]string{"HELLO_COUNT": "2"}},
		{name: "no such app", req: ServiceUpdateRequest{AppID: "nope"}, wantErr: ErrMarathonAppNotFound, wantText: []string{"[/nope]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := installedHarness(t, "0.1.0", tt.stored)
			if tt.dropOptions {
				delete(h.marathon.apps["/hello-world"]["labels"].(map[string]any), catalog.LabelPackageOptions)
			}
			before := copyApp(h.marathon.apps["/hello-world"])
			calls := len(h.marathon.writes())
			published := artifactFiles(t, h.artifacts)
			// PlanUpdate answers as Update does, and changes nothing:
			// no Marathon call, no artifact published.
			plan, planErr := h.cosmos.PlanUpdate(context.Background(), tt.req)
			if got := h.marathon.writes()[calls:]; len(got) > 0 {
				t.Errorf("PlanUpdate called Marathon: %v", got)
			}
			if got := artifactFiles(t, h.artifacts); !slices.Equal(got, published) {
				t.Errorf("PlanUpdate published artifacts: %v, before %v", got, published)
			}
			if tt.wantErr != nil && !errors.Is(planErr, tt.wantErr) {
				t.Errorf("PlanUpdate error %v, want %v", planErr, tt.wantErr)
			}
			if tt.wantErr == nil && planErr != nil {
				t.Fatalf("PlanUpdate: %v", planErr)
			}
			res, err := h.cosmos.Update(context.Background(), tt.req)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				for _, w := range tt.wantText {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				if got := h.marathon.writes()[calls:]; len(got) > 0 {
					t.Errorf("Marathon was called: %v", got)
				}
				if !reflect.DeepEqual(before, h.marathon.apps["/hello-world"]) {
					t.Error("the app changed")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := h.marathon.writes()[calls:]; !slices.Equal(got, []string{"PUT /hello-world force=true replace=true"}) {
				t.Errorf("calls %v", got)
			}
			if res.MarathonDeploymentID == "" || res.Package["version"] != tt.wantVersion {
				t.Errorf("response %+v", res)
			}
			app := h.marathon.apps["/hello-world"]
			want := copyApp(plan.Update)
			want["id"] = "/hello-world"
			if !reflect.DeepEqual(app, want) {
				t.Error("the app PUT differs from PlanUpdate's")
			}
			if !reflect.DeepEqual(env(plan.Installed), env(before)) || plan.AppID != "/hello-world" || plan.Package["version"] != tt.wantVersion {
				t.Errorf("plan %s, version %v; installed env %v, want %v", plan.AppID, plan.Package["version"], env(plan.Installed), env(before))
			}
			if _, err := os.Stat(filepath.Join(plan.SpecDir, "svc.yml")); err != nil {
				t.Errorf("plan's spec dir: %v", err)
			}
			if got := optionsLabel(t, app); got != tt.wantOptions {
				t.Errorf("options label %s, want %s", got, tt.wantOptions)
			}
			if got := label(t, app, catalog.LabelPackageVersion); got != tt.wantVersion {
				t.Errorf("version %s, want %s", got, tt.wantVersion)
			}
			for k, v := range tt.wantEnv {
				if env(app)[k] != v {
					t.Errorf("env %s = %v, want %s", k, env(app)[k], v)
				}
			}
		})
	}
}

// artifactFiles lists the files under dir.
func artifactFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func mustObjectNoT(s string) map[string]any {
	m, err := catalog.DecodeObject([]byte(s))
	if err != nil {
		panic(err)
	}
	return m
}

func TestServiceDescribe(t *testing.T) {
	tests := []struct {
		version          string
		options          string
		wantUp, wantDown []string
	}{
		{"0.1.0", `{"hello": {"count": 5}}`, []string{"0.2.0"}, []string{}},
		{"0.2.0", ``, []string{"0.3.0"}, []string{"0.1.0"}},
		{"0.3.0", ``, []string{}, []string{"0.1.0", "0.2.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			h := installedHarness(t, tt.version, tt.options)
			d, err := h.cosmos.ServiceDescribe(context.Background(), ServiceDescribeRequest{AppID: "/hello-world"})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(d.UpgradesTo, tt.wantUp) || !slices.Equal(d.DowngradesTo, tt.wantDown) {
				t.Errorf("upgradesTo %v downgradesTo %v, want %v %v", d.UpgradesTo, d.DowngradesTo, tt.wantUp, tt.wantDown)
			}
			if d.Package["version"] != tt.version || d.Package["config"] == nil {
				t.Errorf("package %v", d.Package["version"])
			}
			if !reflect.DeepEqual(d.UserProvidedOptions, orEmpty(mustObjectNoTOrNil(tt.options))) {
				t.Errorf("userProvidedOptions %v", d.UserProvidedOptions)
			}
			hello := d.ResolvedOptions["hello"].(map[string]any)
			svc := d.ResolvedOptions["service"].(map[string]any)
			wantCount := "2"
			if tt.options != "" {
				wantCount = "5"
			}
			if hello["count"].(interface{ String() string }).String() != wantCount || svc["mesos_master"] != "http://127.0.0.1:5050" || svc["name"] != "hello-world" {
				t.Errorf("resolvedOptions %v", d.ResolvedOptions)
			}
		})
	}
	h := newHarness(t, testRepo(t))
	h.marathon.apps["/plain"] = client.App{"id": "/plain"}
	if _, err := h.cosmos.ServiceDescribe(context.Background(), ServiceDescribeRequest{AppID: "plain"}); !errors.Is(err, ErrNotInstalledByCosmos) {
		t.Errorf("an app not from a package: %v", err)
	}
	_, err := h.cosmos.ServiceDescribe(context.Background(), ServiceDescribeRequest{AppID: "none"})
	if !errors.Is(err, ErrMarathonAppNotFound) {
		t.Errorf("no app: %v", err)
	}
	// Cosmos answers MarathonAppNotFound with 400; the DC/OS Commons CLI
	// takes a 404 from /cosmos/service/describe for a missing Cosmos.
	var ce *Error
	if !errors.As(err, &ce) || ce.Status != http.StatusBadRequest {
		t.Errorf("no app: %#v, want status 400", err)
	}
}

func mustObjectNoTOrNil(s string) map[string]any {
	if s == "" {
		return nil
	}
	return mustObjectNoT(s)
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// sdkApp is an app installed the DC/OS Commons way.
func sdkApp(id, pkg string) client.App {
	return client.App{"id": id, "cmd": "kennel scheduler", "uris": []any{"x"}, "env": map[string]any{"A": "b"},
		"labels": map[string]any{catalog.LabelPackageName: pkg, catalog.LabelPackageVersion: "0.1.0",
			labelSDKUninstall: "true", labelSDKAPIVersion: "v1"}}
}

func TestUninstall(t *testing.T) {
	opts := base64.StdEncoding.EncodeToString([]byte(`{}`))
	plain := client.App{"id": "/web", "labels": map[string]any{catalog.LabelPackageName: "web", catalog.LabelPackageOptions: opts}}
	tests := []struct {
		name      string
		apps      []client.App
		req       UninstallRequest
		statuses  []int
		wantErr   error
		wantCalls []string
		wantLeft  []string
	}{
		{name: "plain", apps: []client.App{plain, sdkApp("/hello", "hello-world")}, req: UninstallRequest{PackageName: "web"},
			wantCalls: []string{"DELETE /web force=true"}, wantLeft: []string{"/hello"}},
		{name: "sdk", apps: []client.App{sdkApp("/hello", "hello-world")}, req: UninstallRequest{PackageName: "hello-world"},
			statuses:  []int{502, 202, 417, 200},
			wantCalls: []string{"PUT /hello force=true replace=false", "DELETE /hello force=false"}},
		{name: "sdk, done at once", apps: []client.App{sdkApp("/hello", "hello-world")}, req: UninstallRequest{PackageName: "hello-world"},
			statuses:  []int{200},
			wantCalls: []string{"PUT /hello force=true replace=false", "DELETE /hello force=false"}},
		{name: "ambiguous", apps: []client.App{sdkApp("/a", "hello-world"), sdkApp("/b", "hello-world")}, req: UninstallRequest{PackageName: "hello-world"},
			wantErr: ErrAmbiguousAppID, wantLeft: []string{"/a", "/b"}},
		{name: "by app id", apps: []client.App{sdkApp("/a", "hello-world"), sdkApp("/b", "hello-world")}, req: UninstallRequest{PackageName: "hello-world", AppID: "b"},
			statuses: []int{200}, wantCalls: []string{"PUT /b force=true replace=false", "DELETE /b force=false"}, wantLeft: []string{"/a"}},
		{name: "all", apps: []client.App{sdkApp("/a", "hello-world"), sdkApp("/b", "hello-world")}, req: UninstallRequest{PackageName: "hello-world", All: true},
			statuses: []int{200}, wantCalls: []string{"PUT /a force=true replace=false", "DELETE /a force=false", "PUT /b force=true replace=false", "DELETE /b force=false"}},
		{name: "not installed", apps: []client.App{plain}, req: UninstallRequest{PackageName: "hello-world"}, wantErr: ErrPackageNotInstalled, wantLeft: []string{"/web"}},
		{name: "wrong app id", apps: []client.App{plain}, req: UninstallRequest{PackageName: "web", AppID: "/other"}, wantErr: ErrPackageNotInstalled, wantLeft: []string{"/web"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, testRepo(t))
			h.marathon = newFakeMarathon(tt.apps...)
			h.marathon.doneAfter = 2
			h.cosmos.Marathon = h.marathon
			h.router.statuses, h.router.ids = tt.statuses, []string{"fw-1"}
			res, err := h.cosmos.Uninstall(context.Background(), tt.req)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if len(res.Results) == 0 {
				t.Error("no results")
			}
			if got := h.marathon.writes(); !slices.Equal(got, tt.wantCalls) {
				t.Errorf("calls %v, want %v", got, tt.wantCalls)
			}
			var left []string
			for id := range h.marathon.apps {
				left = append(left, id)
			}
			slices.Sort(left)
			if !slices.Equal(left, tt.wantLeft) {
				t.Errorf("apps left %v, want %v", left, tt.wantLeft)
			}
		})
	}
}

func TestSDKUninstallSetsTheEnvAndWaits(t *testing.T) {
	h := newHarness(t, testRepo(t))
	h.marathon = newFakeMarathon(sdkApp("/hello", "hello-world"))
	h.marathon.doneAfter = 3
	h.cosmos.Marathon = h.marathon
	h.router.statuses = []int{202, 202, 200}
	var seen client.App
	res, err := h.cosmos.Uninstall(context.Background(), UninstallRequest{PackageName: "hello-world"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Results[0].AppID != "/hello" || res.Results[0].PackageVersion != "0.1.0" {
		t.Errorf("results %+v", res.Results)
	}
	// The app put: uris and version dropped, env kept with SDK_UNINSTALL.
	seen = uninstallApp(client.App{"id": "/hello", "uris": []any{}, "version": "v", "tasksRunning": 1, "env": map[string]any{"A": "b"}})
	if !reflect.DeepEqual(seen, client.App{"id": "/hello", "env": map[string]any{"A": "b", "SDK_UNINSTALL": "true"}}) {
		t.Errorf("uninstall app %v", seen)
	}
	if h.router.reads < 3 {
		t.Errorf("the deploy plan was read %d times: the app was deleted before it answered 200", h.router.reads)
	}
}

func TestSDKUninstallStopsAtTheDeadline(t *testing.T) {
	h := newHarness(t, testRepo(t))
	h.marathon = newFakeMarathon(sdkApp("/hello", "hello-world"))
	h.cosmos.Marathon = h.marathon
	h.router.statuses = []int{202}
	ctx, cancel := context.WithCancel(context.Background())
	h.cosmos.Router = cancelAfter{h.router, cancel, 3}
	_, err := h.cosmos.Uninstall(ctx, UninstallRequest{PackageName: "hello-world"})
	if !errors.Is(err, ErrUninstallIncomplete) || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "answers 202") {
		t.Fatalf("error %v", err)
	}
	if app, ok := h.marathon.apps["/hello"]; !ok || env(app)["SDK_UNINSTALL"] != "true" || env(app)["A"] != "b" {
		t.Fatalf("app %v: want it kept, with SDK_UNINSTALL=true", app)
	}
	// Again, once the scheduler is done: the app is deleted without another PUT.
	h.router.statuses = []int{200}
	h.cosmos.Router = h.router
	if _, err := h.cosmos.Uninstall(context.Background(), UninstallRequest{PackageName: "hello-world"}); err != nil {
		t.Fatal(err)
	}
	if got := h.marathon.writes(); !slices.Equal(got, []string{"PUT /hello force=true replace=false", "DELETE /hello force=false"}) {
		t.Errorf("calls %v", got)
	}
}

// cancelAfter cancels a context after n reads of the deploy plan.
type cancelAfter struct {
	*fakeRouter
	cancel context.CancelFunc
	n      int
}

func (c cancelAfter) DeployPlanStatus(ctx context.Context, id string) (int, error) {
	s, err := c.fakeRouter.DeployPlanStatus(ctx, id)
	if c.fakeRouter.reads >= c.n {
		c.cancel()
	}
	return s, err
}

func TestSDKUninstallWaitsForTheSameFramework(t *testing.T) {
	h := newHarness(t, testRepo(t))
	h.marathon = newFakeMarathon(sdkApp("/hello", "hello-world"))
	h.cosmos.Marathon = h.marathon
	h.router.statuses, h.router.ids, h.router.later = []int{200}, []string{"fw-1"}, []string{"fw-2"}
	ctx, cancel := context.WithCancel(context.Background())
	h.cosmos.Router = cancelAfter{h.router, cancel, 3}
	_, err := h.cosmos.Uninstall(ctx, UninstallRequest{PackageName: "hello-world"})
	if !errors.Is(err, ErrUninstallIncomplete) || !strings.Contains(err.Error(), "runs framework [fw-2], not [fw-1]") {
		t.Fatalf("error %v", err)
	}
	if _, ok := h.marathon.apps["/hello"]; !ok {
		t.Fatal("the app was deleted while another framework runs")
	}
	// A framework id that can no longer be read does not hold the uninstall.
	h.router.ids, h.router.later, h.router.idReads = []string{"fw-1"}, nil, 0
	h.cosmos.Router = goneAfterFirst{fakeRouter: h.router}
	if _, err := h.cosmos.Uninstall(context.Background(), UninstallRequest{PackageName: "hello-world"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.marathon.apps["/hello"]; ok {
		t.Fatal("the app is still there")
	}
}

// goneAfterFirst answers the framework id once, then fails to.
type goneAfterFirst struct{ *fakeRouter }

func (g goneAfterFirst) FrameworkIDs(ctx context.Context, id string) ([]string, error) {
	ids, err := g.fakeRouter.FrameworkIDs(ctx, id)
	if g.fakeRouter.idReads > 1 {
		return nil, fmt.Errorf("connection refused")
	}
	return ids, err
}

func TestUninstallStopsWhenTheAppIsUpdatedMeanwhile(t *testing.T) {
	h := newHarness(t, testRepo(t))
	app := sdkApp("/hello", "hello-world")
	h.marathon = newFakeMarathon(app)
	h.cosmos.Marathon = h.marathon
	h.router.statuses = []int{202}
	h.cosmos.Router = updateAfter{h.router, h.marathon}
	_, err := h.cosmos.Uninstall(context.Background(), UninstallRequest{PackageName: "hello-world"})
	if !errors.Is(err, ErrUninstallIncomplete) || !strings.Contains(err.Error(), "no longer has SDK_UNINSTALL=true") {
		t.Fatalf("error %v", err)
	}
}

// updateAfter puts the app back without SDK_UNINSTALL at the first plan read.
type updateAfter struct {
	*fakeRouter
	m *fakeMarathon
}

func (u updateAfter) DeployPlanStatus(ctx context.Context, id string) (int, error) {
	u.m.mu.Lock()
	delete(u.m.apps["/hello"]["env"].(map[string]any), "SDK_UNINSTALL")
	u.m.mu.Unlock()
	return u.fakeRouter.DeployPlanStatus(ctx, id)
}
