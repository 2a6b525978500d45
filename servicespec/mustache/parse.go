package mustache

import (
	"errors"
	"fmt"
	"strings"
)

// ErrSyntax is wrapped by every error Parse returns.
var ErrSyntax = errors.New("mustache syntax error")

// SyntaxError is a template that cannot be parsed. Offset is a byte offset
// into the template; Line and Column are 1-based (columns count bytes).
type SyntaxError struct {
	Name         string
	Offset       int
	Line, Column int
	Msg          string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Name, e.Line, e.Column, e.Msg)
}

// Unwrap lets callers test for ErrSyntax.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

type kind int

const (
	textNode kind = iota
	escapedNode
	rawNode
	sectionNode
	invertedNode
)

// node is one element of a parsed template. For text nodes text is the literal
// and pos its offset in the template; for tags text is the trimmed name and pos
// the offset of the opening delimiter.
type node struct {
	kind     kind
	pos      int
	text     string
	children []node
}

// Template is a parsed template; it is immutable and safe for concurrent use.
type Template struct {
	name  string
	src   string
	nodes []node
}

// Name returns the name given to Parse, used in error messages.
func (t *Template) Name() string { return t.name }

type parser struct {
	name         string
	src          string
	pos          int
	open, close_ string
}

// Parse parses src. name identifies the template in errors (a file name).
func Parse(name, src string) (*Template, error) {
	p := &parser{name: name, src: src, open: "{{", close_: "}}"}
	nodes, closer, err := p.parseUntil("")
	if err != nil {
		return nil, err
	}
	if closer != "" {
		return nil, p.errorAt(len(src), "unexpected end of section")
	}
	return &Template{name: name, src: src, nodes: nodes}, nil
}

func (p *parser) errorAt(offset int, format string, args ...any) error {
	line, col := Position(p.src, offset)
	return &SyntaxError{Name: p.name, Offset: offset, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

// Position converts a byte offset in src to a 1-based line and byte column.
func Position(src string, offset int) (line, col int) {
	if offset > len(src) {
		offset = len(src)
	}
	before := src[:offset]
	line = strings.Count(before, "\n") + 1
	col = offset - (strings.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// tag is one scanned {{...}} element.
type tag struct {
	start, end int  // offsets of the opening delimiter and just past the closing one
	sigil      byte // 0 for a plain variable, else one of # ^ / ! > & { =
	body       string
}

// parseUntil parses nodes until the closing tag of section (or EOF when
// section is ""). It returns the name of the section closed, if any.
func (p *parser) parseUntil(section string) ([]node, string, error) {
	var nodes []node
	for {
		idx := strings.Index(p.src[p.pos:], p.open)
		if idx < 0 {
			nodes = appendText(nodes, p.pos, p.src[p.pos:])
			p.pos = len(p.src)
			if section != "" {
				return nil, "", p.errorAt(len(p.src), "section %q is never closed", section)
			}
			return nodes, "", nil
		}
		textStart := p.pos
		t, err := p.scanTag(p.pos + idx)
		if err != nil {
			return nil, "", err
		}
		textEnd := t.start
		next := t.end
		if standaloneCapable(t.sigil) {
			if ls, after, ok := p.standalone(t, textStart); ok {
				textEnd, next = ls, after
			}
		}
		nodes = appendText(nodes, textStart, p.src[textStart:textEnd])
		p.pos = next
		switch t.sigil {
		case '!':
		case '=':
			if err := p.setDelimiters(t); err != nil {
				return nil, "", err
			}
		case '>':
			return nil, "", p.errorAt(t.start, "partials are not supported ({{>%s}})", t.body)
		case '/':
			if t.body != section {
				if section == "" {
					return nil, "", p.errorAt(t.start, "closing tag %q has no opening section", t.body)
				}
				return nil, "", p.errorAt(t.start, "closing tag %q does not match open section %q", t.body, section)
			}
			return nodes, t.body, nil
		case '#', '^':
			children, _, err := p.parseUntil(t.body)
			if err != nil {
				return nil, "", err
			}
			k := sectionNode
			if t.sigil == '^' {
				k = invertedNode
			}
			nodes = append(nodes, node{kind: k, pos: t.start, text: t.body, children: children})
		case '&', '{':
			nodes = append(nodes, node{kind: rawNode, pos: t.start, text: t.body})
		default:
			nodes = append(nodes, node{kind: escapedNode, pos: t.start, text: t.body})
		}
	}
}

func appendText(nodes []node, pos int, text string) []node {
	if text == "" {
		return nodes
	}
	return append(nodes, node{kind: textNode, pos: pos, text: text})
}

// scanTag reads the tag whose opening delimiter starts at start.
func (p *parser) scanTag(start int) (tag, error) {
	inner := start + len(p.open)
	t := tag{start: start}
	closer := p.close_
	if inner < len(p.src) {
		switch c := p.src[inner]; c {
		case '#', '^', '/', '!', '>', '&', '=':
			t.sigil = c
			inner++
		case '{':
			t.sigil = c
			inner++
			if p.close_ == "}}" {
				closer = "}}}"
			} else {
				closer = "}" + p.close_
			}
		}
	}
	end := strings.Index(p.src[inner:], closer)
	if end < 0 {
		return t, p.errorAt(start, "tag opened with %q is never closed", p.open)
	}
	body := p.src[inner : inner+end]
	t.end = inner + end + len(closer)
	if t.sigil == '=' {
		if !strings.HasSuffix(body, "=") {
			return t, p.errorAt(start, "delimiter change must end with '='")
		}
		body = body[:len(body)-1]
	}
	t.body = strings.TrimSpace(body)
	if t.sigil != '!' && t.sigil != '=' {
		if t.body == "" {
			return t, p.errorAt(start, "empty tag")
		}
		if strings.ContainsAny(t.body, " \t\r\n") {
			return t, p.errorAt(start, "tag name %q contains whitespace", t.body)
		}
	}
	return t, nil
}

func standaloneCapable(sigil byte) bool {
	switch sigil {
	case '#', '^', '/', '!', '>', '=':
		return true
	}
	return false
}

// standalone reports whether t sits alone on its line (only blanks around it).
// If so it returns where the preceding text must end (the line start) and where
// parsing resumes (after the line's newline).
func (p *parser) standalone(t tag, textStart int) (lineStart, after int, ok bool) {
	lineStart = strings.LastIndexByte(p.src[:t.start], '\n') + 1
	if lineStart < textStart || !blank(p.src[lineStart:t.start]) {
		return 0, 0, false
	}
	rest := p.src[t.end:]
	nl := strings.IndexByte(rest, '\n')
	if nl < 0 {
		if !blank(rest) {
			return 0, 0, false
		}
		return lineStart, len(p.src), true
	}
	if !blank(strings.TrimSuffix(rest[:nl], "\r")) {
		return 0, 0, false
	}
	return lineStart, t.end + nl + 1, true
}

func blank(s string) bool {
	return strings.Trim(s, " \t") == ""
}

func (p *parser) setDelimiters(t tag) error {
	parts := strings.Fields(t.body)
	if len(parts) != 2 || strings.Contains(t.body, "=") {
		return p.errorAt(t.start, "delimiter change needs two delimiters separated by a space, as {{=<%% %%>=}}")
	}
	p.open, p.close_ = parts[0], parts[1]
	return nil
}
