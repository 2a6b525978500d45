package servicespec

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/kennel-sdk/kennel/servicespec/mustache"
)

// LoadOptions say what a spec is rendered against and where its config
// templates are.
type LoadOptions struct {
	// Env is the environment the spec is rendered against: the scheduler's
	// environment, or the CLI's --env-file and -e values. "true" and "false"
	// (any case) are booleans in sections, as in DC/OS Commons.
	Env map[string]string
	// Templates holds the config templates that tasks name in `configs`,
	// relative to the spec's directory. Each template is checked and its
	// content stored in the spec. When nil, templates are not read: a
	// config must then carry its `template-content` to be served later.
	Templates fs.FS
	// AcceptUnsupported accepts the fields the runtime does not act on yet
	// (see notSupported), for tools that work on the language itself, such
	// as tests of plan generation over every field. A spec loaded so must
	// not be run.
	AcceptUnsupported bool
	// Attributes are the agent attributes the cluster is known to have,
	// beyond hostname, @zone and @region (LoadWithWarnings).
	Attributes []string
}

// Load renders a svc.yml template against opts.Env, parses and validates it,
// applies defaults and reads its config templates. file names the spec in
// errors. A field the runtime does not act on yet (see notSupported) is an
// error unless opts.AcceptUnsupported. On failure the error is an ErrorList
// holding every problem found.
func Load(file string, data []byte, opts LoadOptions) (*ServiceSpec, error) {
	spec, _, err := load(file, data, opts)
	return spec, err
}

// load is Load, also returning the decoder that holds the spec's
// positions (nil when the spec could not be decoded).
func load(file string, data []byte, opts LoadOptions) (*ServiceSpec, *decoder, error) {
	tmpl, err := mustache.Parse(file, string(data))
	if err != nil {
		var se *mustache.SyntaxError
		if errors.As(err, &se) {
			return nil, nil, ErrorList{{File: file, Pos: Pos{Line: se.Line, Column: columnOf(string(data), se.Offset)}, Msg: "template: " + se.Msg}}
		}
		return nil, nil, err
	}
	res := tmpl.Render(renderContext(opts.Env), mustache.Options{Escape: mustache.HTMLEscape})
	if len(res.Missing) > 0 {
		return nil, nil, missingErrors(file, string(data), res.Missing)
	}
	spec, d := decodeText(file, string(data), res.Output, res.Map)
	if spec != nil && opts.Templates != nil {
		d.readTemplates(spec, opts.Templates)
	}
	if spec != nil && !opts.AcceptUnsupported {
		d.refuseUnsupported(spec)
	}
	if err := d.err(); err != nil {
		return nil, nil, err
	}
	return spec, d, nil
}

// Decode parses a spec that needs no rendering, such as a stored canonical
// form, and validates it as Load does, except that it accepts the fields
// the runtime does not act on yet: a configuration stored by an earlier
// version stays readable.
func Decode(file string, data []byte) (*ServiceSpec, error) {
	spec, d := decodeText(file, string(data), string(data), mustache.SourceMap{})
	if err := d.err(); err != nil {
		return nil, err
	}
	return spec, nil
}

func renderContext(env map[string]string) map[string]any {
	ctx := make(map[string]any, len(env))
	for k, v := range env {
		switch strings.ToLower(v) {
		case "true":
			ctx[k] = true
		case "false":
			ctx[k] = false
		default:
			ctx[k] = v
		}
	}
	return ctx
}

// missingErrors reports each missing variable once, at its first use, with
// the other lines that use it.
func missingErrors(file, src string, missing []mustache.Missing) ErrorList {
	var errs ErrorList
	byName := map[string]*Error{}
	others := map[string][]int{}
	for _, m := range missing {
		if _, ok := byName[m.Name]; ok {
			others[m.Name] = append(others[m.Name], m.Line)
			continue
		}
		e := &Error{File: file, Pos: Pos{Line: m.Line, Column: columnOf(src, m.Offset)}, Msg: fmt.Sprintf("missing template variable %s", m.Name)}
		byName[m.Name] = e
		errs = append(errs, e)
	}
	for name, lines := range others {
		e := byName[name]
		e.Msg += fmt.Sprintf(" (also used on line%s %s)", plural(len(lines)), joinInts(lines))
	}
	return errs.sorted()
}

// columnOf returns the 1-based character column of a byte offset.
func columnOf(src string, offset int) int {
	start := strings.LastIndexByte(src[:offset], '\n') + 1
	return len([]rune(src[start:offset])) + 1
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}

// decodeText parses rendered YAML, then decodes and validates the spec. The
// spec is nil when the YAML could not be parsed; the decoder holds the errors.
func decodeText(file, template, rendered string, srcMap mustache.SourceMap) (*ServiceSpec, *decoder) {
	d := newDecoder(file, template, rendered, srcMap)
	root, err := parseDocument(rendered)
	if err != nil {
		pos := Pos{Line: 1, Column: 1}
		msg := err.Error()
		var le *yaml.LoadError
		if errors.As(err, &le) {
			pos, msg = d.posAt(le.Mark.Line, le.Mark.Column), le.Message
		}
		d.errs = append(d.errs, &Error{File: file, Pos: pos, Msg: "YAML: " + msg})
		return nil, d
	}
	if root == nil {
		d.errs = append(d.errs, &Error{File: file, Pos: Pos{Line: 1, Column: 1}, Msg: "the spec is empty"})
		return nil, d
	}
	spec := d.service(root)
	(&validator{d: d, s: spec}).validate()
	return spec, d
}

// errMultipleDocuments is returned for a stream of more than one document.
var errMultipleDocuments = errors.New("a spec is one YAML document; found a second one")

// parseYAML parses exactly one YAML document and returns its root content.
func parseYAML(text string) (*yaml.Node, error) {
	dec := yaml.NewDecoder(strings.NewReader(text))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, &yaml.LoadError{Message: errMultipleDocuments.Error(), Mark: yaml.Mark{Line: extra.Line, Column: 1}}
	case !errors.Is(err, io.EOF):
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}
