package mustache

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// Missing is a variable the context could not resolve. Line and Column locate
// the tag in the template (1-based, byte columns); Offset is its byte offset.
type Missing struct {
	Name         string
	Offset       int
	Line, Column int
}

// Options tune rendering. The zero value renders without escaping.
type Options struct {
	// Escape is applied to the value of every {{x}} tag (not {{{x}}} or
	// {{&x}}). HTMLEscape gives mustache.java's default behaviour.
	Escape func(string) string
	// Format turns a resolved value into the text of a variable tag, before
	// Escape. Nil gives the default: strings as they are, numbers and bools
	// as literals, nil as "", lists and maps as JSON. A renderer that must
	// print values as another Mustache implementation does (Cosmos prints
	// lists as Java's List.toString) sets its own.
	Format func(any) string
}

// Result is a rendered template.
type Result struct {
	Output string
	// Missing lists every unresolved variable in template order. Rendering
	// never stops at one: callers decide whether missing values are an error.
	Missing []Missing
	// Map maps offsets of Output back to offsets of the template.
	Map SourceMap
}

// MissingNames returns the distinct names of r.Missing, sorted.
func (r Result) MissingNames() []string {
	seen := map[string]bool{}
	var names []string
	for _, m := range r.Missing {
		if !seen[m.Name] {
			seen[m.Name] = true
			names = append(names, m.Name)
		}
	}
	sort.Strings(names)
	return names
}

// Render renders t against ctx. ctx is usually a map[string]any whose values
// are strings, bools, numbers, nil, []any or map[string]any (nested for
// dotted names).
func (t *Template) Render(ctx any, opts Options) Result {
	r := &renderer{t: t, opts: opts}
	r.nodes(t.nodes, []any{ctx})
	return Result{Output: r.out.String(), Missing: r.missing, Map: SourceMap{segments: r.segments}}
}

type renderer struct {
	t          *Template
	opts       Options
	out        strings.Builder
	segments   []segment
	missing    []Missing
	lineStarts []int // of the template, built on the first missing variable
}

// position is Position with an index, for templates with many missing names.
func (r *renderer) position(offset int) (line, col int) {
	if r.lineStarts == nil {
		r.lineStarts = []int{0}
		for i := 0; i < len(r.t.src); i++ {
			if r.t.src[i] == '\n' {
				r.lineStarts = append(r.lineStarts, i+1)
			}
		}
	}
	line = sort.SearchInts(r.lineStarts, offset+1)
	return line, offset - r.lineStarts[line-1] + 1
}

func (r *renderer) nodes(nodes []node, stack []any) {
	for _, n := range nodes {
		switch n.kind {
		case textNode:
			r.emit(n.text, n.pos, true)
		case escapedNode, rawNode:
			v, ok := lookup(stack, n.text)
			if !ok {
				line, col := r.position(n.pos)
				r.missing = append(r.missing, Missing{Name: n.text, Offset: n.pos, Line: line, Column: col})
				continue
			}
			format := format
			if r.opts.Format != nil {
				format = r.opts.Format
			}
			s := format(v)
			if n.kind == escapedNode && r.opts.Escape != nil {
				s = r.opts.Escape(s)
			}
			r.emit(s, n.pos, false)
		case sectionNode:
			v, _ := lookup(stack, n.text)
			r.section(n, v, stack)
		case invertedNode:
			if v, _ := lookup(stack, n.text); !truthy(v) {
				r.nodes(n.children, stack)
			}
		}
	}
}

func (r *renderer) section(n node, v any, stack []any) {
	if !truthy(v) {
		return
	}
	if list, ok := v.([]any); ok {
		for _, item := range list {
			r.nodes(n.children, append(stack[:len(stack):len(stack)], item))
		}
		return
	}
	r.nodes(n.children, append(stack[:len(stack):len(stack)], v))
}

func (r *renderer) emit(s string, src int, literal bool) {
	if s == "" {
		return
	}
	r.segments = append(r.segments, segment{out: r.out.Len(), src: src, n: len(s), literal: literal})
	r.out.WriteString(s)
}

// lookup resolves a (possibly dotted) name against the context stack, top
// first, as the Mustache specification describes.
func lookup(stack []any, name string) (any, bool) {
	if name == "." {
		return stack[len(stack)-1], true
	}
	parts := strings.Split(name, ".")
	for i := len(stack) - 1; i >= 0; i-- {
		m, ok := stack[i].(map[string]any)
		if !ok {
			continue
		}
		v, ok := m[parts[0]]
		if !ok {
			continue
		}
		for _, p := range parts[1:] {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[p]; !ok {
				return nil, false
			}
		}
		return v, true
	}
	return nil, false
}

func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	}
	return true
}

func format(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// HTMLEscape escapes a value as mustache.java's default encoder does:
// & (unless it starts an entity or character reference), <, >, ", ' and the
// newline are replaced by references.
func HTMLEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			if entityRef(s[i+1:]) {
				b.WriteByte('&')
			} else {
				b.WriteString("&amp;")
			}
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&#39;")
		case '\n':
			b.WriteString("&#10;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// entityRef reports whether s (the text after an '&') starts with a named
// reference ("amp;") or a character reference ("#10;", "#x1F;").
func entityRef(s string) bool {
	if strings.HasPrefix(s, "#") {
		for i := 1; i < len(s); i++ {
			c := s[i]
			switch {
			case c == ';':
				return i > 1
			case isDigit(c) || c == 'x' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'):
			default:
				return false
			}
		}
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ';':
			return i > 0
		case isLetter(c), i > 0 && isDigit(c):
		default:
			return false
		}
	}
	return false
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
