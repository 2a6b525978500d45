package cosmos

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/deploy/catalog"
	"github.com/kennel-sdk/kennel/deploy/marathon/client"
)

const examples = "../../examples"

// versions of the test repository's hello-world: version, upgradesFrom,
// downgradesTo.
var testVersions = []struct {
	version            string
	upgradesFrom, down []string
}{
	{"0.1.0", nil, nil},
	{"0.2.0", []string{"0.1.0"}, []string{"0.1.0"}},
	{"0.3.0", []string{"0.2.0"}, []string{"*"}},
}

// testRepo builds a repository holding hello-world in the versions above
// (releaseVersion 0, 1, 2), from the example's package and spec.
func testRepo(t *testing.T) *Repository {
	t.Helper()
	root := t.TempDir()
	svc := filepath.Join(root, "hello-world")
	for _, f := range []string{"svc.yml", "svc.env"} {
		copyFile(t, filepath.Join(examples, "hello-world", f), filepath.Join(svc, f))
	}
	src := filepath.Join(examples, "hello-world", "package")
	for i, v := range testVersions {
		dir := filepath.Join(svc, PackageDir, itoa(i))
		for _, f := range []string{catalog.ConfigFile, catalog.ResourceFile, catalog.TemplateFile} {
			copyFile(t, filepath.Join(src, f), filepath.Join(dir, f))
		}
		pkg, err := catalog.Load(src)
		if err != nil {
			t.Fatal(err)
		}
		m := pkg.Manifest
		m["version"] = v.version
		delete(m, "upgradesFrom")
		delete(m, "downgradesTo")
		if v.upgradesFrom != nil {
			m["upgradesFrom"] = v.upgradesFrom
		}
		if v.down != nil {
			m["downgradesTo"] = v.down
		}
		b, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, catalog.PackageFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := OpenRepository(root)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func itoa(i int) string { return string(rune('0' + i)) }

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// harness is a Cosmos over a repository, a fake Marathon and a fake
// scheduler, publishing artifacts in a temporary directory and adding the
// local cluster's options.
type harness struct {
	cosmos    *Cosmos
	marathon  *fakeMarathon
	router    *fakeRouter
	artifacts string
}

func newHarness(t *testing.T, repo *Repository) *harness {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kennel")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	h := &harness{marathon: newFakeMarathon(), router: &fakeRouter{}, artifacts: t.TempDir()}
	h.cosmos = &Cosmos{Repo: repo, Marathon: h.marathon, Router: h.router,
		Artifacts:      LocalArtifacts{Dir: h.artifacts, Binary: bin},
		ClusterOptions: LocalClusterOptions("http://127.0.0.1:5050", "/data/local"),
		PollInterval:   1}
	return h
}

func mustObject(t *testing.T, s string) map[string]any {
	t.Helper()
	if s == "" {
		return nil
	}
	m, err := catalog.DecodeObject([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func label(t *testing.T, app client.App, name string) string {
	t.Helper()
	s, _ := app["labels"].(map[string]any)[name].(string)
	return s
}

func optionsLabel(t *testing.T, app client.App) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(label(t, app, catalog.LabelPackageOptions))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func env(app client.App) map[string]any {
	e, _ := app["env"].(map[string]any)
	return e
}

func TestInstall(t *testing.T) {
	tests := []struct {
		name, pkg, version, options, appID string
		preinstalled                       bool
		createErr                          error
		wantErr                            error
		wantText                           []string // in the error's message
		wantID                             string
	}{
		{name: "defaults", pkg: "hello-world", wantID: "/hello-world"},
		{name: "options and version", pkg: "hello-world", version: "0.2.0", options: `{"service": {"name": "hello-2"}, "hello": {"count": 3}}`, wantID: "/hello-2"},
		{name: "app id", pkg: "hello-world", appID: "/dev/hello", wantID: "/dev/hello"},
		{name: "invalid options", pkg: "hello-world", options: `{"hello": {"count": 0, "cpus": "x"}, "service": {"nmae": "x"}}`,
			wantErr: ErrJSONSchemaMismatch, wantText: []string{"hello.count: must be >= 1", "hello.cpus: must be of type number", "service.nmae: unknown option"}},
		{name: "unknown version", pkg: "hello-world", version: "9.9.9", wantErr: ErrVersionNotFound,
			wantText: []string{"Version [9.9.9] of package [hello-world] not found", "0.1.0, 0.2.0, 0.3.0"}},
		{name: "unknown package", pkg: "nope", wantErr: ErrPackageNotFound, wantText: []string{"Package [nope] not found"}},
		{name: "path in the name", pkg: "../hello-world", wantErr: ErrPackageNotFound},
		{name: "already installed", pkg: "hello-world", preinstalled: true, wantErr: ErrPackageAlreadyInstalled, wantText: []string{"Package is already installed"}},
		{name: "marathon refuses", pkg: "hello-world", createErr: &client.Error{Method: "POST", Path: "/v2/apps", Code: 422, Message: "Object is not valid",
			Details: []client.Detail{{Path: "/cpus", Errors: []string{"error.min"}}}}, wantErr: ErrMarathonBadResponse, wantText: []string{"/cpus: error.min"}},
		{name: "marathon down", pkg: "hello-world", createErr: client.ErrUnreachable, wantErr: ErrMarathonBadGateway},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, testRepo(t))
			ctx := context.Background()
			if tt.preinstalled {
				if _, err := h.cosmos.Install(ctx, InstallRequest{PackageName: "hello-world"}); err != nil {
					t.Fatal(err)
				}
			}
			before, appsBefore := h.marathon.writes(), copyApp(client.App{"apps": h.marathon.apps})
			h.marathon.createErr = tt.createErr
			res, err := h.cosmos.Install(ctx, InstallRequest{PackageName: tt.pkg, PackageVersion: tt.version,
				Options: mustObject(t, tt.options), AppID: tt.appID})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				for _, w := range tt.wantText {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				var ce *Error
				if !errors.As(err, &ce) || ce.Status == 0 {
					t.Errorf("error %#v has no Cosmos status", err)
				}
				after := h.marathon.writes()
				if tt.createErr == nil && tt.wantErr != ErrPackageAlreadyInstalled && !slices.Equal(before, after) {
					t.Errorf("Marathon was called: %v", after[len(before):])
				}
				if appsAfter := copyApp(client.App{"apps": h.marathon.apps}); !reflect.DeepEqual(appsBefore, appsAfter) {
					t.Errorf("apps changed by a failed install:\n%v\n%v", appsBefore, appsAfter)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.AppID != tt.wantID || res.PackageName != "hello-world" {
				t.Errorf("response %+v", res)
			}
			app := h.marathon.apps[tt.wantID]
			if app == nil {
				t.Fatalf("no app %s in %v", tt.wantID, h.marathon.apps)
			}
			if tt.version != "" && label(t, app, catalog.LabelPackageVersion) != tt.version {
				t.Errorf("version label %q", label(t, app, catalog.LabelPackageVersion))
			}
			// The user's options alone are recorded; the cluster's are rendered.
			if got, want := optionsLabel(t, app), compact(t, tt.options); got != want {
				t.Errorf("options label %s, want %s", got, want)
			}
			service := strings.Trim(tt.wantID, "/")
			if tt.appID == "" {
				if e := env(app); e["MESOS_MASTER"] != "http://127.0.0.1:5050" || e["KENNEL_STATE"] != "file:///data/local/services/"+service {
					t.Errorf("env %v: want the local cluster's master and state", e)
				}
			}
			checkArtifacts(t, h, app)
		})
	}
}

// compact is the options label expected for options s.
func compact(t *testing.T, s string) string {
	if s == "" {
		return "{}"
	}
	b, err := json.Marshal(mustObject(t, s))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkArtifacts checks that the app fetches the binary and a spec archive
// with spec/svc.yml from the artifact directory.
func checkArtifacts(t *testing.T, h *harness, app client.App) {
	t.Helper()
	fetch, _ := app["fetch"].([]any)
	if len(fetch) != 2 {
		t.Fatalf("fetch %v", app["fetch"])
	}
	var files []string
	for _, f := range fetch {
		uri, _ := f.(map[string]any)["uri"].(string)
		path, ok := strings.CutPrefix(uri, "file://")
		if !ok || !strings.HasPrefix(path, h.artifacts) {
			t.Fatalf("fetch uri %q is not a file:// URI under %s", uri, h.artifacts)
		}
		files = append(files, path)
	}
	if st, err := os.Stat(files[0]); err != nil || st.Mode()&0o100 == 0 {
		t.Errorf("binary %s: %v", files[0], err)
	}
	names := archiveNames(t, files[1])
	if !slices.Contains(names, "spec/svc.yml") || !slices.Contains(names, "spec/svc.env") || slices.ContainsFunc(names, func(n string) bool {
		return strings.HasPrefix(n, "spec/package")
	}) {
		t.Errorf("spec archive holds %v: want spec/svc.yml, spec/svc.env and no package", names)
	}
}

func archiveNames(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
}

func TestInstallFromExamples(t *testing.T) {
	for _, dir := range []string{examples, filepath.Join(examples, "kafka", "package", "1")} {
		repo, err := OpenRepository(dir)
		if err != nil {
			t.Fatal(err)
		}
		h := newHarness(t, repo)
		if _, err := h.cosmos.Install(context.Background(), InstallRequest{PackageName: "kafka"}); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		checkArtifacts(t, h, h.marathon.apps["/kafka"])
	}
	repo, _ := OpenRepository(examples)
	names, err := repo.Names()
	if err != nil || !slices.Equal(names, []string{"hello-world", "kafka"}) {
		t.Errorf("Names = %v, %v", names, err)
	}
	// The Kafka package has a version per Kafka release, each shipping
	// examples/kafka (its package/ directory left out).
	es, err := repo.Versions("kafka")
	if err != nil || len(es) != 2 || es[0].Version() != "0.1.0-4.0.0" || es[1].Version() != "0.1.0-4.1.1" {
		t.Fatalf("kafka versions: %v, %v", es, err)
	}
	for _, e := range es {
		if filepath.Base(e.SpecDir) != "kafka" || filepath.Base(e.SkipDir) != PackageDir {
			t.Errorf("kafka %s: spec %s skip %s", e.Version(), e.SpecDir, e.SkipDir)
		}
	}
	// So does one version's directory, as a repository of its own.
	one, err := OpenRepository(filepath.Join(examples, "kafka", "package", "0"))
	if err != nil {
		t.Fatal(err)
	}
	es, err = one.Versions("kafka")
	if err != nil || len(es) != 1 || es[0].Version() != "0.1.0-4.0.0" || filepath.Base(es[0].SpecDir) != "kafka" {
		t.Fatalf("package/0 alone: %v, %v", es, err)
	}
}

func TestInstallWithoutArtifactsRefuses(t *testing.T) {
	h := newHarness(t, testRepo(t))
	h.cosmos.Artifacts = nil
	_, err := h.cosmos.Install(context.Background(), InstallRequest{PackageName: "hello-world"})
	if !errors.Is(err, ErrArtifacts) || len(h.marathon.writes()) != 0 {
		t.Fatalf("error %v, calls %v", err, h.marathon.writes())
	}
	h.cosmos.Artifacts = PublishedArtifacts{URL: "https://downloads.example/hello/"}
	if _, err := h.cosmos.Install(context.Background(), InstallRequest{PackageName: "hello-world"}); err != nil {
		t.Fatal(err)
	}
	fetch := h.marathon.apps["/hello-world"]["fetch"].([]any)
	if uri := fetch[0].(map[string]any)["uri"]; uri != "https://downloads.example/hello/kennel-linux-amd64" {
		t.Errorf("uri %v", uri)
	}
}

func TestList(t *testing.T) {
	h := newHarness(t, testRepo(t))
	ctx := context.Background()
	for _, r := range []InstallRequest{{PackageName: "hello-world"}, {PackageName: "hello-world", AppID: "/b/hello", PackageVersion: "0.1.0"}} {
		if _, err := h.cosmos.Install(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	h.marathon.apps["/other"] = client.App{"id": "/other"}
	tests := []struct {
		req  ListRequest
		want []string
	}{
		{ListRequest{}, []string{"/b/hello 0.1.0", "/hello-world 0.3.0"}},
		{ListRequest{AppID: "b/hello"}, []string{"/b/hello 0.1.0"}},
		{ListRequest{PackageName: "kafka"}, nil},
	}
	for _, tt := range tests {
		res, err := h.cosmos.List(ctx, tt.req)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range res.Packages {
			d := p.PackageInformation.PackageDefinition
			if d["name"] != "hello-world" || d["description"] == nil || d["config"] != nil {
				t.Errorf("package definition %v", d)
			}
			got = append(got, p.AppID+" "+d["version"].(string))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%+v: %v, want %v", tt.req, got, tt.want)
		}
	}
}

func TestDescribeAndListVersions(t *testing.T) {
	h := newHarness(t, testRepo(t))
	ctx := context.Background()
	d, err := h.cosmos.Describe(ctx, DescribeRequest{PackageName: "hello-world"})
	if err != nil || d.Package["version"] != "0.3.0" || d.Package["releaseVersion"] != 2 || d.Package["config"] == nil {
		t.Errorf("describe: %v %v", d, err)
	}
	if _, err := h.cosmos.Describe(ctx, DescribeRequest{PackageName: "hello-world", PackageVersion: "1"}); !errors.Is(err, ErrVersionNotFound) {
		t.Errorf("describe of a missing version: %v", err)
	}
	v, err := h.cosmos.ListVersions(ctx, ListVersionsRequest{PackageName: "hello-world"})
	if err != nil || !reflect.DeepEqual(v.Results, map[string]string{"0.1.0": "0", "0.2.0": "1", "0.3.0": "2"}) {
		t.Errorf("list-versions: %v %v", v, err)
	}
}
