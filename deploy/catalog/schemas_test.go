package catalog

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// examplePackages are the packages Kennel ships, relative to this directory.
var examplePackages = []string{"../../examples/hello-world/package", "../../examples/kafka/package/1"}

// schemasDir returns the directory of the official DC/OS packaging and
// Marathon schemas: ../shared/schemas beside the repository's root (the
// directory of go.mod), or $KENNEL_SCHEMAS. Without it the test fails when
// $CI is set and is skipped otherwise.
func schemasDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("KENNEL_SCHEMAS"); dir != "" {
		return dir
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
	schemas := filepath.Join(dir, "..", "shared", "schemas")
	if _, err := os.Stat(filepath.Join(schemas, "AppDefinition.json")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the official schemas are missing: %v (CI needs ../shared/schemas beside the clone)", err)
		}
		t.Skipf("the official schemas are not at %s (set KENNEL_SCHEMAS to their directory): %v", schemas, err)
	}
	return schemas
}

// officialSchema compiles one of the official schema files as draft-04
// (see ../shared/schemas/README.md). ref, when set, validates against that
// definition of the file instead of its root.
func officialSchema(t *testing.T, file, ref string) func(any) []OptionError {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(schemasDir(t), file))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := DecodeObject(data)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if ref != "" {
		doc = map[string]any{"definitions": doc["definitions"], "$ref": ref}
	}
	sch, err := compileSchema(file, doc)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return func(v any) []OptionError { return validate(sch, v) }
}

// universeRules are the checks Universe's CI makes beyond the schemas:
// package files are pure ASCII without \uXXXX escapes.
func universeRules(t *testing.T, path string, data []byte) {
	t.Helper()
	for i, b := range data {
		if b > 0x7f {
			t.Errorf("%s: byte %d is not ASCII", path, i)
			break
		}
	}
	if regexp.MustCompile(`\\u[0-9a-fA-F]{4}`).Match(data) {
		t.Errorf(`%s: contains a \uXXXX escape, which Universe's CI rejects`, path)
	}
}

