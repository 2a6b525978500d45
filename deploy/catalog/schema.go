package catalog

import (
	"errors"
	"fmt"
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
		out = append(out, OptionError{
			Path:    strings.Join(e.InstanceLocation, "."),
			Message: e.ErrorKind.LocalizedString(printer),
		})
	}
	return out
}
