package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// ErrBadJSON is a body that is not a JSON object: Marathon answers 400.
var ErrBadJSON = errors.New("invalid JSON")

// Detail is one entry of Marathon's 422 body: a JSON pointer into the
// request and what is wrong there.
type Detail struct {
	Path   string   `json:"path"`
	Errors []string `json:"errors"`
}

// InvalidError is a definition Marathon refuses with 422 and the body
// {"message":"Object is not valid","details":[...]}.
type InvalidError struct {
	Details []Detail `json:"details"`
}

func (e *InvalidError) Error() string {
	var parts []string
	for _, d := range e.Details {
		parts = append(parts, d.Path+": "+strings.Join(d.Errors, "; "))
	}
	return "Object is not valid: " + strings.Join(parts, ", ")
}

// MarshalJSON writes Marathon's 422 body.
func (e *InvalidError) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Message string   `json:"message"`
		Details []Detail `json:"details"`
	}{"Object is not valid", e.Details})
}

// problems collects details by path, in the order first seen.
type problems struct{ details []Detail }

func (p *problems) add(at, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for i := range p.details {
		if p.details[i].Path == at {
			p.details[i].Errors = append(p.details[i].Errors, msg)
			return
		}
	}
	p.details = append(p.details, Detail{Path: at, Errors: []string{msg}})
}

func (p *problems) err() error {
	if len(p.details) == 0 {
		return nil
	}
	sort.SliceStable(p.details, func(i, j int) bool { return p.details[i].Path < p.details[j].Path })
	return &InvalidError{Details: p.details}
}

// readOnly are fields GET /v2/apps/{id} shows that Marathon ignores in a
// request, so that a definition read back can be sent again.
var readOnly = []string{"tasks", "tasksRunning", "tasksHealthy", "tasksStaged", "tasksUnhealthy",
	"deployments", "lastTaskFailure", "taskStats", "versionInfo", "version", "readinessCheckResults"}

// overlay are Marathon 1.8+ fields the official schema lacks.
var overlay = []string{"role", "check"}

// Validator decodes app definitions: the official AppDefinition.json schema
// (when given) and then Marathon's own rules and Kennel's limits.
type Validator struct {
	schema *jsonschema.Schema
	// Role is the only role the app may name: the framework's.
	Role string
}

// NewValidator compiles the AppDefinition.json schema (draft-04, whatever
// its $schema says). A nil schema leaves the schema out: the typed rules
// still refuse unknown fields and wrong types.
func NewValidator(schema []byte) (*Validator, error) {
	v := &Validator{Role: "*"}
	if schema == nil {
		return v, nil
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return nil, fmt.Errorf("AppDefinition schema: %w", err)
	}
	if m, ok := doc.(map[string]any); ok {
		delete(m, "$schema")
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	const url = "file:///kennel-marathon/AppDefinition.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("AppDefinition schema: %w", err)
	}
	if v.schema, err = c.Compile(url); err != nil {
		return nil, fmt.Errorf("AppDefinition schema: %w", err)
	}
	return v, nil
}

// Request is a decoded body: the definition.
type Request struct {
	App App
}

// Decode decodes a full app definition (POST /v2/apps, or a PUT replacing
// or creating an app). id, when not empty, is the app id of the URL: the
// body's id may be left out and must otherwise be the same app.
func (v *Validator) Decode(body []byte, id string) (Request, error) {
	obj, err := object(body)
	if err != nil {
		return Request{}, err
	}
	return v.decodeObject(obj, id)
}

// Update decodes a PUT with partialUpdate (Marathon's default): the body's
// top-level fields replace the current definition's, the others stay.
func (v *Validator) Update(current App, body []byte) (Request, error) {
	obj, err := object(body)
	if err != nil {
		return Request{}, err
	}
	base, err := toObject(current)
	if err != nil {
		return Request{}, err
	}
	// cmd and args exclude each other: setting one drops the other.
	if _, ok := obj["args"]; ok {
		if _, ok := obj["cmd"]; !ok {
			delete(base, "cmd")
		}
	}
	if _, ok := obj["cmd"]; ok {
		if _, ok := obj["args"]; !ok {
			delete(base, "args")
		}
	}
	for k, val := range obj {
		base[k] = val
	}
	return v.decodeObject(base, current.ID)
}

