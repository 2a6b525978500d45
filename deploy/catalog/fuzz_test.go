package catalog

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func writeFile(t testing.TB, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// FuzzRender feeds arbitrary options files to both example packages: the
// options parser and the renderer must never panic, and whatever renders is
// a JSON object carrying Cosmos's labels.
func FuzzRender(f *testing.F) {
	var pkgs []*Package
	for _, dir := range examplePackages {
		p, err := Load(dir)
		if err != nil {
			f.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	for _, v := range variants {
		for _, o := range v {
			f.Add([]byte(o.options))
		}
	}
	for _, s := range []string{``, `[]`, `null`, `{"hello": {"count": 1e400}}`, `{"service": {"name": "a\u0000b"}}`,
		`{"hello": {"greeting": "}}{{"}}`, `{"brokers": {"cpus": 1e-320}}`, `{"service": {"cpus": 1e401, "mem": 1e401}}`, `{"service": {"constraints": [[{"a": 1}, "x"]]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		opts, err := ParseOptions(data)
		if err != nil {
			return
		}
		for _, p := range pkgs {
			r, err := p.Render(Request{Options: opts, Source: "fuzz"})
			var oe *OptionsError
			switch {
			case errors.As(err, &oe):
				if len(oe.Errors) == 0 {
					t.Fatal("an OptionsError without errors")
				}
				continue
			case err != nil:
				// Valid options must render a valid app.
				t.Fatalf("%s: valid options %s did not render: %v", p.Name, data, err)
			}
			labels, _ := r.App["labels"].(map[string]any)
			if labels[LabelPackageName] != p.Name {
				t.Fatalf("%s: labels %v", p.Name, labels)
			}
			if _, err := r.JSON(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
