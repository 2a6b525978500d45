package updatepreview

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kennel-sdk/kennel/deploy/catalog"
	"github.com/kennel-sdk/kennel/servicespec"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// service is an example service: its package and its service directory.
type service struct {
	pkg   *catalog.Package
	files string
}

func loadService(t *testing.T, name string) service {
	t.Helper()
	dir := filepath.Join("..", "..", "examples", name)
	pkgDir := filepath.Join(dir, "package")
	if _, err := os.Stat(filepath.Join(pkgDir, catalog.PackageFile)); err != nil {
		pkgDir = newestVersion(t, pkgDir)
	}
	pkg, err := catalog.Load(pkgDir)
	if err != nil {
		t.Fatal(err)
	}
	return service{pkg: pkg, files: dir}
}

// newestVersion is the directory of the highest release of a package
// laid out as package/<N>/.
func newestVersion(t *testing.T, pkgDir string) string {
	t.Helper()
	ents, err := os.ReadDir(pkgDir)
	if err != nil {
		t.Fatal(err)
	}
	best := -1
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil && e.IsDir() && n > best {
			best = n
		}
	}
	if best < 0 {
		t.Fatalf("%s: no package.json and no release directory", pkgDir)
	}
	return filepath.Join(pkgDir, strconv.Itoa(best))
}

// render renders the service's app for user options given as JSON.
func (s service) render(t *testing.T, options string) map[string]any {
	t.Helper()
	opts, err := catalog.ParseOptions([]byte(options))
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.pkg.Render(catalog.Request{Options: opts})
	if err != nil {
		t.Fatalf("rendering %s with %s: %v", s.pkg.Name, options, err)
	}
	return r.App
}

func (s service) input(t *testing.T, installed, update string) Input {
	return Input{Installed: s.render(t, installed), Update: s.render(t, update), Spec: os.DirFS(s.files)}
}

// The goldens hold the text and JSON reports of real updates of the
// example packages.
func TestPreviewGolden(t *testing.T) {
	cases := []struct {
		name, service, installed, update string
		// inPlace is the service's in-place classification, if any.
		inPlace servicespec.InPlaceFunc
		// check asserts what the golden must show, so that a rewritten
		// golden cannot silently lose it.
		check func(t *testing.T, r Report)
	}{
		{"hello-count", "hello-world", `{}`, `{"hello": {"count": 3}}`, nil, func(t *testing.T, r Report) {
			wantActions(t, r, "hello-0", Stay, "hello-1", Stay, "hello-2", Launch)
		}},
		{"hello-greeting", "hello-world", `{}`, `{"hello": {"greeting": "Bonjour"}}`, nil, func(t *testing.T, r Report) {
			wantActions(t, r, "hello-0", Restart, "hello-1", Restart)
		}},
		{"hello-cpus", "hello-world", `{"hello": {"greeting": "Hi"}}`, `{"hello": {"greeting": "Hi", "cpus": 0.25}}`, nil, func(t *testing.T, r Report) {
			wantActions(t, r, "hello-0", Restart, "hello-1", Restart)
		}},
		{"hello-no-change", "hello-world", `{"hello": {"count": 2}}`, `{"hello": {"count": 2}}`, nil, func(t *testing.T, r Report) {
			wantActions(t, r, "hello-0", Stay, "hello-1", Stay)
			if r.App.Restarts || r.Spec.Diff != "" || len(r.Options) != 0 {
				t.Errorf("no change reported changes: %+v", r)
			}
		}},
		{"hello-scheduler-only", "hello-world", `{}`, `{"service": {"mem": 512}}`, nil, func(t *testing.T, r Report) {
			wantActions(t, r, "hello-0", Stay, "hello-1", Stay)
			if !r.App.Restarts || r.Spec.Diff != "" {
				t.Errorf("want a scheduler restart and no spec change: %+v", r)
			}
		}},
		{"hello-placement", "hello-world", `{}`, `{"hello": {"placement": "[[\"hostname\", \"MAX_PER\", \"2\"]]"}}`, nil, func(t *testing.T, r Report) {
			wantActions(t, r, "hello-0", Stay, "hello-1", Stay)
			if len(r.Notices) != 1 || !strings.Contains(r.Notices[0], "placement") {
				t.Errorf("want a placement notice, got %v", r.Notices)
			}
		}},
		{"hello-volume", "hello-world", `{}`, `{"hello": {"data_mb": 1024}}`, nil, func(t *testing.T, r Report) {
			wantRefused(t, r, "pods.hello.volumes")
		}},
		{"hello-shrink", "hello-world", `{"hello": {"count": 3}}`, `{"hello": {"count": 1}}`, nil, func(t *testing.T, r Report) {
			wantRefused(t, r, "pods.hello.count")
		}},
		{"hello-invalid", "hello-world", `{}`, `{"hello": {"placement": "[[\"hostname\", \"BOGUS\"]]"}}`, nil, func(t *testing.T, r Report) {
			if len(r.Spec.Errors) == 0 || r.Spec.Errors[0].Line == 0 {
				t.Errorf("want a positioned spec error, got %+v", r.Spec.Errors)
			}
			wantActions(t, r)
		}},
		{"kafka-brokers", "kafka", `{}`, `{"brokers": {"count": 4}}`, nil, func(t *testing.T, r Report) {
			wantActions(t, r, "kafka-0", Stay, "kafka-1", Stay, "kafka-2", Stay, "kafka-3", Launch)
		}},
		{"kafka-segment-in-place", "kafka", `{}`, `{"kafka": {"log_segment_bytes": 536870912}}`, segmentInPlace, func(t *testing.T, r Report) {
			wantActions(t, r, "kafka-0", InPlace, "kafka-1", InPlace, "kafka-2", InPlace)
		}},
		{"kafka-segment-and-partitions", "kafka", `{}`, `{"kafka": {"log_segment_bytes": 536870912, "num_partitions": 3}}`, segmentInPlace, func(t *testing.T, r Report) {
			wantActions(t, r, "kafka-0", Restart, "kafka-1", Restart, "kafka-2", Restart)
		}},
	}
	services := map[string]service{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, ok := services[c.service]
			if !ok {
				s = loadService(t, c.service)
				services[c.service] = s
			}
			in := s.input(t, c.installed, c.update)
			in.InPlace = c.inPlace
			r, err := Preview(in)
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, r)
			var text bytes.Buffer
			if err := r.Write(&text); err != nil {
				t.Fatal(err)
			}
			js, err := json.MarshalIndent(r, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".txt", text.Bytes())
			golden(t, c.name+".json", append(js, '\n'))
		})
	}
}

