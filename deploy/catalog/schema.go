package catalog

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// compileSchema compiles a JSON Schema document as draft-04, the draft
// Cosmos (java-json-tools) and the Universe tooling validate with, whatever
// its $schema says: the Universe and Marathon files declare no draft or the
// generic "http://json-schema.org/schema#", which libraries read as the
// latest draft. Formats are asserted, as java-json-tools does.
func compileSchema(name string, doc map[string]any) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.AssertFormat()
	url := "file:///kennel-catalog/" + name
	if err := c.AddResource(url, withoutDraft(doc)); err != nil {
		return nil, fmt.Errorf("adding schema %s: %w", name, err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("compiling schema %s: %w", name, err)
	}
	return sch, nil
}

// withoutDraft returns doc without a top-level $schema (a shallow copy).
func withoutDraft(doc map[string]any) map[string]any {
	if _, ok := doc["$schema"]; !ok {
		return doc
	}
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		if k != "$schema" {
			out[k] = v
		}
	}
	return out
}

var printer = message.NewPrinter(language.English)

// validate validates v (decoded with json.Number numbers) and returns every
// failure, one per leaf of the library's error tree, with the instance's
// dot-separated path, sorted by path.
func validate(sch *jsonschema.Schema, v any) []OptionError {
	err := sch.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []OptionError{{Message: err.Error()}}
	}
	var out []OptionError
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			out = append(out, leafErrors(e)...)
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return sortErrors(out)
}

// leafErrors turns one failure into option errors. A missing or unknown
// property is reported at the property's own path rather than its parent's,
// so that each names the option to fix.
func leafErrors(e *jsonschema.ValidationError) []OptionError {
	at := func(name string) string {
		return strings.Join(append(append([]string(nil), e.InstanceLocation...), name), ".")
	}
	var out []OptionError
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, name := range k.Missing {
			out = append(out, OptionError{Path: at(name), Message: "required, but missing"})
		}
	case *kind.AdditionalProperties:
		for _, name := range k.Properties {
			out = append(out, OptionError{Path: at(name), Message: "unknown option (not in config.json)"})
		}
	default:
		out = append(out, OptionError{Path: strings.Join(e.InstanceLocation, "."), Message: describe(e.ErrorKind)})
	}
	return out
}

// describe words the common failures the way an operator reads them
// ("must be >= 1, got 0"), and leaves the others to the library.
func describe(k jsonschema.ErrorKind) string {
	num := func(r *big.Rat) string {
		if r.IsInt() {
			return r.Num().String()
		}
		f, _ := r.Float64()
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	bound := func(op string, got, want *big.Rat) string {
		return fmt.Sprintf("must be %s %s, got %s", op, num(want), num(got))
	}
	switch k := k.(type) {
	case *kind.Minimum:
		return bound(">=", k.Got, k.Want)
	case *kind.Maximum:
		return bound("<=", k.Got, k.Want)
	case *kind.ExclusiveMinimum:
		return bound(">", k.Got, k.Want)
	case *kind.ExclusiveMaximum:
		return bound("<", k.Got, k.Want)
	case *kind.Type:
		return fmt.Sprintf("must be of type %s, got %s", strings.Join(k.Want, " or "), k.Got)
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = jsonText(w)
		}
		return fmt.Sprintf("must be one of %s, got %s", strings.Join(want, ", "), jsonText(k.Got))
	case *kind.MinLength:
		return fmt.Sprintf("must be at least %d characters long, got %d", k.Want, k.Got)
	case *kind.MaxLength:
		return fmt.Sprintf("must be at most %d characters long, got %d", k.Want, k.Got)
	case *kind.Pattern:
		return fmt.Sprintf("must match %s, got %q", k.Want, k.Got)
	}
	return k.LocalizedString(printer)
}

// jsonText prints a decoded value as JSON, for messages.
func jsonText(v any) string {
	b, err := compactJSON(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
