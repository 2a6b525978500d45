package catalog

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrOptionsNotAllowed is returned when options are given for a package
// without config.json (Cosmos's OptionsNotAllowed).
var ErrOptionsNotAllowed = errors.New("the package takes no options: it has no config.json")

// OptionError is one failure of the options against config.json. Path is
// the option's JSON path, dot-separated ("hello.count"), "" for the
// options object itself.
type OptionError struct {
	Path    string
	Message string
}

func (e OptionError) String() string {
	path := e.Path
	if path == "" {
		path = "(options)"
	}
	return path + ": " + e.Message
}

// OptionsError is the list of every failure of a set of options, ordered
// by path. Nothing is rendered from options that fail.
type OptionsError struct {
	Errors []OptionError
}

func (e *OptionsError) Error() string {
	lines := make([]string, len(e.Errors))
	for i, oe := range e.Errors {
		lines[i] = oe.String()
	}
	return fmt.Sprintf("invalid options (%d errors):\n  %s", len(lines), strings.Join(lines, "\n  "))
}

// ParseOptions decodes an options file: a JSON object, numbers kept exact.
func ParseOptions(data []byte) (map[string]any, error) {
	obj, err := DecodeObject(data)
	if err != nil {
		return nil, fmt.Errorf("options: %w", err)
	}
	return obj, nil
}

// Defaults returns the default options of the package, extracted from
// config.json as Cosmos does: for each entry of "properties", its "default"
// when it has one (taken whole, objects included, without looking inside),
// otherwise, when it has "properties", the defaults found there if there are
// any. Defaults under items, oneOf, $ref and the like are not collected.
func (p *Package) Defaults() map[string]any {
	if p.Config == nil {
		return map[string]any{}
	}
	return schemaDefaults(p.Config)
}

func schemaDefaults(schema map[string]any) map[string]any {
	out := map[string]any{}
	props, _ := schema["properties"].(map[string]any)
	for name, prop := range props {
		obj, ok := prop.(map[string]any)
		if !ok {
			continue
		}
		if d, ok := obj["default"]; ok {
			out[name] = d
			continue
		}
		if _, ok := obj["properties"]; ok {
			if nested := schemaDefaults(obj); len(nested) > 0 {
				out[name] = nested
			}
		}
	}
	return out
}

// DeepMerge returns base with over merged into it, as circe's deepMerge:
// where both hold an object the objects merge recursively, anything else in
// over replaces what base holds (arrays are replaced, not concatenated; a
// null in over replaces too). Neither argument is modified.
func DeepMerge(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		if bo, ok := out[k].(map[string]any); ok {
			if oo, ok := v.(map[string]any); ok {
				out[k] = DeepMerge(bo, oo)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// ResolveOptions returns the options a render uses: the package's defaults
// deep-merged with user, validated against config.json. A failure is an
// *OptionsError listing every error with its path. user may be nil. As in
// Cosmos, an empty result is not validated (a config.json without defaults
// and no options pass whatever config.json requires), and a non-empty one
// without config.json is ErrOptionsNotAllowed.
func (p *Package) ResolveOptions(user map[string]any) (map[string]any, error) {
	merged := DeepMerge(p.Defaults(), user)
	switch {
	case len(merged) == 0:
		return merged, nil
	case p.Config == nil:
		return nil, ErrOptionsNotAllowed
	}
	schema, err := compileSchema(ConfigFile, p.Config)
	if err != nil {
		return nil, fmt.Errorf("%s of %s is not a valid draft-04 schema: %w", ConfigFile, p.Name, err)
	}
	if errs := validate(schema, merged); len(errs) > 0 {
		return nil, &OptionsError{Errors: errs}
	}
	return merged, nil
}

// sortErrors orders errors by path, then message, and drops duplicates.
func sortErrors(errs []OptionError) []OptionError {
	sort.Slice(errs, func(i, j int) bool {
		if errs[i].Path != errs[j].Path {
			return errs[i].Path < errs[j].Path
		}
		return errs[i].Message < errs[j].Message
	})
	out := errs[:0]
	for i, e := range errs {
		if i == 0 || e != errs[i-1] {
			out = append(out, e)
		}
	}
	return out
}
