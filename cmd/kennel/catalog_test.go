package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// definitionLabel is the gzip-based package definition label, which
// deploy/catalog checks by decoding it; goldens leave it out.
var definitionLabel = regexp.MustCompile(`("DCOS_PACKAGE_DEFINITION": )"[^"]*"`)

func TestPackageRender(t *testing.T) {
	tests := []struct {
		name, golden string
		args         []string
		options      string
	}{
		{"defaults", "package-render-hello-world.golden", nil, ""},
		{"options", "package-render-hello-world-options.golden", []string{"--app-id", "/dev/hello"},
			`{"service": {"name": "hello-2", "role": "hello"}, "hello": {"count": 4, "greeting": "say \"hi\""}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"package", "render", "../../examples/hello-world/package", "--package-source", "https://universe.example/repo",
				"--artifact-dir", "https://downloads.kennel.example/hello-world/0.1.0"}, tt.args...)
			if tt.options != "" {
				path := filepath.Join(t.TempDir(), "options.json")
				if err := os.WriteFile(path, []byte(tt.options), 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, "--options", path)
			}
			out, errOut, code := run(t, args...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d\n%s", code, errOut)
			}
			golden(t, tt.golden, definitionLabel.ReplaceAllString(out, `$1"<checked in deploy/catalog>"`))
		})
	}
}

func TestPackageRenderBadOptions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "options.json")
	if err := os.WriteFile(path, []byte(`{"hello": {"count": 0, "cpus": "lots"}, "service": {"nmae": "x"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "package", "render", "../../examples/hello-world/package", "--artifact-dir", "file:///a", "--options", path)
	if code == 0 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	want := []string{
		path + ": hello.count: must be >= 1, got 0",
		path + ": hello.cpus: must be of type number, got string",
		path + ": service.nmae: unknown option (not in config.json)",
	}
	if got := strings.TrimSpace(errOut); got != strings.Join(want, "\n") {
		t.Errorf("stderr:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}

	for name, text := range map[string]string{"not-json.json": `{"hello":`, "array.json": `[1]`} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, errOut, code := run(t, "package", "render", "../../examples/hello-world/package", "--options", p); code == 0 || out != "" || !strings.Contains(errOut, p) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", name, code, out, errOut)
		}
	}
	if _, errOut, code := run(t, "package", "render", "../../examples/hello-world/package"); code != 0 ||
		!strings.Contains(errOut, "warning: resource.json: {{artifact-dir}} is left as it is") {
		t.Errorf("without --artifact-dir: exit %d, stderr %q", code, errOut)
	}
	if _, errOut, code := run(t, "package", "render", dir); code == 0 || !strings.Contains(errOut, "package.json") {
		t.Errorf("a directory without package.json: exit %d, stderr %q", code, errOut)
	}
}
