package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/servicespec"
)

// The rendered app's environment alone (svc.env left out) must render the
// package's ServiceSpec: every variable of svc.yml reaches the scheduler
// from an option, and the options land where they should.
func TestRenderedEnvRendersTheSpec(t *testing.T) {
	for _, dir := range examplePackages {
		pkg, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		specDir := filepath.Dir(dir)
		if filepath.Base(specDir) == "package" { // <service>/package/<N>/
			specDir = filepath.Dir(specDir)
		}
		specFile := filepath.Join(specDir, "svc.yml")
		data, err := os.ReadFile(specFile)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range variants[pkg.Name] {
			t.Run(pkg.Name+"/"+v.name, func(t *testing.T) {
				opts, err := ParseOptions([]byte(v.options))
				if err != nil {
					t.Fatal(err)
				}
				r, err := pkg.Render(Request{Options: opts})
				if err != nil {
					t.Fatal(err)
				}
				env := map[string]string{}
				for k, val := range r.App["env"].(map[string]any) {
					env[k] = val.(string)
				}
				spec, err := servicespec.Load(specFile, data, servicespec.LoadOptions{Env: env, Templates: os.DirFS(specDir)})
				if err != nil {
					t.Fatalf("svc.yml does not render with the app's env: %v", err)
				}
				service := r.Options["service"].(map[string]any)
				if spec.Name != service["name"] || spec.Scheduler.User != service["user"] {
					t.Errorf("spec name/user %q/%q, want the options' %v/%v", spec.Name, spec.Scheduler.User, service["name"], service["user"])
				}
				wantPrincipal := service["name"].(string) + "-principal"
				if sa, _ := service["service_account"].(string); sa != "" {
					wantPrincipal = sa
				}
				if spec.Scheduler.Principal != wantPrincipal {
					t.Errorf("principal %q, want %q", spec.Scheduler.Principal, wantPrincipal)
				}
			})
		}
	}
}

// Every option of config.json reaches the app: the template names each
// leaf of the defaults, as a variable or a section.
func TestEveryOptionIsUsed(t *testing.T) {
	for _, dir := range examplePackages {
		pkg, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		var walk func(prefix string, m map[string]any)
		walk = func(prefix string, m map[string]any) {
			for k, v := range m {
				path := prefix + k
				if nested, ok := v.(map[string]any); ok {
					walk(path+".", nested)
					continue
				}
				used := false
				for _, open := range []string{"{{", "{{{", "{{#", "{{^"} {
					used = used || strings.Contains(pkg.Template, open+path+"}}")
				}
				if !used {
					t.Errorf("%s: option %s is not used by %s", pkg.Name, path, TemplateFile)
				}
			}
		}
		walk("", pkg.Defaults())
	}
}
