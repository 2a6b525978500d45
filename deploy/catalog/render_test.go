package catalog

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func mustObject(t *testing.T, s string) map[string]any {
	t.Helper()
	obj, err := DecodeObject([]byte(s))
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return obj
}

// testPackage is a package with the given config.json and template, and a
// resource.json with one URI.
func testPackage(t *testing.T, config, template string) *Package {
	t.Helper()
	p := &Package{
		Name: "test", Version: "1.0.0",
		Manifest: mustObject(t, `{"packagingVersion": "4.0", "name": "test", "version": "1.0.0", "maintainer": "m", "description": "d", "tags": []}`),
		Resource: mustObject(t, `{"assets": {"uris": {"bin-tgz": "https://example.com/bin.tgz"}}}`),
		Template: template,
	}
	if config != "" {
		p.Config = mustObject(t, config)
	}
	return p
}

func TestDefaults(t *testing.T) {
	tests := []struct {
		name, config, want string
	}{
		{"flat", `{"properties": {"a": {"default": 1}, "b": {"type": "string"}}}`, `{"a": 1}`},
		{"nested", `{"properties": {"s": {"properties": {"n": {"default": "x"}, "m": {"type": "integer"}}}}}`, `{"s": {"n": "x"}}`},
		{"object default wins over its properties", `{"properties": {"s": {"default": {"k": 1}, "properties": {"k": {"default": 2}, "j": {"default": 3}}}}}`, `{"s": {"k": 1}}`},
		{"empty nested dropped", `{"properties": {"s": {"properties": {"m": {"type": "integer"}}}}}`, `{}`},
		{"null, false and empty defaults kept", `{"properties": {"a": {"default": null}, "b": {"default": false}, "c": {"default": ""}, "d": {"default": []}}}`, `{"a": null, "b": false, "c": "", "d": []}`},
		{"items, oneOf and $ref not collected", `{"properties": {"l": {"items": {"properties": {"x": {"default": 1}}}}, "o": {"oneOf": [{"default": 2}]}, "r": {"$ref": "#/definitions/d"}}, "definitions": {"d": {"default": 3}}}`, `{}`},
		{"no properties", `{"type": "object"}`, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPackage(t, tt.config, "{}")
			if got, want := p.Defaults(), mustObject(t, tt.want); !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestDeepMerge(t *testing.T) {
	tests := []struct {
		name, base, over, want string
	}{
		{"objects merge", `{"s": {"a": 1, "b": 2}}`, `{"s": {"b": 3, "c": 4}}`, `{"s": {"a": 1, "b": 3, "c": 4}}`},
		{"arrays replaced", `{"l": [1, 2, 3]}`, `{"l": [4]}`, `{"l": [4]}`},
		{"scalar replaces object", `{"s": {"a": 1}}`, `{"s": 5}`, `{"s": 5}`},
		{"object replaces scalar", `{"s": 5}`, `{"s": {"a": 1}}`, `{"s": {"a": 1}}`},
		{"null replaces", `{"s": {"a": 1}}`, `{"s": null}`, `{"s": null}`},
		{"deep", `{"a": {"b": {"c": 1, "d": 2}}}`, `{"a": {"b": {"d": 3}}}`, `{"a": {"b": {"c": 1, "d": 3}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, over := mustObject(t, tt.base), mustObject(t, tt.over)
			baseCopy := mustObject(t, tt.base)
			if got, want := DeepMerge(base, over), mustObject(t, tt.want); !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if !reflect.DeepEqual(base, baseCopy) {
				t.Errorf("base was modified: %v", base)
			}
		})
	}
}

// render renders template with a permissive config whose defaults are
// config, the options given, and returns the rendered app as compact JSON.
func renderWith(t *testing.T, config, options, template string) (string, error) {
	t.Helper()
	p := testPackage(t, config, template)
	var opts map[string]any
	if options != "" {
		opts = mustObject(t, options)
	}
	r, err := p.Render(Request{Options: opts, Source: "src"})
	if err != nil {
		return "", err
	}
	for _, l := range []string{LabelPackageDefinition, LabelPackageOptions, LabelPackageSource, LabelPackageName, LabelPackageVersion} {
		delete(r.App["labels"].(map[string]any), l)
	}
	if len(r.App["labels"].(map[string]any)) == 0 {
		delete(r.App, "labels")
	}
	out, err := compactJSON(r.App)
	if err != nil {
		t.Fatal(err)
	}
	return string(out), nil
}

func TestRenderCosmosSemantics(t *testing.T) {
	const cfg = `{"type": "object", "properties": {
		"s": {"type": "string", "default": "plain"},
		"n": {"type": "number", "default": 1.0},
		"i": {"type": "integer", "default": 0},
		"b": {"type": "boolean", "default": false},
		"l": {"type": "array", "default": []},
		"o": {"type": "object", "properties": {"k": {"type": "string", "default": "v"}}},
		"z": {"default": null},
		"j": {"type": "string", "default": "[1, {\"a\": \"b\"}]"}}}`
	tests := []struct {
		name, options, template, want string
	}{
		{"string", ``, `{"x": "{{s}}"}`, `{"x":"plain"}`},
		{"quote and backslash JSON-escaped", `{"s": "a\"b\\c"}`, `{"x": "{{s}}"}`, `{"x":"a\"b\\c"}`},
		{"newline and tab JSON-escaped", `{"s": "a\nb\tc"}`, `{"x": "{{s}}"}`, `{"x":"a\nb\tc"}`},
		{"control character as \\u", `{"s": "a\u0001b"}`, `{"x": "{{s}}"}`, `{"x":"a\u0001b"}`},
		{"no HTML escaping", `{"s": "<a href='x'>&amp;</a>"}`, `{"x": "{{s}}"}`, `{"x":"<a href='x'>&amp;</a>"}`},
		{"triple mustache is the same", `{"s": "a\"b"}`, `{"x": "{{{s}}}", "y": "{{&s}}"}`, `{"x":"a\"b","y":"a\"b"}`},
		{"non-ASCII kept", `{"s": "héllo ✓"}`, `{"x": "{{s}}"}`, `{"x":"héllo ✓"}`},
		{"integral number as integer", ``, `{"x": {{n}}}`, `{"x":1}`},
		{"exponent integral", `{"n": 1e3}`, `{"x": {{n}}}`, `{"x":1000}`},
		{"fraction as Java double", `{"n": 0.50}`, `{"x": {{n}}}`, `{"x":0.5}`},
		{"tiny as Java double", `{"n": 0.00001}`, `{"x": "{{n}}"}`, `{"x":"1.0E-5"}`},
		{"boolean", `{"b": true}`, `{"x": {{b}}}`, `{"x":true}`},
		{"null renders empty", ``, `{"x": "{{z}}"}`, `{"x":""}`},
		{"missing renders empty", ``, `{"x": "{{nope.nothing}}"}`, `{"x":""}`},
		{"list of strings as Java prints it", `{"l": [["hostname", "UNIQUE"]]}`, `{"x": {{l}}}`, `{"x":[["hostname","UNIQUE"]]}`},
		{"list of scalars", `{"l": ["a", 1, 2.5, true, null]}`, `{"x": {{l}}}`, `{"x":["a",1,2.5,true,null]}`},
		{"empty list", ``, `{"x": {{l}}}`, `{"x":[]}`},
		{"object inside a list is not JSON", `{"l": [{"k": "v"}]}`, `{"x": "{{l}}"}`, `{"x":"[{k=v}]"}`},
		{"dotted name", ``, `{"x": "{{o.k}}"}`, `{"x":"v"}`},
		{"resource merged", ``, `{"x": "{{resource.assets.uris.bin-tgz}}"}`, `{"x":"https://example.com/bin.tgz"}`},
		{"resource wins over options", `{"resource": {"assets": {"uris": {"bin-tgz": "evil", "extra": "kept"}}}}`,
			`{"x": "{{resource.assets.uris.bin-tgz}}", "y": "{{resource.assets.uris.extra}}"}`, `{"x":"https://example.com/bin.tgz","y":"kept"}`},
		{"false section", ``, `{ {{#b}}"x": 1,{{/b}} "y": 2}`, `{"y":2}`},
		{"true section", `{"b": true}`, `{ {{#b}}"x": 1,{{/b}} "y": 2}`, `{"x":1,"y":2}`},
		{"zero is truthy", ``, `{ {{#i}}"x": {{i}},{{/i}} "y": 2}`, `{"x":0,"y":2}`},
		{"empty string is falsey", `{"s": ""}`, `{ {{#s}}"x": 1,{{/s}} "y": 2}`, `{"y":2}`},
		{"non-empty string is truthy", ``, `{ {{#s}}"x": "{{s}}",{{/s}} "y": 2}`, `{"x":"plain","y":2}`},
		{"null is falsey", ``, `{ {{#z}}"x": 1,{{/z}} "y": 2}`, `{"y":2}`},
		{"missing is falsey", ``, `{ {{#nope}}"x": 1,{{/nope}} "y": 2}`, `{"y":2}`},
		{"empty list is falsey", ``, `{ {{#l}}"x": 1,{{/l}} "y": 2}`, `{"y":2}`},
		{"list section iterates with quoted strings", `{"l": ["a", "b"]}`, `{"x": [{{#l}}{{.}},{{/l}} "end"]}`, `{"x":["a","b","end"]}`},
		{"object section pushes scope", ``, `{ {{#o}}"x": "{{k}}",{{/o}} "y": 2}`, `{"x":"v","y":2}`},
		{"asJson inserts a string option raw", ``, `{"x": {{#asJson}}j{{/asJson}}, "y": "{{j}}"}`, `{"x":[1,{"a":"b"}],"y":"[1, {\"a\": \"b\"}]"}`},
		{"asJson of a non-string is null", ``, `{"x": {{#asJson}}n{{/asJson}}, "y": {{#asJson}}o{{/asJson}}}`, `{"x":null,"y":null}`},
		{"asJson of a missing or dotted name is null", ``, `{"x": {{#asJson}}nope{{/asJson}}, "y": {{#asJson}}o.k{{/asJson}}}`, `{"x":null,"y":null}`},
		{"asJson inside a section", `{"b": true}`, `{ {{#b}}"x": {{# asJson }}j{{/ asJson }},{{/b}} "y": 1}`, `{"x":[1,{"a":"b"}],"y":1}`},
		{"inverted section", ``, `{ {{^b}}"x": 1,{{/b}} "y": 2}`, `{"x":1,"y":2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := renderWith(t, cfg, tt.options, tt.template)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	const cfg = `{"type": "object", "properties": {"s": {"type": "string", "default": "x"}, "l": {"type": "array", "default": [{"a": 1}]}}}`
	tests := []struct {
		name, config, options, template string
		want                            error
		wantText                        string
	}{
		{"not JSON", cfg, ``, `{"x": {{s}}}`, ErrBadApp, "invalid JSON"},
		{"not an object", cfg, ``, `["{{s}}"]`, ErrBadApp, "an array"},
		{"labels not an object", cfg, ``, `{"labels": "{{s}}"}`, ErrBadApp, "labels is a string"},
		{"label not a string", cfg, ``, `{"labels": {"a": 1}}`, ErrBadApp, "label a is a number"},
		{"object in a list is not JSON", cfg, ``, `{"x": {{l}}}`, ErrBadApp, "invalid JSON"},
		{"options without config", ``, `{"a": 1}`, `{}`, ErrOptionsNotAllowed, ""},
		{"no template", cfg, ``, ``, ErrNoTemplate, ""},
		{"asJson of a string that is not JSON", cfg, `{"s": "not json"}`, `{"x": {{#asJson}}s{{/asJson}}}`, ErrBadApp, "invalid JSON"},
		{"template syntax", cfg, ``, `{"x": "{{#s}}"}`, nil, "parsing marathon.json.mustache"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := renderWith(t, tt.config, tt.options, tt.template)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v is not %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not mention %q", err, tt.wantText)
			}
		})
	}
}

func TestBadOptionsReportEveryErrorWithItsPath(t *testing.T) {
	pkg, err := Load("../../examples/hello-world/package")
	if err != nil {
		t.Fatal(err)
	}
	opts := mustObject(t, `{
		"service": {"name": "Bad_Name", "mem": 1, "colour": "red", "verbose": "yes"},
		"hello": {"count": 0, "cpus": 0, "deploy_strategy": "random", "placement": 3},
		"extra": {}}`)
	_, err = pkg.Render(Request{Options: opts})
	var oe *OptionsError
	if !errors.As(err, &oe) {
		t.Fatalf("error %v is not an *OptionsError", err)
	}
	var paths []string
	for _, e := range oe.Errors {
		paths = append(paths, e.Path)
		if e.Message == "" {
			t.Errorf("%s: empty message", e.Path)
		}
	}
	want := []string{"extra", "hello.count", "hello.cpus", "hello.deploy_strategy", "hello.placement",
		"service.colour", "service.mem", "service.name", "service.verbose"}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Errorf("paths %v, want %v\n%v", paths, want, err)
	}
	for _, frag := range []string{
		"hello.count: must be >= 1, got 0",
		"hello.cpus: must be > 0, got 0",
		`hello.deploy_strategy: must be one of "serial", "parallel", got "random"`,
		"hello.placement: must be of type string, got number",
		"service.colour: unknown option",
		"service.mem: must be >= 64, got 1",
	} {
		if !strings.Contains(err.Error(), frag) {
			t.Errorf("error does not say %q:\n%v", frag, err)
		}
	}

	// A required option set to null is missing from the merged options.
	_, err = pkg.Render(Request{Options: mustObject(t, `{"hello": null}`)})
	if !errors.As(err, &oe) || len(oe.Errors) != 1 || oe.Errors[0].Path != "hello" {
		t.Errorf("hello: null: got %v", err)
	}
}

func TestOptionsMergeOverDefaults(t *testing.T) {
	pkg, err := Load("../../examples/kafka/package/1")
	if err != nil {
		t.Fatal(err)
	}
	r, err := pkg.Render(Request{Options: mustObject(t, `{"brokers": {"heap": {"size": 512}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	env := r.App["env"].(map[string]any)
	if env["BROKER_JAVA_HEAP_MB"] != "512" || env["BROKER_COUNT"] != "3" || env["BROKER_MEM"] != "2048" {
		t.Errorf("env = %v", env)
	}
}

func TestDefinitionLabel(t *testing.T) {
	pkg, err := Load("../../examples/hello-world/package")
	if err != nil {
		t.Fatal(err)
	}
	user := mustObject(t, `{"hello": {"count": 3, "greeting": "<hi>"}}`)
	r, err := pkg.Render(Request{Options: user, Source: "https://repo.example/universe", AppID: "/dev/hello"})
	if err != nil {
		t.Fatal(err)
	}
	if r.App["id"] != "/dev/hello" {
		t.Errorf("id = %v, want the request's AppID", r.App["id"])
	}
	labels := r.App["labels"].(map[string]any)
	if labels[LabelPackageName] != "hello-world" || labels[LabelPackageVersion] != "0.1.0" || labels[LabelPackageSource] != "https://repo.example/universe" {
		t.Errorf("labels = %v", labels)
	}
	// The options label holds the user's options only, without nulls.
	opts, err := base64.StdEncoding.DecodeString(labels[LabelPackageOptions].(string))
	if err != nil {
		t.Fatal(err)
	}
	if string(opts) != `{"hello":{"count":3,"greeting":"<hi>"}}` {
		t.Errorf("options label = %s", opts)
	}
	raw, err := base64.StdEncoding.DecodeString(labels[LabelPackageDefinition].(string))
	if err != nil {
		t.Fatal(err)
	}
	var envelope struct {
		Metadata map[string]string `json:"metadata"`
		Data     []byte            `json:"data"`
	}
	if err := json.Unmarshal(raw, &envelope); err != nil {
		t.Fatal(err)
	}
	if envelope.Metadata["Content-Encoding"] != "gzip" || !strings.HasPrefix(envelope.Metadata["Content-Type"], "application/vnd.dcos.universe.package+json") {
		t.Errorf("metadata = %v", envelope.Metadata)
	}
	zr, err := gzip.NewReader(bytes.NewReader(envelope.Data))
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	def := mustObject(t, string(data))
	tmpl, _ := base64.StdEncoding.DecodeString(def["marathon"].(map[string]any)["v2AppMustacheTemplate"].(string))
	if def["name"] != "hello-world" || def["packagingVersion"] != "4.0" || string(tmpl) != pkg.Template ||
		!reflect.DeepEqual(def["config"], pkg.Config) || !reflect.DeepEqual(def["resource"], pkg.Resource) {
		t.Errorf("definition = %s", data)
	}
}

func TestWithoutResourceOrConfig(t *testing.T) {
	p := testPackage(t, "", `{"r": "{{#resource}}yes{{/resource}}"}`)
	p.Resource = nil
	r, err := p.Render(Request{})
	if err != nil {
		t.Fatal(err)
	}
	if r.App["r"] != "" {
		t.Errorf("without resource.json the template sees resource = %q", r.App["r"])
	}
	// Cosmos validates only non-empty options: a config.json that requires
	// a property without a default accepts no options at all.
	p = testPackage(t, `{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}`, `{"a": "{{a}}"}`)
	if _, err := p.Render(Request{}); err != nil {
		t.Errorf("no options: %v", err)
	}
	if _, err := p.Render(Request{Options: mustObject(t, `{"b": 1}`)}); err == nil {
		t.Error("options without the required a: no error")
	}
}

func TestTemplateLabelsCannotOverrideCosmosLabels(t *testing.T) {
	p := testPackage(t, "", `{"labels": {"DCOS_PACKAGE_NAME": "fake", "MINE": "kept"}}`)
	r, err := p.Render(Request{Source: "s"})
	if err != nil {
		t.Fatal(err)
	}
	labels := r.App["labels"].(map[string]any)
	if labels["DCOS_PACKAGE_NAME"] != "test" || labels["MINE"] != "kept" || labels[LabelPackageOptions] != "e30=" {
		t.Errorf("labels = %v", labels)
	}
}

func TestOptionsLabelDropsNulls(t *testing.T) {
	p := testPackage(t, `{"properties": {"a": {}}}`, `{}`)
	r, err := p.Render(Request{Options: mustObject(t, `{"a": null, "b": {"c": null, "d": [null, 1]}}`)})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := base64.StdEncoding.DecodeString(r.App["labels"].(map[string]any)[LabelPackageOptions].(string))
	if string(got) != `{"b":{"d":[null,1]}}` {
		t.Errorf("options label = %s", got)
	}
}

func TestFormatValueAsJava(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"a\"b"`, `a\"b`},
		{`[["hostname", "UNIQUE"]]`, `[["hostname", "UNIQUE"]]`},
		{`["a", 1, 2.5, true, null, []]`, `["a", 1, 2.5, true, null, []]`},
		{`[{"k": "v\n", "j": [1]}]`, `[{j=[1], k=v\n}]`},
		{`{"b": 1, "a": "x"}`, `{a=x, b=1}`},
		{`null`, ``},
		{`false`, `false`},
	}
	for _, tt := range tests {
		v, err := DecodeJSON([]byte(tt.in))
		if err != nil {
			t.Fatal(err)
		}
		if got := formatValue(mustacheContext(v)); got != tt.want {
			t.Errorf("%s prints %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestJavaNumbers(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0", "0"}, {"-3", "-3"}, {"1.0", "1"}, {"1e3", "1000"}, {"2.50", "2.5"}, {"0.1", "0.1"},
		{"123456789012345678901234567890", "123456789012345678901234567890"},
		{"0.001", "0.001"}, {"0.0001", "1.0E-4"}, {"1234567.5", "1234567.5"}, {"12345678.5", "1.23456785E7"},
		{"-0.5", "-0.5"}, {"1e500", "1" + strings.Repeat("0", 500)}, {"1.5e-500", "0.0"}, {"1e20000", "Infinity"}, {"3000000000", "3000000000"},
	}
	for _, tt := range tests {
		if got := javaNumber(tt.in); got != tt.want {
			t.Errorf("javaNumber(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no package.json", map[string]string{}, "package.json"},
		{"packaging 3.0", map[string]string{PackageFile: `{"packagingVersion": "3.0", "name": "a", "version": "1"}`}, "packagingVersion"},
		{"no name", map[string]string{PackageFile: `{"packagingVersion": "4.0", "version": "1"}`}, `"name"`},
		{"config not JSON", map[string]string{PackageFile: `{"packagingVersion": "4.0", "name": "a", "version": "1"}`, ConfigFile: `{`}, "config.json"},
		{"resource not an object", map[string]string{PackageFile: `{"packagingVersion": "4.0", "name": "a", "version": "1"}`, ResourceFile: `[]`}, "resource.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, text := range tt.files {
				writeFile(t, dir, name, text)
			}
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v does not mention %q", err, tt.want)
			}
		})
	}
}

func TestClusterOptionsLieUnderTheUsersAndAreNotRecorded(t *testing.T) {
	pkg, err := Load("../../examples/hello-world/package")
	if err != nil {
		t.Fatal(err)
	}
	r, err := pkg.Render(Request{
		ClusterOptions: mustObject(t, `{"service": {"mesos_master": "http://127.0.0.1:5050", "state": "file:///data/hello"}}`),
		Options:        mustObject(t, `{"service": {"state": "zk://zk:2181/kennel"}}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	env := r.App["env"].(map[string]any)
	if env["MESOS_MASTER"] != "http://127.0.0.1:5050" || env["KENNEL_STATE"] != "zk://zk:2181/kennel" {
		t.Errorf("env = %v: want the cluster's master and the user's state", env)
	}
	opts, _ := base64.StdEncoding.DecodeString(r.App["labels"].(map[string]any)[LabelPackageOptions].(string))
	if string(opts) != `{"service":{"state":"zk://zk:2181/kennel"}}` {
		t.Errorf("options label = %s: want the user's options only", opts)
	}
}

func TestSetArtifactDir(t *testing.T) {
	p := &Package{Resource: mustObject(t, `{"assets": {"uris": {"a": "{{artifact-dir}}/a", "b": "https://x/b"}}, "images": {"screenshots": ["{{artifact-dir}}/s.png"]}}`)}
	if !p.NeedsArtifactDir() {
		t.Fatal("NeedsArtifactDir = false before SetArtifactDir")
	}
	p.SetArtifactDir("file:///cache/hello/")
	want := mustObject(t, `{"assets": {"uris": {"a": "file:///cache/hello/a", "b": "https://x/b"}}, "images": {"screenshots": ["file:///cache/hello/s.png"]}}`)
	if !reflect.DeepEqual(p.Resource, want) || p.NeedsArtifactDir() {
		t.Errorf("resource = %v", p.Resource)
	}
}