// segmentInPlace is an in-place classification like the Kafka
// scheduler's, for the segment size only.
func segmentInPlace(pod, task, key, _, _ string) bool {
	return pod == "kafka" && task == "broker" && key == "KAFKA_LOG_SEGMENT_BYTES"
}

// wantActions checks the instances against instance, action pairs.
func wantActions(t *testing.T, r Report, pairs ...any) {
	t.Helper()
	var got, want []string
	for _, in := range r.Instances {
		got = append(got, in.Instance+"="+string(in.Action))
	}
	for i := 0; i < len(pairs); i += 2 {
		want = append(want, pairs[i].(string)+"="+string(pairs[i+1].(Action)))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("instances %v, want %v", got, want)
	}
	if len(pairs) > 0 && len(r.Refused) > 0 {
		t.Errorf("refused: %v", r.Refused)
	}
}

func wantRefused(t *testing.T, r Report, path string) {
	t.Helper()
	if len(r.Refused) == 0 || r.Refused[0].Path != path {
		t.Errorf("refused %v, want one at %s", r.Refused, path)
	}
	if len(r.Instances) != 0 {
		t.Errorf("a refused update has instance outcomes: %v", r.Instances)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden (run with -update to accept):\n%s", name, unifiedDiff(string(want), string(got), "golden", "got"))
	}
}

// Comparing an app with itself changes nothing: every instance stays and
// every diff is empty, whatever the options.
func TestPreviewOfItselfChangesNothing(t *testing.T) {
	variants := map[string][]string{
		"hello-world": {`{}`, `{"hello": {"count": 5, "greeting": "Hi"}}`, `{"service": {"name": "hw2", "user": "nobody"}}`},
		"kafka":       {`{}`, `{"brokers": {"count": 5}}`},
	}
	for name, opts := range variants {
		s := loadService(t, name)
		for _, o := range opts {
			app := s.render(t, o)
			for _, target := range []bool{false, true} {
				in := Input{Installed: app, Update: app, Spec: os.DirFS(s.files)}
				if target {
					// The scheduler's stored target, as it would have stored it.
					r, err := Preview(in)
					if err != nil {
						t.Fatal(err)
					}
					in.Target = []byte(targetOf(t, s, app, r.Spec.OldID))
				}
				r, err := Preview(in)
				if err != nil {
					t.Fatalf("%s %s: %v", name, o, err)
				}
				if len(r.Options) != 0 || len(r.App.Changes) != 0 || r.App.Restarts || r.Spec.Diff != "" ||
					len(r.Refused) != 0 || len(r.Spec.Errors) != 0 || r.Spec.OldID != r.Spec.NewID {
					t.Errorf("%s %s (target %v): changes reported: %+v", name, o, target, r)
				}
				if len(r.Instances) == 0 {
					t.Errorf("%s %s: no instances", name, o)
				}
				for _, in := range r.Instances {
					if in.Action != Stay {
						t.Errorf("%s %s: %s %s", name, o, in.Instance, in.Action)
					}
				}
			}
		}
	}
}

// targetOf is the canonical JSON of the spec the app renders, checked to
// have the id the preview reported.
func targetOf(t *testing.T, s service, app map[string]any, id string) string {
	t.Helper()
	spec, err := loadSpec(os.DirFS(s.files), DefaultSpecFile, app)
	if err != nil {
		t.Fatal(err)
	}
	if spec.ID() != id {
		t.Fatalf("spec id %s, the preview said %s", spec.ID(), id)
	}
	return string(spec.CanonicalJSON())
}

