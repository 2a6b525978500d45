package servicespec

import (
	"fmt"

	"go.yaml.in/yaml/v4"

	"github.com/kennel-sdk/kennel/servicespec/mustache"
)

// maxNodes bounds the YAML nodes one spec may expand to, aliases included,
// so that an alias bomb is an error rather than an outage. A spec of 500
// tasks has about 20,000.
const maxNodes = 1 << 18

// MaxErrors is how many errors one spec reports; the rest are counted.
const MaxErrors = 200

// full reports whether the error list is full, counting the error dropped.
func (d *decoder) full() bool {
	if len(d.errs) < MaxErrors {
		return false
	}
	d.dropped++
	return true
}

// err returns the errors in file order, or nil, with a last line counting
// those beyond MaxErrors.
func (d *decoder) err() error {
	if len(d.errs) == 0 {
		return nil
	}
	list := d.errs.sorted()
	if d.dropped > 0 {
		last := list[len(list)-1]
		list = append(list, &Error{File: d.file, Pos: last.Pos, Msg: fmt.Sprintf("%d more errors not shown", d.dropped)})
	}
	return list
}

// decoder turns a YAML node tree into the typed model. It never stops at the
// first problem: a bad field is recorded, marked bad, left at its zero value,
// and decoding goes on, so that one run reports every error.
type decoder struct {
	file      string
	rendered  string             // the text YAML parsed
	template  string             // the text the user wrote
	srcMap    mustache.SourceMap // rendered offsets -> template offsets
	lines     []int              // byte offset of each line start in rendered
	tmplLines []int              // byte offset of each line start in template
	// asciiRendered and asciiTemplate let columns be byte offsets.
	asciiRendered, asciiTemplate bool
	last                         struct{ line, col, off int } // the previous offset walk

	errs  ErrorList
	warns ErrorList // see LoadWithWarnings
	// pos and objects locate field paths for errors: pos holds the keys of
	// named items, null values and list items; objects every decoded
	// mapping, whose children lookupPos finds by scanning it.
	pos     map[string]*yaml.Node
	objects map[string]*yaml.Node
	bad     map[string]bool // paths whose value could not be decoded
	// alias maps canonical paths to the paths the user wrote, where they
	// differ: a single `volume` is the canonical volumes.<path>.
	alias   map[string]string
	nodes   int
	dropped int // errors beyond MaxErrors
}

func newDecoder(file, template, rendered string, srcMap mustache.SourceMap) *decoder {
	d := &decoder{
		file: file, template: template, rendered: rendered, srcMap: srcMap,
		pos: map[string]*yaml.Node{}, objects: map[string]*yaml.Node{}, bad: map[string]bool{}, alias: map[string]string{},
	}
	d.lines = lineStarts(rendered)
	d.tmplLines = lineStarts(template)
	d.asciiRendered, d.asciiTemplate = isASCII(rendered), isASCII(template)
	return d
}

// errorf records a problem at node n for path.
func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	if d.full() {
		return
	}
	d.errs = append(d.errs, &Error{File: d.file, Pos: d.nodePos(n), Path: path, Msg: fmt.Sprintf(format, args...), Var: d.tagVar(n)})
}

// fail records a problem and marks path bad so that later checks skip it.
func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.errorf(n, path, format, args...)
	d.bad[path] = true
}

// resolve follows aliases and counts nodes against maxNodes.
func (d *decoder) resolve(n *yaml.Node, path string) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	d.nodes++
	if d.nodes == maxNodes {
		d.fail(n, path, "the document expands to more than %d nodes (alias loop?)", maxNodes)
	}
	if d.nodes >= maxNodes {
		return nil
	}
	return n
}

// entry is one key/value pair of a mapping, merge keys already applied.
// path is set only for the entries of named collections.
type entry struct {
	key     string
	keyNode *yaml.Node
	valNode *yaml.Node
	path    string
}

