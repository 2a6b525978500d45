package bootstrap

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/servicespec/mustache"
)

func TestRender(t *testing.T) {
	abs := t.TempDir() // a destination outside the sandbox
	env := map[string]string{"HOST": "zk-0", "PORT": "2181", "RAW": "a&b<c>\"'", "EMPTY": ""}
	for _, tc := range []struct {
		name      string
		files     map[string]string // sandbox files before rendering
		templates []Template
		want      map[string]string // files after rendering (resolved like Dest); "" = must not exist
		rendered  []string
		wantErr   []string // substrings; nil means no error
		wantIs    error
	}{
		{
			name:      "nested destination directories",
			files:     map[string]string{"config-templates/zk": "server={{HOST}}:{{PORT}}\n{{#EMPTY}}x{{/EMPTY}}"},
			templates: []Template{{Name: "ZK", Src: "config-templates/zk", Dest: "zk/conf/deep/zoo.cfg"}},
			want:      map[string]string{"zk/conf/deep/zoo.cfg": "server=zk-0:2181\n"},
			rendered:  []string{"rendered config-templates/zk -> zk/conf/deep/zoo.cfg (17 bytes)"},
		},
		{
			name:      "raw values, no HTML escaping",
			files:     map[string]string{"t": "{{RAW}}|{{{RAW}}}|{{&RAW}}"},
			templates: []Template{{Name: "T", Src: "t", Dest: "out"}},
			want:      map[string]string{"out": `a&b<c>"'|a&b<c>"'|a&b<c>"'`},
			rendered:  []string{"rendered t -> out (26 bytes)"},
		},
		{
			name:      "absolute destination",
			files:     map[string]string{"t": "{{HOST}}"},
			templates: []Template{{Name: "T", Src: "t", Dest: filepath.Join(abs, "a", "out")}},
			want:      map[string]string{filepath.Join(abs, "a", "out"): "zk-0"},
			rendered:  []string{"rendered t -> " + filepath.Join(abs, "a", "out") + " (4 bytes)"},
		},
		{
			name: "every missing variable reported, failing templates not written",
			files: map[string]string{
				"config-templates/a": "host={{HOST}}\nx={{NOPE}} y={{ALSO_NOPE}}\n",
				"config-templates/b": "ok={{PORT}}",
				"config-templates/c": "  {{NOPE}}",
				"c.conf":             "old",
			},
			templates: []Template{
				{Name: "A", Src: "config-templates/a", Dest: "a.conf"},
				{Name: "B", Src: "config-templates/b", Dest: "b.conf"},
				{Name: "C", Src: "config-templates/c", Dest: "c.conf"},
			},
			want:     map[string]string{"a.conf": "", "b.conf": "ok=2181", "c.conf": "old"},
			rendered: []string{"rendered config-templates/b -> b.conf (7 bytes)"},
			wantErr: []string{
				"config-templates/a:2:3: NOPE: not set in the task environment",
				"config-templates/a:2:14: ALSO_NOPE: not set in the task environment",
				"config-templates/c:1:3: NOPE: not set in the task environment",
			},
			wantIs: ErrMissing,
		},
		{
			name:      "syntax error",
			files:     map[string]string{"t": "a\nb {{HOST"},
			templates: []Template{{Name: "T", Src: "t", Dest: "out"}},
			want:      map[string]string{"out": ""},
			wantErr:   []string{`t:2:3: tag opened with "{{" is never closed`},
			wantIs:    mustache.ErrSyntax,
		},
		{
			name:      "template file missing",
			templates: []Template{{Name: "T", Src: "nope", Dest: "out"}},
			want:      map[string]string{"out": ""},
			wantErr:   []string{"CONFIG_TEMPLATE_T: read template:"},
			wantIs:    fs.ErrNotExist,
		},
		{
			name:      "destination is a directory",
			files:     map[string]string{"t": "x", "out/keep": ""},
			templates: []Template{{Name: "T", Src: "t", Dest: "out"}},
			wantErr:   []string{"CONFIG_TEMPLATE_T: write out:", "is not a regular file"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tc.files {
				writeTestFile(t, filepath.Join(dir, name), content, 0o644)
			}
			rendered, err := Render(dir, tc.templates, env)
			if !reflect.DeepEqual(rendered, tc.rendered) {
				t.Errorf("rendered = %q, want %q", rendered, tc.rendered)
			}
			if tc.wantErr == nil && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tc.wantErr != nil && err == nil {
				t.Fatalf("no error, want %q", tc.wantErr)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("error %v does not wrap %v", err, tc.wantIs)
			}
			if n := len(tc.wantErr); n > 0 && tc.wantIs == ErrMissing && strings.Count(err.Error(), "\n")+1 != n {
				t.Errorf("want %d error lines, got:\n%v", n, err)
			}
			for name, want := range tc.want {
				got, err := os.ReadFile(resolve(dir, name))
				switch {
				case want == "" && !errors.Is(err, fs.ErrNotExist):
					t.Errorf("%s: exists (%q, %v), want it not written", name, got, err)
				case want != "" && string(got) != want:
					t.Errorf("%s = %q (%v), want %q", name, got, err, want)
				}
			}
			checkNoTempFiles(t, dir)
		})
	}
}

func TestRenderModes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		existing fs.FileMode // 0: no destination yet
		want     fs.FileMode
	}{
		{name: "new file", want: 0o644},
		{name: "existing 0600 kept", existing: 0o600, want: 0o600},
		{name: "existing 0755 kept", existing: 0o755, want: 0o755},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTestFile(t, filepath.Join(dir, "t"), "v={{V}}", 0o644)
			dest := filepath.Join(dir, "conf", "out")
			if tc.existing != 0 {
				writeTestFile(t, dest, "old contents", tc.existing)
			}
			if _, err := Render(dir, []Template{{Name: "T", Src: "t", Dest: "conf/out"}}, map[string]string{"V": "1"}); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(dest)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode(); got != tc.want {
				t.Errorf("mode = %v, want %v", got, tc.want)
			}
			if got, _ := os.ReadFile(dest); string(got) != "v=1" {
				t.Errorf("contents = %q, want %q", got, "v=1")
			}
		})
	}
}

// writeTestFile writes content to path with exactly mode, creating parents.
func writeTestFile(t *testing.T, path, content string, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // WriteFile's mode is umasked
		t.Fatal(err)
	}
}

// checkNoTempFiles fails if writeFile left a temporary file under dir.
func checkNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
