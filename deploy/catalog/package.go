package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The files of a package directory.
const (
	PackageFile  = "package.json"
	ConfigFile   = "config.json"
	ResourceFile = "resource.json"
	TemplateFile = "marathon.json.mustache"
)

// PackagingVersion is the packaging version Kennel's packages use and the
// only one Load accepts: 4.0, as DC/OS Commons emits (5.0 only adds the
// optional manager field; 2.0 and 3.0 carry command.json).
const PackagingVersion = "4.0"

// Package is one version of a catalog package, read from its directory.
// JSON values are decoded as by DecodeJSON: numbers are json.Number, so that
// they print exactly as written.
type Package struct {
	// Dir is the directory the package was loaded from.
	Dir string
	// Name and Version are package.json's name and version.
	Name, Version string
	// Manifest is the whole package.json.
	Manifest map[string]any
	// Config is config.json, the options schema; nil when the package has
	// none (then it takes no options).
	Config map[string]any
	// Resource is resource.json; nil when the package has none (then the
	// template sees no "resource").
	Resource map[string]any
	// Template is marathon.json.mustache; "" when the package has none.
	Template string
}

// Load reads the package in dir. package.json is required and must name the
// package, its version and packaging version 4.0; the other files are
// optional. Load checks that the files are JSON objects, not that they
// follow the Universe schemas (the tests do that for Kennel's packages).
func Load(dir string) (*Package, error) {
	p := &Package{Dir: dir}
	var err error
	if p.Manifest, err = readObject(dir, PackageFile, true); err != nil {
		return nil, err
	}
	for key, dst := range map[string]*string{"name": &p.Name, "version": &p.Version} {
		s, ok := p.Manifest[key].(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("%s: %q must be a non-empty string", filepath.Join(dir, PackageFile), key)
		}
		*dst = s
	}
	if v := p.Manifest["packagingVersion"]; v != PackagingVersion {
		return nil, fmt.Errorf("%s: packagingVersion is %v, want %q", filepath.Join(dir, PackageFile), v, PackagingVersion)
	}
	if p.Config, err = readObject(dir, ConfigFile, false); err != nil {
		return nil, err
	}
	if p.Resource, err = readObject(dir, ResourceFile, false); err != nil {
		return nil, err
	}
	tmpl, err := os.ReadFile(filepath.Join(dir, TemplateFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("reading package: %w", err)
	default:
		p.Template = string(tmpl)
	}
	return p, nil
}

// readObject reads dir/name as a JSON object. A missing optional file gives
// nil and no error.
func readObject(dir, name string, required bool) (map[string]any, error) {
	path := filepath.Join(dir, name)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading package: %w", err)
	}
	obj, err := DecodeObject(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return obj, nil
}

// DecodeJSON decodes one JSON value, numbers as json.Number. Trailing data
// after the value is an error.
func DecodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("invalid JSON: data after the top-level value")
	}
	return v, nil
}

// DecodeObject decodes a JSON object, as DecodeJSON.
func DecodeObject(data []byte) (map[string]any, error) {
	v, err := DecodeJSON(data)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a JSON object, got %s", jsonType(v))
	}
	return obj, nil
}

// jsonType names the JSON type of a decoded value, for messages.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// ArtifactDirVariable is the build-time variable of DC/OS Commons' package
// builder that stands for where a package's artifacts are published. A
// source package's resource.json names its artifacts under it
// ("{{artifact-dir}}/kennel-linux-amd64"); SetArtifactDir fills it in.
const ArtifactDirVariable = "{{artifact-dir}}"

// SetArtifactDir replaces ArtifactDirVariable in every string of
// resource.json by url, without its trailing slashes, as DC/OS Commons'
// package builder does when it publishes a package.
func (p *Package) SetArtifactDir(url string) {
	url = strings.TrimRight(url, "/")
	if p.Resource != nil {
		p.Resource = replaceStrings(p.Resource, ArtifactDirVariable, url).(map[string]any)
	}
}

// NeedsArtifactDir reports whether resource.json still names
// ArtifactDirVariable.
func (p *Package) NeedsArtifactDir() bool {
	found := false
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			found = found || strings.Contains(x, ArtifactDirVariable)
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(p.Resource)
	return found
}

// replaceStrings returns v with old replaced by new in every string, at
// every depth; v is not modified.
func replaceStrings(v any, old, new string) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(x, old, new)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = replaceStrings(e, old, new)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = replaceStrings(e, old, new)
		}
		return out
	}
	return v
}