// A preview from the scheduler's target compares with it, not with what
// the installed app renders.
func TestPreviewFromTarget(t *testing.T) {
	s := loadService(t, "hello-world")
	in := s.input(t, `{}`, `{}`)
	in.Target = []byte(targetOf(t, s, s.render(t, `{"hello": {"greeting": "Old"}}`), mustPreview(t, s.input(t, `{"hello": {"greeting": "Old"}}`, `{}`)).Spec.OldID))
	r := mustPreview(t, in)
	if r.Spec.From != "scheduler target" {
		t.Errorf("from %q", r.Spec.From)
	}
	wantActions(t, r, "hello-0", Restart, "hello-1", Restart)
	if !strings.Contains(r.Spec.Diff, "-          GREETING: Old") {
		t.Errorf("diff does not show the target's greeting:\n%s", r.Spec.Diff)
	}
}

func mustPreview(t *testing.T, in Input) Report {
	t.Helper()
	r, err := Preview(in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Input the preview cannot honour is refused with ErrBadInput.
func TestPreviewBadInput(t *testing.T) {
	s := loadService(t, "hello-world")
	cases := []struct {
		name   string
		change func(in *Input)
		want   string
	}{
		{"no installed app", func(in *Input) { in.Installed = nil }, "both the installed and the updated app"},
		{"no spec", func(in *Input) { in.Spec = nil }, "spec files are required"},
		{"spec file missing", func(in *Input) { in.SpecFile = "nope.yml" }, "reading the spec"},
		{"no options label", func(in *Input) { delete(in.Installed["labels"].(map[string]any), labelPackageOptions) }, "has no DCOS_PACKAGE_OPTIONS label"},
		{"options not base64", func(in *Input) { in.Update["labels"].(map[string]any)[labelPackageOptions] = "%%" }, "not base64"},
		{"secret env", func(in *Input) {
			in.Update["env"].(map[string]any)["DB_PASSWORD"] = map[string]any{"secret": "pw"}
		}, "env DB_PASSWORD is not a string"},
		{"installed env renders nothing", func(in *Input) { in.Installed["env"].(map[string]any)["HELLO_COUNT"] = "many" },
			"the installed app's env does not render the spec"},
		{"bad target", func(in *Input) { in.Target = []byte("name: [") }, "the scheduler's target configuration"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := s.input(t, `{}`, `{}`)
			c.change(&in)
			_, err := Preview(in)
			if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want ErrBadInput with %q", err, c.want)
			}
		})
	}
}

// An update to another package version renders the installed app with the
// installed package's spec files and the update with the new ones.
func TestPreviewInstalledSpecFiles(t *testing.T) {
	s := loadService(t, "hello-world")
	data, err := os.ReadFile(filepath.Join(s.files, "svc.yml"))
	if err != nil {
		t.Fatal(err)
	}
	old := strings.Replace(string(data), "interval: 2\n", "interval: 3\n", 1)
	if old == string(data) {
		t.Fatal("the readiness interval is no longer in svc.yml: update this test")
	}
	in := s.input(t, `{}`, `{}`)
	in.InstalledSpec = fstest.MapFS{"svc.yml": {Data: []byte(old)}}
	r := mustPreview(t, in)
	wantActions(t, r, "hello-0", Restart, "hello-1", Restart)
	if !strings.Contains(r.Instances[0].Reasons[0], "readiness-check.interval: 3 → 2") {
		t.Errorf("reasons %v", r.Instances[0].Reasons)
	}
}

// An update of the Kafka package from its 4.0 version (package/0) to its
// 4.1 version (package/1) restarts every broker (KAFKA_VERSION changes
// their environment), and the plan that rolls it out ends in the
// finalize phase, the action that raises metadata.version.
func TestPreviewKafkaPackageVersion(t *testing.T) {
	load := func(n string) *catalog.Package {
		pkg, err := catalog.Load(filepath.Join("..", "..", "examples", "kafka", "package", n))
		if err != nil {
			t.Fatal(err)
		}
		return pkg
	}
	render := func(pkg *catalog.Package) map[string]any {
		r, err := pkg.Render(catalog.Request{Options: map[string]any{}})
		if err != nil {
			t.Fatal(err)
		}
		return r.App
	}
	spec := os.DirFS(filepath.Join("..", "..", "examples", "kafka"))
	r, err := Preview(Input{Installed: render(load("0")), Update: render(load("1")), Spec: spec, InstalledSpec: spec})
	if err != nil {
		t.Fatal(err)
	}
	wantActions(t, r, "kafka-0", Restart, "kafka-1", Restart, "kafka-2", Restart)
	phases := r.Plan.Phases
	if r.Plan.From != "update" || len(phases) != 2 || phases[0].Pod != "kafka" || phases[1].Name != "finalize" || phases[1].Action != "finalize-metadata-version" {
		t.Errorf("plan %+v", r.Plan)
	}
	var text bytes.Buffer
	if err := r.Write(&text); err != nil {
		t.Fatal(err)
	}
	golden(t, "kafka-package-version.txt", text.Bytes())
}