func TestPackagesFollowUniverseSchemas(t *testing.T) {
	checks := []struct {
		file      string
		validator func(any) []OptionError
	}{
		{PackageFile, officialSchema(t, "package-schema.json", "#/definitions/v40Package")},
		{PackageFile, officialSchema(t, "package-schema.json", "")},
		{ConfigFile, officialSchema(t, "config-schema.json", "")},
		{ResourceFile, officialSchema(t, "v3-resource-schema.json", "")},
	}
	for _, dir := range examplePackages {
		for _, c := range checks {
			path := filepath.Join(dir, c.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			universeRules(t, path, data)
			doc, err := DecodeJSON(data)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			for _, e := range c.validator(doc) {
				t.Errorf("%s: %s", path, e)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "command.json")); err == nil {
			t.Errorf("%s: command.json is forbidden in packaging 4.0", dir)
		}
		if _, err := Load(dir); err != nil {
			t.Errorf("Load: %v", err)
		}
	}
}

// variants are the option sets each package is rendered with: its defaults
// and every optional section of its template switched on.
var variants = map[string][]struct {
	name    string
	options string
}{
	"hello-world": {
		{"defaults", `{}`},
		{"role", `{"service": {"role": "slave_public"}}`},
		{"service-account", `{"service": {"service_account": "hello-principal"}}`},
		{"verbose", `{"service": {"verbose": true}}`},
		{"constraints", `{"service": {"constraints": [["hostname", "UNIQUE"], ["rack", "GROUP_BY", "2"]]}}`},
		{"everything", `{"service": {"name": "hello-2", "user": "nobody", "role": "hello", "service_account": "hp", "verbose": true,
			"state": "file:///var/lib/kennel", "constraints": [["hostname", "LIKE", "a.*"]]},
			"hello": {"count": 5, "cpus": 0.25, "greeting": "Hi \"there\"\n<b>&</b>", "placement": "[[\"zone\", \"GROUP_BY\", \"3\"]]", "deploy_strategy": "parallel"}}`},
	},
	"kafka": {
		{"defaults", `{}`},
		{"role", `{"service": {"role": "kafka"}}`},
		{"service-account", `{"service": {"service_account": "kafka-principal"}}`},
		{"verbose", `{"service": {"verbose": true}}`},
		{"constraints", `{"service": {"constraints": [["hostname", "UNIQUE"]]}}`},
		{"tls", `{"service": {"security": {"transport_encryption": {"enabled": true, "allow_plaintext": true}}}, "brokers": {"port_tls": 9093}}`},
		{"everything", `{"service": {"name": "kafka-2", "role": "kafka", "service_account": "kp", "verbose": true, "deploy_strategy": "parallel"},
			"brokers": {"count": 5, "heap": {"size": 2048}, "mem": 4096, "port": 9092, "readiness_check": {"interval": 5}},
			"kafka": {"cluster_id": "AAAAAAAAAAAAAAAAAAAAAA", "min_insync_replicas": 3}}`},
	},
}

func TestRenderedAppsFollowAppDefinition(t *testing.T) {
	appSchema := officialSchema(t, "AppDefinition.json", "")
	for _, dir := range examplePackages {
		pkg, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !pkg.NeedsArtifactDir() {
			t.Errorf("%s: resource.json does not publish its artifacts under %s", dir, ArtifactDirVariable)
		}
		// As DC/OS Commons' package builder publishes it.
		pkg.SetArtifactDir("https://downloads.kennel.example/" + pkg.Name + "/" + pkg.Version + "/")
		if pkg.NeedsArtifactDir() {
			t.Errorf("%s: %s left after SetArtifactDir", dir, ArtifactDirVariable)
		}
		vs := variants[pkg.Name]
		if len(vs) == 0 {
			t.Fatalf("no render variants for package %s", pkg.Name)
		}
		for _, v := range vs {
			t.Run(pkg.Name+"/"+v.name, func(t *testing.T) {
				opts, err := ParseOptions([]byte(v.options))
				if err != nil {
					t.Fatal(err)
				}
				r, err := pkg.Render(Request{Options: opts, Source: "https://universe.example/repo"})
				if err != nil {
					t.Fatal(err)
				}
				if len(r.Missing) > 0 {
					t.Errorf("variables without a value: %v", r.Missing)
				}
				for _, e := range appSchema(r.App) {
					t.Errorf("AppDefinition.json: %s", e)
				}
				checkSchedulerApp(t, r.App)
				out, err := r.JSON()
				if err != nil {
					t.Fatal(err)
				}
				golden(t, pkg.Name+"-"+v.name+".json", stableDefinition(out))
			})
		}
	}
}

// The validators must catch what the official schemas forbid, or the tests
// above prove nothing.
func TestOfficialSchemasReject(t *testing.T) {
	tests := []struct {
		file, ref, doc, path string
	}{
		{"AppDefinition.json", "", `{"id": "x", "role": "r"}`, "role"},
		{"AppDefinition.json", "", `{"id": "x", "labels": {"a": 1}}`, "labels.a"},
		{"AppDefinition.json", "", `{"id": "x", "cmd": "a", "args": ["b"]}`, ""},
		{"package-schema.json", "#/definitions/v40Package", `{"packagingVersion": "4.0", "name": "a", "version": "1", "maintainer": "m", "description": "d", "tags": [], "command": {}}`, "command"},
		{"config-schema.json", "", `{"type": "object", "required": []}`, "required"},
		{"v3-resource-schema.json", "", `{"assets": {"uris": {"a": "b"}, "other": 1}}`, "assets.other"},
	}
	for _, tt := range tests {
		doc, err := DecodeJSON([]byte(tt.doc))
		if err != nil {
			t.Fatal(err)
		}
		errs := officialSchema(t, tt.file, tt.ref)(doc)
		found := false
		for _, e := range errs {
			found = found || e.Path == tt.path
		}
		if !found {
			t.Errorf("%s accepts %s (errors %v, want one at %q)", tt.file, tt.doc, errs, tt.path)
		}
	}
}

// checkSchedulerApp checks the DC/OS Commons scheduler app shape.
func checkSchedulerApp(t *testing.T, app map[string]any) {
	t.Helper()
	labels := app["labels"].(map[string]any)
	for k, want := range map[string]string{
		"MARATHON_SINGLE_INSTANCE_APP": "true", "DCOS_COMMONS_API_VERSION": "v1", "DCOS_COMMONS_UNINSTALL": "true",
		"DCOS_SERVICE_PORT_INDEX": "0", "DCOS_SERVICE_SCHEME": "http",
		"DCOS_SERVICE_NAME": app["id"].(string), "DCOS_PACKAGE_FRAMEWORK_NAME": app["id"].(string),
	} {
		if labels[k] != want {
			t.Errorf("label %s = %v, want %q", k, labels[k], want)
		}
	}
	if app["instances"] != json.Number("1") {
		t.Errorf("instances = %v", app["instances"])
	}
	us := app["upgradeStrategy"].(map[string]any)
	if us["minimumHealthCapacity"] != json.Number("0") || us["maximumOverCapacity"] != json.Number("0") {
		t.Errorf("upgradeStrategy = %v, want 0/0", us)
	}
	hc := app["healthChecks"].([]any)[0].(map[string]any)
	if hc["protocol"] != "MESOS_HTTP" || hc["path"] != "/v1/health" || hc["portIndex"] != json.Number("0") {
		t.Errorf("health check = %v", hc)
	}
	ports := app["portDefinitions"].([]any)
	if len(ports) != 1 || ports[0].(map[string]any)["name"] != "api" {
		t.Errorf("portDefinitions = %v, want one port named api (PORT_API)", ports)
	}
	env := app["env"].(map[string]any)
	if env["SERVICE_NAME"] != app["id"] || env["FRAMEWORK_NAME"] != app["id"] {
		t.Errorf("env SERVICE_NAME/FRAMEWORK_NAME = %v/%v, want the app id %v", env["SERVICE_NAME"], env["FRAMEWORK_NAME"], app["id"])
	}
}

// stableDefinition replaces the DCOS_PACKAGE_DEFINITION label (gzip output,
// checked by TestDefinitionLabel) so that goldens do not depend on the
// compressor.
func stableDefinition(out []byte) string {
	re := regexp.MustCompile(`("DCOS_PACKAGE_DEFINITION": )"[^"]*"`)
	return string(re.ReplaceAll(out, []byte(`$1"<see TestDefinitionLabel>"`)))
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal([]byte(got), want) {
		t.Errorf("%s differs (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
