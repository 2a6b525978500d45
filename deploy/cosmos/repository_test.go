package cosmos

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeTree writes files (path → content) under a new temporary directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for path, text := range files {
		p := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func manifest(name, version string) string {
	return `{"packagingVersion": "4.0", "name": "` + name + `", "version": "` + version + `"}`
}

func TestRepositoryLayouts(t *testing.T) {
	tests := []struct {
		name         string
		files        map[string]string
		pkg          string
		wantVersions []string
		wantSpec     string // the newest version's spec dir, relative
		wantErr      error
		wantText     string
	}{
		{name: "one version", files: map[string]string{"a-b/svc.yml": "x", "a-b/package/package.json": manifest("a-b", "1.0")},
			pkg: "a-b", wantVersions: []string{"1.0"}, wantSpec: "a-b"},
		{name: "versions by releaseVersion", files: map[string]string{
			"a-b/svc.yml":                   "x",
			"a-b/package/10/package.json":   manifest("a-b", "0.9"),
			"a-b/package/2/package.json":    manifest("a-b", "2.0"),
			"a-b/package/10/spec/svc.yml":   "y",
			"a-b/package/notes/readme.txt":  "ignored",
			"a-b/package/02/package.json":   manifest("a-b", "bad"), // not a releaseVersion
			"a-b/package/3/unrelated.txt":   "",
			"a-b/package/3/package.json":    manifest("a-b", "3.0"),
			"other/package/0/package.json":  manifest("other", "1"),
			"not-a-package/readme.markdown": ""},
			pkg: "a-b", wantVersions: []string{"2.0", "3.0", "0.9"}, wantSpec: "a-b/package/10/spec"},
		{name: "unknown package", files: map[string]string{"a-b/package/package.json": manifest("a-b", "1")},
			pkg: "c-d", wantErr: ErrPackageNotFound},
		{name: "bad name", files: map[string]string{"a-b/package/package.json": manifest("a-b", "1")},
			pkg: "A", wantErr: ErrPackageNotFound},
		{name: "name mismatch", files: map[string]string{"a-b/package/package.json": manifest("c-d", "1")},
			pkg: "a-b", wantErr: ErrInvalidPackage, wantText: `names "c-d"`},
		{name: "both layouts", files: map[string]string{"a-b/package/package.json": manifest("a-b", "1"), "a-b/package/1/package.json": manifest("a-b", "2")},
			pkg: "a-b", wantErr: ErrInvalidPackage, wantText: "pick one layout"},
		{name: "duplicate version", files: map[string]string{"a-b/package/0/package.json": manifest("a-b", "1"), "a-b/package/1/package.json": manifest("a-b", "1")},
			pkg: "a-b", wantErr: ErrInvalidPackage, wantText: "version 1 appears twice"},
		{name: "broken package.json", files: map[string]string{"a-b/package/package.json": `{"name": "a-b"`},
			pkg: "a-b", wantErr: ErrInvalidPackage},
		{name: "empty package dir", files: map[string]string{"a-b/package/readme": ""},
			pkg: "a-b", wantErr: ErrPackageNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, tt.files)
			r, err := OpenRepository(root)
			if err != nil {
				t.Fatal(err)
			}
			es, err := r.Versions(tt.pkg)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantText) {
					t.Fatalf("error %v, want %v saying %q", err, tt.wantErr, tt.wantText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := versionsOf(es); !slices.Equal(got, tt.wantVersions) {
				t.Errorf("versions %v, want %v", got, tt.wantVersions)
			}
			if got := es[len(es)-1].SpecDir; got != filepath.Join(root, tt.wantSpec) {
				t.Errorf("spec dir %s, want %s", got, tt.wantSpec)
			}
			newest, err := r.Lookup(tt.pkg, "")
			if err != nil || newest.Version() != es[len(es)-1].Version() {
				t.Errorf("Lookup newest: %v, %v", newest, err)
			}
		})
	}
}

func TestSinglePackageRepository(t *testing.T) {
	root := writeTree(t, map[string]string{"svc/svc.yml": "x", "svc/package/package.json": manifest("a-b", "1.0")})
	r, err := OpenRepository(filepath.Join(root, "svc", "package"))
	if err != nil {
		t.Fatal(err)
	}
	names, err := r.Names()
	if err != nil || !slices.Equal(names, []string{"a-b"}) {
		t.Fatalf("names %v, %v", names, err)
	}
	e, err := r.Lookup("a-b", "1.0")
	if err != nil || e.SpecDir != filepath.Join(root, "svc") || e.SkipDir != filepath.Join(root, "svc", "package") {
		t.Fatalf("entry %+v, %v", e, err)
	}
	if _, err := r.Lookup("other", ""); !errors.Is(err, ErrPackageNotFound) {
		t.Errorf("another name: %v", err)
	}
}

func TestSpecArchiveIsReproducible(t *testing.T) {
	root := writeTree(t, map[string]string{"svc.yml": "a", "templates/x.mustache": "b", ".hidden": "c", "package/package.json": "{}"})
	if err := os.Chmod(filepath.Join(root, "svc.yml"), 0o755); err != nil {
		t.Fatal(err)
	}
	var one, two bytes.Buffer
	if err := WriteSpecArchive(&one, root, filepath.Join(root, "package")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(filepath.Join(root, "svc.yml"), time0, time0); err != nil {
		t.Fatal(err)
	}
	if err := WriteSpecArchive(&two, root, filepath.Join(root, "package")); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(one.Bytes(), two.Bytes()) {
		t.Error("the same files make different archives")
	}
	path := filepath.Join(t.TempDir(), "a.tar.gz")
	if err := os.WriteFile(path, one.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := archiveNames(t, path), []string{"spec/", "spec/svc.yml", "spec/templates/", "spec/templates/x.mustache"}; !slices.Equal(got, want) {
		t.Errorf("archive holds %v, want %v", got, want)
	}
}

var time0 = time.Unix(1, 0)
