package plans

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/servicespec"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// loadFile loads a spec with svc.env (or <name>.env) beside it.
func loadFile(t *testing.T, path string) *servicespec.ServiceSpec {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]string
	for _, e := range []string{filepath.Join(filepath.Dir(path), "svc.env"), strings.TrimSuffix(path, ".yml") + ".env"} {
		if envData, err := os.ReadFile(e); err == nil {
			if env, err = servicespec.ParseEnvFile(e, envData); err != nil {
				t.Fatal(err)
			}
		}
	}
	spec, err := servicespec.Load(filepath.Base(path), data, servicespec.LoadOptions{Env: env, Templates: os.DirFS(filepath.Dir(path)),
		AcceptUnsupported: true}) // all-fields: plans are generated for every field of the language
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// render writes every plan's tree and PlanInfo JSON.
func render(s *Set) []byte {
	var b bytes.Buffer
	for _, p := range s.Plans() {
		b.WriteString(p.Info().Tree(p.Name) + "\n\n")
	}
	for _, p := range s.Plans() {
		js, _ := json.MarshalIndent(p, "", "  ")
		b.WriteString("GET /v1/plans/" + p.Name + "\n")
		b.Write(js)
		b.WriteString("\n\n")
	}
	return b.Bytes()
}

// TestFreshInstallGolden renders the plans a fresh install starts with.
func TestFreshInstallGolden(t *testing.T) {
	specs := map[string]string{
		"hello-world":         "../examples/hello-world/svc.yml",
		"kafka":               "../examples/kafka/svc.yml",
		"all-fields":          "../servicespec/testdata/valid/all-fields.yml",
		"steps-ordinals":      "../servicespec/testdata/valid/steps-ordinals.yml",
		"parallel-dependency": "../servicespec/testdata/valid/parallel-dependency.yml",
		"resource-sets":       "../servicespec/testdata/valid/resource-sets.yml",
		"multiple-pods":       "../servicespec/testdata/valid/multiple-pods.yml",
	}
	for name, path := range specs {
		t.Run(name, func(t *testing.T) {
			spec := loadFile(t, path)
			s := New(World{Spec: spec, Config: spec.ID(), Now: t0}, Intent{})
			checkGolden(t, filepath.Join("testdata", name+".golden"), render(s))
		})
	}
}

// TestMidDeployGolden renders hello-world in the middle of its deployment:
// one step complete, one waiting for readiness, one backing off.
func TestMidDeployGolden(t *testing.T) {
	f := newFixture(t, helloSpec)
	f.deployAll()
	f.changeSpec(strings.Replace(helloSpec, "cmd: ./server", "cmd: ./server --v2", 1))
	st := f.set.Candidates()[0]
	f.launch(st)
	f.update("hello-0-server", TaskRunning, false, "")
	f.update("hello-0-sidecar", TaskRunning, true, "")
	f.tick(30e9)
	f.update("hello-1-sidecar", TaskFailed, false, "exit 3")
	f.settle()
	checkGolden(t, filepath.Join("testdata", "mid-deploy.golden"), render(f.set))
}