// RollbackVersion reads a PUT body that names a version to roll back to:
// {"version": "…"}, with at most the id beside it, as Marathon allows. ok
// is false for a body without a version; a version with other fields is
// a 422.
func RollbackVersion(body []byte) (version string, ok bool, err error) {
	obj, err := object(body)
	if err != nil {
		return "", false, err
	}
	raw, has := obj["version"]
	if !has {
		return "", false, nil
	}
	invalid := func(msg string) error {
		return &InvalidError{Details: []Detail{{Path: "/version", Errors: []string{msg}}}}
	}
	for k := range obj {
		if k != "version" && k != "id" {
			return "", false, invalid("The 'version' field may only be combined with the 'id' field.")
		}
	}
	if err := json.Unmarshal(raw, &version); err != nil || version == "" {
		return "", false, invalid("must be a version string")
	}
	return version, true, nil
}

func object(body []byte) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadJSON, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the object", ErrBadJSON)
	}
	if obj == nil {
		return nil, fmt.Errorf("%w: not an object", ErrBadJSON)
	}
	return obj, nil
}

func toObject(a App) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	return object(b)
}

func (v *Validator) decodeObject(obj map[string]json.RawMessage, id string) (Request, error) {
	var req Request
	for _, k := range readOnly {
		delete(obj, k)
	}
	var p problems
	if v.schema != nil {
		v.validateSchema(obj, &p)
		if err := p.err(); err != nil {
			return req, err
		}
	}
	var w wire
	b, _ := json.Marshal(obj)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		p.add(decodePath(err), "%s", decodeMessage(err))
		return req, p.err()
	}
	req.App = w.resolve(id, v.Role, &p)
	return req, p.err()
}

// validateSchema checks obj, without the overlay fields, against the schema.
func (v *Validator) validateSchema(obj map[string]json.RawMessage, p *problems) {
	stripped := make(map[string]json.RawMessage, len(obj))
	for k, val := range obj {
		stripped[k] = val
	}
	for _, k := range overlay {
		delete(stripped, k)
	}
	b, _ := json.Marshal(stripped)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		p.add("/", "%v", err)
		return
	}
	err = v.schema.Validate(inst)
	var ve *jsonschema.ValidationError
	if err == nil || !errors.As(err, &ve) {
		if err != nil {
			p.add("/", "%v", err)
		}
		return
	}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		at := pointer(e.InstanceLocation)
		switch k := e.ErrorKind.(type) {
		case *kind.AdditionalProperties:
			for _, name := range k.Properties {
				p.add(pointer(append(append([]string(nil), e.InstanceLocation...), name)), "unknown field")
			}
		case *kind.Required:
			for _, name := range k.Missing {
				p.add(pointer(append(append([]string(nil), e.InstanceLocation...), name)), "is required")
			}
		case *kind.Not:
			p.add(at, "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.")
		default:
			p.add(at, "%s", e.ErrorKind.LocalizedString(printer))
		}
	}
	walk(ve)
}

func pointer(loc []string) string {
	if len(loc) == 0 {
		return "/"
	}
	return "/" + strings.Join(loc, "/")
}

// decodePath is the JSON pointer of a decoding error.
func decodePath(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return "/" + strings.ReplaceAll(te.Field, ".", "/")
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "/" + strings.Trim(f, `"`)
	}
	return "/"
}

func decodeMessage(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("must be of type %s, got %s", te.Type, te.Value)
	}
	if strings.HasPrefix(err.Error(), "json: unknown field ") {
		return "unknown field"
	}
	return err.Error()
}

// idPattern is Marathon's path rule for app ids (PathId).
var idPattern = regexp.MustCompile(`^(\/?((\.{2})|([a-z0-9][a-z0-9\-.]*[a-z0-9]+)|([a-z0-9]*))($|\/))+$`)

// NormalizeID makes id absolute and canonical ("dev/kafka" → "/dev/kafka")
// or says why it is not an app id.
func NormalizeID(id string) (string, error) {
	if id == "" || !idPattern.MatchString(id) {
		return "", fmt.Errorf("must fully match regular expression '%s'", idPattern)
	}
	clean := path.Clean("/" + id)
	if clean == "/" {
		return "", errors.New("the root group is not an app id")
	}
	return clean, nil
}
