package scheduler

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// forbiddenImports are packages that would let decision code do IO,
// spawn work or read randomness on its own.
var forbiddenImports = map[string]bool{
	"net": true, "net/http": true, "os": true, "os/exec": true, "io/fs": true, "sync": true,
	"math/rand": true, "math/rand/v2": true, "crypto/rand": true, "log": true, "log/slog": true,
	"github.com/kennel-sdk/kennel/scheduler/runtime":         true,
	"github.com/mesos/mesos-go/api/v1/lib/httpcli":           true,
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpsched": true,
	"github.com/go-zookeeper/zk":                             true,
}

// clockFuncs read the clock or wait on it.
var clockFuncs = map[string]bool{
	"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true, "AfterFunc": true,
	"Tick": true, "NewTicker": true, "NewTimer": true,
}

// TestCoreIsPure: the decision core (this package and scheduler/offer)
// takes events and the time and returns decisions; it does no IO, reads no
// clock and starts no goroutine. The state store package is imported for
// its Batch and TaskRecord values only.
func TestCoreIsPure(t *testing.T) {
	for _, dir := range []string{".", "offer"} {
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
				if forbiddenImports[path] {
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
		if checked < 4 {
			t.Fatalf("%s: only %d files checked", dir, checked)
		}
	}
}
