package plans

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// allowedImports are the only packages plans may use: no IO, no clock, no
// concurrency. servicespec is allowed for its types (plans never loads a
// spec).
var allowedImports = map[string]bool{
	"crypto/sha256": true, "encoding/json": true, "fmt": true, "maps": true, "math": true,
	"regexp": true, "slices": true, "sort": true, "strconv": true, "strings": true, "time": true,
	"github.com/kennel-sdk/kennel/servicespec": true,
}

// clockFuncs are the time functions that read the clock or wait on it.
var clockFuncs = map[string]bool{
	"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true, "AfterFunc": true,
	"Tick": true, "NewTicker": true, "NewTimer": true,
}

// TestPackageIsPure fails when a non-test file of plans imports an IO or
// concurrency package, reads the clock, or starts a goroutine.
func TestPackageIsPure(t *testing.T) {
	files, err := filepath.Glob("*.go")
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
				t.Errorf("%s imports %s: plans must stay pure (no IO, no clock, no goroutines)", fset.Position(imp.Pos()), path)
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
			case *ast.ChanType:
				t.Errorf("%s uses a channel", fset.Position(x.Pos()))
			}
			return true
		})
	}
	if checked < 10 {
		t.Fatalf("only %d files checked", checked)
	}
}
