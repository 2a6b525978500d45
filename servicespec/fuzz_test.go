package servicespec

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzLoad renders, parses and validates arbitrary specs and environments.
// It must never panic, every error must be located inside the template, and
// every accepted spec must round-trip through its canonical JSON and YAML.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.yml")
	examples, _ := filepath.Glob("../examples/*/svc.yml")
	for _, path := range append(seeds, examples...) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		env, _ := os.ReadFile(strings.TrimSuffix(path, ".yml") + ".env")
		if filepath.Base(path) == "svc.yml" {
			env, _ = os.ReadFile(filepath.Join(filepath.Dir(path), "svc.env"))
		}
		f.Add(string(data), string(env))
	}
	templates := fstest.MapFS{
		"store.conf.mustache":        {Data: []byte("port={{PORT}}\n")},
		"server.properties.mustache": {Data: []byte("node.id={{POD_INSTANCE_INDEX}}\n")},
		"template-ok.mustache":       {Data: []byte("x={{X}}\n")},
	}
	f.Fuzz(func(t *testing.T, text, envText string) {
		env, err := ParseEnvFile("fuzz.env", []byte(envText))
		if err != nil {
			env = nil
		}
		spec, err := Load("fuzz.yml", []byte(text), LoadOptions{Env: env, Templates: templates})
		if err != nil {
			checkErrorPositions(t, text, err)
			return
		}
		canonical := spec.CanonicalJSON()
		for form, data := range map[string][]byte{"json": canonical, "yaml": spec.YAML()} {
			again, err := Decode("canonical", data)
			if err != nil {
				t.Fatalf("canonical %s of an accepted spec is rejected: %v\n%s", form, err, data)
			}
			if !bytes.Equal(again.CanonicalJSON(), canonical) {
				t.Fatalf("canonical %s does not round-trip:\n%s\n%s", form, again.CanonicalJSON(), canonical)
			}
		}
	})
}

func checkErrorPositions(t *testing.T, text string, err error) {
	t.Helper()
	var list ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("error is not a non-empty ErrorList: %T %v", err, err)
	}
	lines := strings.Count(text, "\n") + 1
	for _, e := range list {
		if e.Pos.Line < 1 || e.Pos.Line > lines || e.Pos.Column < 1 || e.Msg == "" {
			t.Fatalf("error outside the template (%d lines): %#v", lines, e)
		}
	}
}
