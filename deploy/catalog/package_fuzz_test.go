package catalog

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary package.json and resource.json files to Load,
// beside the hello-world package's config.json and template, and what
// loads to Defaults and Definition: none of them may panic, and a package
// that loads names itself. (Options and rendering are FuzzRender's.)
func FuzzLoad(f *testing.F) {
	dir := examplePackages[0]
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	config, template := read(ConfigFile), read(TemplateFile)
	f.Add(read(PackageFile), read(ResourceFile))
	f.Add([]byte(`{"name":"p","version":"1","packagingVersion":"4.0"}`), []byte(`null`))
	f.Add([]byte(`{"name":"p","version":"1","packagingVersion":"4.0","x":[1e999]}`), []byte(`{"assets":{"uris":{"a":"{{artifact-dir}}/a"}}}`))
	f.Add([]byte(`{"name":"","version":1}`), []byte(`[]`))
	f.Fuzz(func(t *testing.T, manifest, resource []byte) {
		dir := t.TempDir()
		files := map[string][]byte{PackageFile: manifest, ConfigFile: config, TemplateFile: template}
		if len(resource) > 0 {
			files[ResourceFile] = resource
		}
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		p, err := Load(dir)
		if err != nil {
			return
		}
		if p.Name == "" || p.Version == "" {
			t.Fatalf("a package loaded without a name or version: %q %q", p.Name, p.Version)
		}
		p.SetArtifactDir("http://artifacts/")
		_ = p.NeedsArtifactDir()
		_ = p.Defaults()
		_ = p.Definition(1)
	})
}
