package servicespec

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrInvalid is wrapped by every ErrorList: the spec cannot be used.
var ErrInvalid = errors.New("invalid service spec")

// Pos is a position in the file the user wrote (the template, before
// rendering). Line and Column are 1-based; Column counts characters.
type Pos struct {
	Line, Column int
}

// Error is one problem with a spec, located in its file and named by the
// dotted field path (pods.hello.tasks.server.memory). Path is empty for
// problems that precede the schema (template and YAML syntax errors).
type Error struct {
	File string
	Pos  Pos
	Path string
	Msg  string
	// Var is the template variable whose value is at fault, when the
	// faulty text was a substituted {{VAR}}.
	Var string
}

// Error formats as FILE:LINE:COL: PATH: MESSAGE, the form editors jump to.
func (e *Error) Error() string {
	loc := fmt.Sprintf("%s:%d:%d", e.File, e.Pos.Line, e.Pos.Column)
	msg := e.Msg
	if e.Var != "" {
		msg += " (the value of " + e.Var + ")"
	}
	if e.Path == "" {
		return loc + ": " + msg
	}
	return loc + ": " + e.Path + ": " + msg
}

// ErrorList is every problem found in one spec, in file order. A spec is
// checked as a whole so that one run reports all of its errors.
type ErrorList []*Error

// Error joins the errors one per line.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets callers test for ErrInvalid.
func (l ErrorList) Unwrap() error { return ErrInvalid }

// sorted orders errors by position then path and drops exact duplicates
// (an anchor decoded at two paths reports once per path, not per alias).
func (l ErrorList) sorted() ErrorList {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Column != b.Pos.Column {
			return a.Pos.Column < b.Pos.Column
		}
		return a.Path < b.Path
	})
	out := l[:0]
	for i, e := range l {
		if i > 0 && *e == *l[i-1] {
			continue
		}
		out = append(out, e)
	}
	return out
}