// mapping returns the entries of a mapping node in order. Duplicate keys are
// errors; "<<" merge keys contribute the entries of the mappings they name
// unless the mapping sets the key itself.
func (d *decoder) mapping(n *yaml.Node, path string) ([]entry, bool) {
	n = d.resolve(n, path)
	if n == nil {
		return nil, false
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "expected a mapping, got %s", describe(n))
		return nil, false
	}
	var own, merged []entry
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := d.resolve(n.Content[i], path), n.Content[i+1]
		if k == nil {
			return nil, false
		}
		if k.Kind != yaml.ScalarNode {
			d.fail(k, path, "mapping keys must be plain strings, got %s", describe(k))
			continue
		}
		if k.Tag == "!!merge" {
			merged = append(merged, d.mergeEntries(v, path)...)
			continue
		}
		if prev, dup := seen[k.Value]; dup {
			d.fail(k, joinPath(path, k.Value), "duplicate key %q (first defined on line %d)", k.Value, d.nodePos(prev).Line)
			continue
		}
		seen[k.Value] = k
		own = append(own, entry{key: k.Value, keyNode: k, valNode: v})
	}
	for _, e := range merged {
		if _, ok := seen[e.key]; !ok {
			seen[e.key] = e.keyNode
			own = append(own, e)
		}
	}
	return own, true
}

func (d *decoder) mergeEntries(v *yaml.Node, path string) []entry {
	v = d.resolve(v, path)
	if v == nil {
		return nil
	}
	var sources []*yaml.Node
	if v.Kind == yaml.SequenceNode {
		sources = v.Content
	} else {
		sources = []*yaml.Node{v}
	}
	var out []entry
	for _, s := range sources {
		entries, ok := d.mapping(s, path)
		if !ok {
			continue
		}
		out = append(out, entries...)
	}
	return out
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func indexPath(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// object decodes a mapping with a fixed set of keys. Unknown keys are errors
// with a suggestion; hints explain keys that belong elsewhere.
type object struct {
	d    *decoder
	self *yaml.Node // the mapping itself (aliases resolved)
	path string
	vals map[string]*yaml.Node
	ok   bool
}

// keySet is the keys of one kind of mapping. hint, when set, explains an
// unknown key that belongs elsewhere, or returns "".
type keySet struct {
	keys  []string
	known map[string]bool
	hint  func(key, path string) string
}

func keysOf(keys ...string) keySet {
	ks := keySet{keys: keys, known: map[string]bool{}}
	for _, k := range keys {
		ks.known[k] = true
	}
	return ks
}

func (d *decoder) object(n *yaml.Node, path string, ks keySet) *object {
	o := &object{d: d, self: n, path: path, vals: map[string]*yaml.Node{}}
	entries, ok := d.mapping(n, path)
	if !ok {
		return o
	}
	o.ok = true
	o.self = d.resolve(n, path)
	d.objects[path] = o.self
	for _, e := range entries {
		if !ks.known[e.key] {
			d.unknownKey(e, path, ks)
			continue
		}
		if isNull(d.resolveQuiet(e.valNode)) {
			d.pos[joinPath(path, e.key)] = e.keyNode
			continue // "key:" with no value is the same as no key, as in Jackson
		}
		o.vals[e.key] = e.valNode
	}
	return o
}

// resolveQuiet follows aliases without counting nodes.
func (d *decoder) resolveQuiet(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func (d *decoder) unknownKey(e entry, path string, ks keySet) {
	if d.full() {
		return
	}
	where := path
	if where == "" {
		where = "the top level"
	}
	msg := fmt.Sprintf("unknown key `%s` in %s", e.key, where)
	hint := ""
	if ks.hint != nil {
		hint = ks.hint(e.key, path)
	}
	if hint != "" {
		msg += "; " + hint
	} else if s := synonyms[e.key]; s != "" && ks.known[s] {
		msg += fmt.Sprintf("; did you mean `%s`?", s)
	} else if s := suggest(e.key, ks.keys); s != "" {
		msg += fmt.Sprintf("; did you mean `%s`?", s)
	}
	d.errs = append(d.errs, &Error{File: d.file, Pos: d.nodePos(e.keyNode), Path: joinPath(path, e.key), Msg: msg})
}

// misplaced returns a hint function for keys of other that are not keys of
// own: where the key belongs, as where(path) says.
func misplaced(own, other keySet, where func(path string) string) func(key, path string) string {
	return func(key, path string) string {
		if other.known[key] && !own.known[key] {
			return where(path)
		}
		return ""
	}
}
