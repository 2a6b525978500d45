package servicespec

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"
)

// parseDocument parses one spec document. A document that is JSON, such as
// a stored canonical form, is read by the JSON reader, which is many times
// faster than the YAML parser on long flow-style lines; anything else, or
// JSON the reader rejects, goes to the YAML parser, which reports errors
// with positions.
func parseDocument(text string) (*yaml.Node, error) {
	if strings.HasPrefix(strings.TrimLeft(text, " \t\r\n"), "{") {
		if n, err := parseJSON(text); err == nil {
			return n, nil
		}
	}
	return parseYAML(text)
}

// jsonReader builds YAML nodes from JSON tokens, with YAML's 1-based
// line and character column positions.
type jsonReader struct {
	data  []byte
	dec   *json.Decoder
	lines []int
	// last position computed: tokens come in order, so columns are counted
	// from it rather than from the start of a possibly very long line.
	lastLine, lastOff, lastCol int
}

var errNotJSON = errors.New("not a JSON document")

func parseJSON(text string) (*yaml.Node, error) {
	r := &jsonReader{data: []byte(text), lines: lineStarts(text)}
	r.dec = json.NewDecoder(bytes.NewReader(r.data))
	r.dec.UseNumber()
	n, err := r.value()
	if err != nil {
		return nil, err
	}
	if _, err := r.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errNotJSON // trailing content: let the YAML parser explain
	}
	return n, nil
}

// next reads a token and the position where it starts.
func (r *jsonReader) next() (json.Token, int, int, error) {
	start := int(r.dec.InputOffset())
	for start < len(r.data) && strings.IndexByte(" \t\r\n,:", r.data[start]) >= 0 {
		start++
	}
	tok, err := r.dec.Token()
	if err != nil {
		return nil, 0, 0, err
	}
	line := sort.Search(len(r.lines), func(i int) bool { return r.lines[i] > start })
	from, col := r.lines[line-1], 1
	if line == r.lastLine && start >= r.lastOff {
		from, col = r.lastOff, r.lastCol
	}
	col += utf8.RuneCount(r.data[from:start])
	r.lastLine, r.lastOff, r.lastCol = line, start, col
	return tok, line, col, nil
}

func (r *jsonReader) value() (*yaml.Node, error) {
	tok, line, col, err := r.next()
	if err != nil {
		return nil, err
	}
	return r.node(tok, line, col)
}

func (r *jsonReader) node(tok json.Token, line, col int) (*yaml.Node, error) {
	n := &yaml.Node{Line: line, Column: col}
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			n.Kind, n.Tag, n.Style = yaml.MappingNode, "!!map", yaml.FlowStyle
			return n, r.members(n, true)
		}
		if v == '[' {
			n.Kind, n.Tag, n.Style = yaml.SequenceNode, "!!seq", yaml.FlowStyle
			return n, r.members(n, false)
		}
		return nil, errNotJSON
	case string:
		n.Kind, n.Tag, n.Value, n.Style = yaml.ScalarNode, "!!str", v, yaml.DoubleQuotedStyle
	case json.Number:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!int", v.String()
		if strings.ContainsAny(n.Value, ".eE") {
			n.Tag = "!!float"
		}
	case bool:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!bool", "false"
		if v {
			n.Value = "true"
		}
	case nil:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!null", "null"
	}
	return n, nil
}

// members reads the contents of an object (keys and values) or an array up
// to its closing delimiter.
func (r *jsonReader) members(n *yaml.Node, object bool) error {
	for r.dec.More() {
		if object {
			key, err := r.value()
			if err != nil {
				return err
			}
			n.Content = append(n.Content, key)
		}
		v, err := r.value()
		if err != nil {
			return err
		}
		n.Content = append(n.Content, v)
	}
	_, err := r.dec.Token() // the closing delimiter
	return err
}
