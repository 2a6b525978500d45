package servicespec

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// loadTestdata loads testdata/<dir>/<name>.yml with <name>.env (if present)
// as its environment and its directory as the template root, as Load does.
func loadTestdata(t testing.TB, path string) (*ServiceSpec, error) {
	return loadTestdataWith(t, path, true)
}

// loadTestdataWith is loadTestdata; with refuseUnsupported false it accepts
// the whole language.
func loadTestdataWith(t testing.TB, path string, refuseUnsupported bool) (*ServiceSpec, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	if envData, err := os.ReadFile(strings.TrimSuffix(path, ".yml") + ".env"); err == nil {
		if env, err = ParseEnvFile(path, envData); err != nil {
			t.Fatalf("bad env file for %s: %v", path, err)
		}
	}
	return Load(filepath.Base(path), data, LoadOptions{Env: env, Templates: os.DirFS(filepath.Dir(path)), AcceptUnsupported: !refuseUnsupported})
}

func specFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no specs in testdata/%s: %v", dir, err)
	}
	return files
}

// checkGolden compares got with the golden file, or rewrites it with -update.
func checkGolden(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", golden, got, want)
	}
}

// TestValidSpecs checks the canonical form of every spec valid in the
// language and that it round-trips: decoding the canonical JSON, and the
// canonical YAML, gives the same canonical JSON and the same configuration
// id. Load refuses some of them only for fields not supported yet.
func TestValidSpecs(t *testing.T) {
	files := specFiles(t, "valid")
	if len(files) < 15 {
		t.Errorf("only %d valid specs; keep at least 15", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			spec, err := loadTestdataWith(t, path, false)
			if err != nil {
				t.Fatalf("valid spec rejected:\n%v", err)
			}
			checkOnlyUnsupported(t, path)
			checkGolden(t, strings.TrimSuffix(path, ".yml")+".golden.json", spec.IndentedJSON())
			for form, data := range map[string][]byte{"json": spec.CanonicalJSON(), "yaml": spec.YAML()} {
				again, err := Decode("canonical."+form, data)
				if err != nil {
					t.Fatalf("canonical %s does not decode:\n%v\n%s", form, err, data)
				}
				if !bytes.Equal(again.CanonicalJSON(), spec.CanonicalJSON()) {
					t.Errorf("canonical %s does not round-trip:\n%s\nvs\n%s", form, again.CanonicalJSON(), spec.CanonicalJSON())
				}
				if again.ID() != spec.ID() {
					t.Errorf("id changed through %s: %s vs %s", form, again.ID(), spec.ID())
				}
			}
		})
	}
}

// TestInvalidSpecs checks the exact errors, positions and paths of every
// invalid spec.
func TestInvalidSpecs(t *testing.T) {
	files := specFiles(t, "invalid")
	if len(files) < 60 {
		t.Errorf("only %d invalid specs; keep at least 60", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			_, err := loadTestdata(t, path)
			if err == nil {
				t.Fatal("invalid spec accepted")
			}
			var list ErrorList
			if !errors.As(err, &list) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error is not an ErrorList wrapping ErrInvalid: %T %v", err, err)
			}
			for _, e := range list {
				if e.Pos.Line < 1 || e.Pos.Column < 1 || e.File != filepath.Base(path) {
					t.Errorf("error without a usable position: %#v", e)
				}
			}
			checkGolden(t, strings.TrimSuffix(path, ".yml")+".golden", []byte(list.Error()+"\n"))
		})
	}
}

// checkOnlyUnsupported checks that Load either accepts a spec valid in the
// language or refuses it only for fields not supported yet.
func checkOnlyUnsupported(t *testing.T, path string) {
	t.Helper()
	_, err := loadTestdata(t, path)
	var list ErrorList
	if err != nil && !errors.As(err, &list) {
		t.Fatalf("Load: %v", err)
	}
	for _, e := range list {
		if !strings.HasPrefix(e.Msg, "is not supported by Kennel yet: ") {
			t.Errorf("Load refuses a valid spec for another reason than an unsupported field: %v", e)
		}
	}
}
