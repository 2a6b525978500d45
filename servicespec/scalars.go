package servicespec

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

var wholeNumber = regexp.MustCompile(`^[-+]?[0-9]+$`)

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.Tag {
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return "the boolean " + n.Value
	}
	return strconv.Quote(n.Value)
}

// has reports whether key was given a non-null value.
func (o *object) has(key string) bool { _, ok := o.vals[key]; return ok }

// pathOf returns the field path of key.
func (o *object) pathOf(key string) string { return joinPath(o.path, key) }

// require reports every key of keys that is missing or null.
func (o *object) require(keys ...string) {
	if !o.ok {
		return
	}
	for _, k := range keys {
		if o.has(k) {
			continue
		}
		if _, given := o.d.pos[o.pathOf(k)]; given {
			o.d.errAt(o.pathOf(k), "`%s` has no value", k)
		} else {
			o.d.errAt(o.path, "required key `%s` is missing", k)
		}
		o.d.bad[o.pathOf(k)] = true
	}
}

// scalar returns the scalar node of key, reporting a non-scalar.
func (o *object) scalar(key, want string) (*yaml.Node, bool) {
	n, ok := o.vals[key]
	if !ok {
		return nil, false
	}
	n = o.d.resolve(n, o.pathOf(key))
	if n == nil {
		return nil, false
	}
	if n.Kind != yaml.ScalarNode {
		o.d.fail(n, o.pathOf(key), "expected %s, got %s", want, describe(n))
		return nil, false
	}
	return n, true
}

// str decodes key as a string; numbers and booleans keep their literal text.
func (o *object) str(key, def string) string {
	n, ok := o.scalar(key, "a string")
	if !ok {
		return def
	}
	return n.Value
}

// integer decodes key as an integer; a quoted integer is accepted, as
// Jackson accepts it.
func (o *object) integer(key string, def int) int {
	v, ok := o.optInt(key)
	if !ok {
		return def
	}
	return v
}

func (o *object) optInt(key string) (int, bool) {
	n, ok := o.scalar(key, "an integer")
	if !ok {
		return 0, false
	}
	v, err := parseInt(n)
	if err != nil {
		o.d.fail(n, o.pathOf(key), "%v", err)
		return 0, false
	}
	return v, true
}

func parseInt(n *yaml.Node) (int, error) {
	if n.Tag == "!!int" || n.Tag == "!!str" {
		var v int64
		var err error
		if n.Tag == "!!int" {
			v, err = parseYAMLInt(n.Value)
		} else {
			v, err = strconv.ParseInt(strings.TrimSpace(n.Value), 10, 64)
		}
		if err == nil && v >= math.MinInt32 && v <= math.MaxInt32 {
			return int(v), nil
		}
		if err == nil || n.Tag == "!!int" {
			return 0, fmt.Errorf("%s is out of range", n.Value)
		}
	}
	if n.Tag == "!!float" && wholeNumber.MatchString(n.Value) {
		return 0, fmt.Errorf("%s is out of range", n.Value) // an integer too large for YAML's int
	}
	if hint := unitHint(n); hint != "" {
		return 0, fmt.Errorf("expected an integer, got %s: %s", describe(n), hint)
	}
	return 0, fmt.Errorf("expected an integer, got %s", describe(n))
}

// parseYAMLInt parses a YAML 1.2 core-schema integer: decimal (leading
// zeros included), 0o octal or 0x hexadecimal, with an optional sign.
func parseYAMLInt(s string) (int64, error) {
	digits := strings.TrimLeft(s, "+-")
	if strings.HasPrefix(digits, "0x") || strings.HasPrefix(digits, "0o") {
		return strconv.ParseInt(s, 0, 64)
	}
	return strconv.ParseInt(s, 10, 64)
}

// number decodes key as a finite floating-point number.
func (o *object) number(key string, def float64) float64 {
	n, ok := o.scalar(key, "a number")
	if !ok {
		return def
	}
	switch n.Tag {
	case "!!int", "!!float", "!!str":
		v, err := strconv.ParseFloat(strings.TrimSpace(n.Value), 64)
		if n.Tag == "!!int" && err != nil {
			var i int64
			i, err = parseYAMLInt(n.Value)
			v = float64(i)
		}
		if n.Tag == "!!float" && err != nil {
			err = n.Decode(&v) // .inf, .nan and other YAML spellings
		}
		if err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
			return v
		}
		if err == nil {
			o.d.fail(n, o.pathOf(key), "must be a finite number, got %s", n.Value)
			return def
		}
	}
	o.d.fail(n, o.pathOf(key), "expected a number, got %s", describe(n))
	return def
}

// boolean decodes key as true or false (any case, quoted or not).
func (o *object) boolean(key string, def bool) bool {
	n, ok := o.scalar(key, "true or false")
	if !ok {
		return def
	}
	switch strings.ToLower(n.Value) {
	case "true":
		return true
	case "false":
		return false
	}
	o.d.fail(n, o.pathOf(key), "expected true or false, got %s", describe(n))
	return def
}

// strList decodes key as a list of strings.
func (o *object) strList(key string) []string {
	n, ok := o.vals[key]
	if !ok {
		return nil
	}
	path := o.pathOf(key)
	return o.d.stringList(n, path)
}

func (d *decoder) stringList(n *yaml.Node, path string) []string {
	items, ok := d.sequence(n, path)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		it = d.resolve(it, path)
		if it == nil {
			return nil
		}
		if it.Kind != yaml.ScalarNode || isNull(it) {
			d.fail(it, indexPath(path, i), "expected a string, got %s", describe(it))
			continue
		}
		out = append(out, it.Value)
	}
	return out
}

// intList decodes key as a list of integers.
func (o *object) intList(key string) []int {
	n, ok := o.vals[key]
	if !ok {
		return nil
	}
	path := o.pathOf(key)
	items, ok := o.d.sequence(n, path)
	if !ok {
		return nil
	}
	out := make([]int, 0, len(items))
	for i, it := range items {
		it = o.d.resolve(it, path)
		if it == nil {
			return nil
		}
		if it.Kind != yaml.ScalarNode {
			o.d.fail(it, indexPath(path, i), "expected an integer, got %s", describe(it))
			continue
		}
		v, err := parseInt(it)
		if err != nil {
			o.d.fail(it, indexPath(path, i), "%v", err)
			continue
		}
		out = append(out, v)
	}
	return out
}

func (d *decoder) sequence(n *yaml.Node, path string) ([]*yaml.Node, bool) {
	n = d.resolve(n, path)
	if n == nil {
		return nil, false
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "expected a list, got %s", describe(n))
		return nil, false
	}
	return n.Content, true
}

// node returns the raw value node of key (aliases resolved), or nil.
func (o *object) node(key string) *yaml.Node {
	n, ok := o.vals[key]
	if !ok {
		return nil
	}
	return o.d.resolve(n, o.pathOf(key))
}

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }

// orList formats values as "a, b or c".
func orList(values []string) string {
	if len(values) == 1 {
		return values[0]
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}
