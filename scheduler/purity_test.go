package scheduler

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// allowedImports are the only packages the core's own files (this package,
// scheduler/offer and scheduler/record) may import: no IO, no clock, no
// concurrency, no randomness. net/url is here for url.PathEscape only.
var allowedImports = map[string]bool{
	"crypto/sha256": true, "encoding/binary": true, "errors": true, "fmt": true, "maps": true,
	"net/url": true, "slices": true, "sort": true, "strconv": true, "strings": true, "time": true,
	"unicode/utf8": true,

	"github.com/kennel-sdk/kennel/plans":                   true,
	"github.com/kennel-sdk/kennel/scheduler/offer":         true,
	"github.com/kennel-sdk/kennel/scheduler/record":        true,
	"github.com/kennel-sdk/kennel/servicespec":             true,
	"github.com/kennel-sdk/kennel/certs/taskenv":           true,
	"github.com/kennel-sdk/kennel/servicespec/placement":   true,
	"github.com/kennel-sdk/kennel/taskstate":               true,
	"github.com/gogo/protobuf/proto":                       true,
	"github.com/mesos/mesos-go/api/v1/lib":                 true,
	"github.com/mesos/mesos-go/api/v1/lib/scheduler":       true,
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls": true,
}

// allowedDeps are all the non-standard packages the core may depend on,
// directly or through others: Kennel's pure packages and the Mesos
// protocol's types with what they need. A new one is a decision to make
// here, not an accident of an import.
var allowedDeps = map[string]bool{
	"github.com/kennel-sdk/kennel/plans":                    true,
	"github.com/kennel-sdk/kennel/scheduler":                true,
	"github.com/kennel-sdk/kennel/scheduler/offer":          true,
	"github.com/kennel-sdk/kennel/scheduler/record":         true,
	"github.com/kennel-sdk/kennel/servicespec":              true,
	"github.com/kennel-sdk/kennel/certs/taskenv":            true,
	"github.com/kennel-sdk/kennel/servicespec/mustache":     true,
	"github.com/kennel-sdk/kennel/servicespec/placement":    true,
	"github.com/kennel-sdk/kennel/taskstate":                true,
	"github.com/gogo/protobuf/gogoproto":                    true,
	"github.com/gogo/protobuf/proto":                        true,
	"github.com/gogo/protobuf/protoc-gen-gogo/descriptor":   true,
	"github.com/gogo/protobuf/sortkeys":                     true,
	"github.com/mesos/mesos-go/api/v1/lib":                  true,
	"github.com/mesos/mesos-go/api/v1/lib/encoding":         true,
	"github.com/mesos/mesos-go/api/v1/lib/encoding/framing": true,
	"github.com/mesos/mesos-go/api/v1/lib/roles":            true,
	"github.com/mesos/mesos-go/api/v1/lib/scheduler":        true,
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls":  true,
	"github.com/pquerna/ffjson/fflib/v1":                    true,
	"github.com/pquerna/ffjson/fflib/v1/internal":           true,
	"go.yaml.in/yaml/v4":                                    true,
	"go.yaml.in/yaml/v4/internal/libyaml":                   true,
	"go.yaml.in/yaml/v4/internal/plugin":                    true,
	"go.yaml.in/yaml/v4/internal/plugin/mergekey":           true,
	"go.yaml.in/yaml/v4/plugin/aliasdata":                   true,
	"go.yaml.in/yaml/v4/plugin/errorformat/v3":              true,
	"go.yaml.in/yaml/v4/plugin/errorformat/v4":              true,
	"go.yaml.in/yaml/v4/plugin/loaderlimits":                true,
	"go.yaml.in/yaml/v4/plugin/mergekey":                    true,
}

// farDeps are standard packages the core must not depend on even through
// third-party code. (os, syscall, log and math/rand come in through fmt,
// gogo/protobuf and mesos-go; what matters is that no Kennel package of
// the core uses them, which ioPackages checks.)
var farDeps = map[string]bool{
	"net": true, "net/http": true, "os/exec": true, "os/signal": true, "crypto/rand": true,
}

// ioPackages are standard packages that do IO, read randomness or log:
// no Kennel package of the core imports one.
var ioPackages = map[string]bool{
	"net": true, "net/http": true, "os": true, "os/exec": true, "os/signal": true, "syscall": true,
	"log": true, "log/slog": true, "math/rand": true, "math/rand/v2": true, "crypto/rand": true,
}

// clockFuncs read the clock or wait on it.
var clockFuncs = map[string]bool{
	"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true, "AfterFunc": true,
	"Tick": true, "NewTicker": true, "NewTimer": true,
}

// TestCoreIsPure: the decision core (this package, scheduler/offer and
// scheduler/record) takes events and the time and returns decisions; it
// does no IO, reads no clock and starts no goroutine. It imports only
// allowedImports.
func TestCoreIsPure(t *testing.T) {
	for _, dir := range []string{".", "offer", "record"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		checked := 0
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if !allowedImports[path] {
					t.Errorf("%s imports %s: the core must stay pure", fset.Position(imp.Pos()), path)
				}
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.GoStmt:
					t.Errorf("%s starts a goroutine", fset.Position(x.Pos()))
				case *ast.SelectorExpr:
					if id, ok := x.X.(*ast.Ident); ok && id.Name == "time" && clockFuncs[x.Sel.Name] {
						t.Errorf("%s calls time.%s: time is passed in", fset.Position(x.Pos()), x.Sel.Name)
					}
					if id, ok := x.X.(*ast.Ident); ok && id.Name == "store" {
						t.Errorf("%s uses a store: the runtime writes state", fset.Position(x.Pos()))
					}
				}
				return true
			})
		}
		if checked < 2 {
			t.Fatalf("%s: only %d files checked", dir, checked)
		}
	}
}

// TestCoreDependencies: everything the core depends on, directly or not,
// is in allowedDeps or the standard library, none is in farDeps, and no
// Kennel package among them imports an IO package.
func TestCoreDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-f",
		"{{.ImportPath}}\t{{.Standard}}\t{{join .Imports \" \"}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, rest, _ := strings.Cut(line, "\t")
		standard, imports, _ := strings.Cut(rest, "\t")
		seen++
		switch {
		case standard == "true":
			if farDeps[path] {
				t.Errorf("the core depends on %s", path)
			}
		case !allowedDeps[path]:
			t.Errorf("the core depends on %s, which is not in allowedDeps", path)
		case strings.HasPrefix(path, "github.com/kennel-sdk/kennel/"):
			for _, imp := range strings.Fields(imports) {
				if ioPackages[imp] {
					t.Errorf("%s, a dependency of the core, imports %s", path, imp)
				}
			}
		}
	}
	if seen < 20 {
		t.Fatalf("go list gave only %d packages", seen)
	}
}
