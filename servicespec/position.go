package servicespec

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"
)

// lineStarts returns the byte offset of the start of every line of s.
func lineStarts(s string) []int {
	starts := []int{0}
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// posAt converts a YAML line/column (1-based, columns in characters) of the
// rendered text to the matching position in the template.
func (d *decoder) posAt(line, col int) Pos {
	if line < 1 {
		return Pos{Line: 1, Column: 1}
	}
	line = min(line, len(d.lines))
	src := min(d.srcMap.Source(d.offset(line, col)), len(d.template))
	l := sort.Search(len(d.tmplLines), func(i int) bool { return d.tmplLines[i] > src })
	start := d.tmplLines[l-1]
	if d.asciiTemplate {
		return Pos{Line: l, Column: src - start + 1}
	}
	return Pos{Line: l, Column: utf8.RuneCountInString(d.template[start:src]) + 1}
}

// offset converts a rendered line and character column to a byte offset.
// Positions arrive mostly in document order, so a walk resumes from the
// previous position on the same line instead of the line start.
func (d *decoder) offset(line, col int) int {
	start := d.lines[line-1]
	if d.asciiRendered {
		return min(start+col-1, len(d.rendered))
	}
	off, c := start, 1
	if d.last.line == line && d.last.col <= col {
		off, c = d.last.off, d.last.col
	}
	for ; c < col && off < len(d.rendered) && d.rendered[off] != '\n'; c++ {
		_, size := utf8.DecodeRuneInString(d.rendered[off:])
		off += size
	}
	d.last.line, d.last.col, d.last.off = line, c, off
	return off
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func (d *decoder) nodePos(n *yaml.Node) Pos { return d.posAt(n.Line, n.Column) }

// userPath rewrites a canonical path into the one the user wrote.
func (d *decoder) userPath(path string) string {
	for p := path; p != ""; {
		if user, ok := d.alias[p]; ok {
			return user + path[len(p):]
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return path
}

func (d *decoder) lookupPos(path string) Pos {
	for p := path; ; {
		if n, ok := d.pos[p]; ok && p == path {
			return d.nodePos(n)
		}
		if obj, ok := d.objects[p]; ok {
			rest := path[len(p):]
			if p == "" && rest != "" {
				rest = "." + rest
			}
			if n := d.descend(obj, rest); n != nil {
				return d.nodePos(n)
			}
		}
		if n, ok := d.pos[p]; ok {
			return d.nodePos(n)
		}
		if p == "" {
			return Pos{Line: 1, Column: 1}
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			i = 0
		}
		p = p[:i]
	}
}

// descend follows rest (".key", "[3]", ...) from mapping or list n down to
// the node it names, or returns nil.
func (d *decoder) descend(n *yaml.Node, rest string) *yaml.Node {
	for rest != "" {
		n = d.resolveQuiet(n)
		switch {
		case rest[0] == '.' && n.Kind == yaml.MappingNode:
			rest = rest[1:]
			best := -1
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i].Value
				if (rest == k || strings.HasPrefix(rest, k+".") || strings.HasPrefix(rest, k+"[")) &&
					(best < 0 || len(k) > len(n.Content[best].Value)) {
					best = i
				}
			}
			if best < 0 {
				return nil
			}
			rest = rest[len(n.Content[best].Value):]
			n = n.Content[best+1]
		case rest[0] == '[' && n.Kind == yaml.SequenceNode:
			end := strings.IndexByte(rest, ']')
			i, err := strconv.Atoi(rest[1:max(end, 1)])
			if end < 0 || err != nil || i < 0 || i >= len(n.Content) {
				return nil
			}
			rest = rest[end+1:]
			n = n.Content[i]
		default:
			return nil
		}
	}
	return d.resolveQuiet(n)
}
