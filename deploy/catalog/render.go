package catalog

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"

	"github.com/kennel-sdk/kennel/servicespec/mustache"
)

// The labels Cosmos sets on every app it installs, over the template's.
const (
	LabelPackageName       = "DCOS_PACKAGE_NAME"
	LabelPackageVersion    = "DCOS_PACKAGE_VERSION"
	LabelPackageSource     = "DCOS_PACKAGE_SOURCE"
	LabelPackageOptions    = "DCOS_PACKAGE_OPTIONS"
	LabelPackageDefinition = "DCOS_PACKAGE_DEFINITION"
)

// ErrNoTemplate is returned when rendering a package without
// marathon.json.mustache.
var ErrNoTemplate = errors.New("the package has no " + TemplateFile)

// ErrBadApp wraps every error about the rendered text: not JSON, not an
// object, labels that are not strings.
var ErrBadApp = errors.New("the rendered template is not a Marathon app")

// Request is what a render needs beyond the package.
type Request struct {
	// Options are the user's options (nil for none), as given: they are
	// merged with the defaults, and DCOS_PACKAGE_OPTIONS records them alone.
	Options map[string]any
	// Source is the repository the package comes from, recorded in
	// DCOS_PACKAGE_SOURCE.
	Source string
	// AppID, when set, replaces the rendered app's id (Cosmos's appId).
	AppID string
	// ClusterOptions, when set, are merged over the defaults and under
	// Options, and not recorded in DCOS_PACKAGE_OPTIONS: what a target
	// cluster needs that DC/OS would provide by other means (Cosmos has no
	// such layer; see the cosmos package).
	ClusterOptions map[string]any
	// ReleaseVersion is the package's releaseVersion in its repository,
	// recorded in DCOS_PACKAGE_DEFINITION.
	ReleaseVersion int
}

// Rendered is a rendered Marathon app.
type Rendered struct {
	// App is the app definition, decoded with json.Number numbers.
	App map[string]any
	// Options are the resolved options: defaults merged with the user's.
	Options map[string]any
	// Missing lists the template's variables that no option or resource
	// provides, sorted. Cosmos renders them as ""; a package should have none.
	Missing []string
}

// JSON returns the app as indented JSON with sorted keys and a final
// newline.
func (r *Rendered) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r.App); err != nil {
		return nil, fmt.Errorf("encoding the app: %w", err)
	}
	return b.Bytes(), nil
}

// asJSONSection matches a use of Cosmos's asJson lambda:
// {{#asJson}}name{{/asJson}}.
var asJSONSection = regexp.MustCompile(`(?s)\{\{\s*#\s*asJson\s*\}\}(.*?)\{\{\s*/\s*asJson\s*\}\}`)

// asJSON replaces each {{#asJson}}name{{/asJson}} of template by a variable
// and returns the values of those variables, as Cosmos's asJson lambda
// gives them: when the top-level context entry called exactly name (no
// dotted walk) is a string, that string unescaped, so that a string option
// holding JSON lands in the app as JSON; otherwise "null".
func asJSON(template string, ctx map[string]any) (string, map[string]any) {
	values := map[string]any{}
	out := asJSONSection.ReplaceAllStringFunc(template, func(m string) string {
		name := asJSONSection.FindStringSubmatch(m)[1]
		key := fmt.Sprintf("asJson#%d", len(values))
		values[key] = "null"
		if s, ok := ctx[name].(string); ok {
			values[key] = s
		}
		return "{{" + key + "}}"
	})
	return out, values
}

// Render renders the package's Marathon app for req as Cosmos does (see the
// package documentation). Options that fail config.json give an
// *OptionsError and nothing else.
func (p *Package) Render(req Request) (*Rendered, error) {
	if p.Template == "" {
		return nil, ErrNoTemplate
	}
	opts, err := p.ResolveOptions(DeepMerge(req.ClusterOptions, req.Options))
	if err != nil {
		return nil, err
	}
	ctx := opts
	if p.Resource != nil {
		ctx = DeepMerge(opts, map[string]any{"resource": p.Resource})
	}
	text, lambdaValues := asJSON(p.Template, ctx)
	tmpl, err := mustache.Parse(TemplateFile, text)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", TemplateFile, err)
	}
	view := mustacheContext(ctx).(map[string]any)
	view["asJson"] = nil // the name of the lambda: a section, not a value
	for k, v := range lambdaValues {
		view[k] = v
	}
	res := tmpl.Render(view, mustache.Options{Format: formatValue})
	app, err := DecodeJSON([]byte(res.Output))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadApp, err)
	}
	obj, ok := app.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: it is %s, not a JSON object", ErrBadApp, jsonType(app))
	}
	if err := p.decorate(obj, req); err != nil {
		return nil, err
	}
	return &Rendered{App: obj, Options: opts, Missing: res.MissingNames()}, nil
}

// decorate applies Cosmos's changes to a rendered app: the id when the
// request names one, then the DCOS_PACKAGE_* labels over the template's.
func (p *Package) decorate(app map[string]any, req Request) error {
	if req.AppID != "" {
		app["id"] = req.AppID
	}
	labels := map[string]any{}
	if l, ok := app["labels"]; ok {
		m, ok := l.(map[string]any)
		if !ok {
			return fmt.Errorf("%w: labels is %s, not an object of strings", ErrBadApp, jsonType(l))
		}
		for k, v := range m {
			if _, ok := v.(string); !ok {
				return fmt.Errorf("%w: label %s is %s, not a string", ErrBadApp, k, jsonType(v))
			}
			labels[k] = v
		}
	}
	options, err := compactJSON(dropNulls(orEmpty(req.Options)))
	if err != nil {
		return fmt.Errorf("encoding the options label: %w", err)
	}
	definition, err := p.definitionLabel(req.ReleaseVersion)
	if err != nil {
		return err
	}
	labels[LabelPackageName] = p.Name
	labels[LabelPackageVersion] = p.Version
	labels[LabelPackageSource] = req.Source
	labels[LabelPackageOptions] = base64.StdEncoding.EncodeToString(options)
	labels[LabelPackageDefinition] = definition
	app["labels"] = labels
	return nil
}

// Definition is the package in repository form, as Cosmos describes it:
// package.json's fields plus releaseVersion, config, resource and
// marathon.v2AppMustacheTemplate (the template in base64).
func (p *Package) Definition(releaseVersion int) map[string]any {
	pkg := make(map[string]any, len(p.Manifest)+4)
	for k, v := range p.Manifest {
		pkg[k] = v
	}
	pkg["releaseVersion"] = releaseVersion
	if p.Config != nil {
		pkg["config"] = p.Config
	}
	if p.Resource != nil {
		pkg["resource"] = p.Resource
	}
	if p.Template != "" {
		pkg["marathon"] = map[string]any{"v2AppMustacheTemplate": base64.StdEncoding.EncodeToString([]byte(p.Template))}
	}
	return pkg
}

// definitionLabel is DCOS_PACKAGE_DEFINITION: base64 of Cosmos's storage
// envelope, whose data is the gzipped Definition.
func (p *Package) definitionLabel(releaseVersion int) (string, error) {
	raw, err := compactJSON(dropNulls(p.Definition(releaseVersion)))
	if err != nil {
		return "", fmt.Errorf("encoding the package definition: %w", err)
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz) // zero header time: the label is reproducible
	if _, err := w.Write(raw); err != nil {
		return "", fmt.Errorf("compressing the package definition: %w", err)
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("compressing the package definition: %w", err)
	}
	envelope, err := json.Marshal(map[string]any{
		"metadata": map[string]string{
			"Content-Type":     "application/vnd.dcos.universe.package+json;charset=utf-8;version=v4",
			"Content-Encoding": "gzip",
		},
		"data": base64.StdEncoding.EncodeToString(gz.Bytes()),
	})
	if err != nil {
		return "", fmt.Errorf("encoding the package definition: %w", err)
	}
	return base64.StdEncoding.EncodeToString(envelope), nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// dropNulls returns v without the null members of its objects, at every
// depth (circe's printer with dropNullValues). Array elements stay.
func dropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if e != nil {
				out[k] = dropNulls(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = dropNulls(e)
		}
		return out
	}
	return v
}

// compactJSON encodes v without spaces and, as circe, without escaping
// '<', '>' and '&'.
func compactJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// ErrBadDefinitionLabel wraps every failure to decode a
// DCOS_PACKAGE_DEFINITION label.
var ErrBadDefinitionLabel = errors.New("bad " + LabelPackageDefinition + " label")

// DecodeDefinitionLabel decodes a DCOS_PACKAGE_DEFINITION label into the
// package definition it stores (see Definition).
func DecodeDefinitionLabel(label string) (map[string]any, error) {
	raw, err := base64.StdEncoding.DecodeString(label)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadDefinitionLabel, err)
	}
	var envelope struct {
		Metadata map[string]string `json:"metadata"`
		Data     string            `json:"data"`
	}
	if err := json.Unmarshal(raw, &envelope); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadDefinitionLabel, err)
	}
	data, err := base64.StdEncoding.DecodeString(envelope.Data)
	if err != nil {
		return nil, fmt.Errorf("%w: data: %w", ErrBadDefinitionLabel, err)
	}
	if envelope.Metadata["Content-Encoding"] == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadDefinitionLabel, err)
		}
		if data, err = io.ReadAll(io.LimitReader(zr, 16<<20)); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadDefinitionLabel, err)
		}
	}
	def, err := DecodeObject(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadDefinitionLabel, err)
	}
	return def, nil
}

// DecodeOptionsLabel decodes a DCOS_PACKAGE_OPTIONS label: base64 of a JSON
// object.
func DecodeOptionsLabel(label string) (map[string]any, error) {
	raw, err := base64.StdEncoding.DecodeString(label)
	if err != nil {
		return nil, fmt.Errorf("bad %s label: %w", LabelPackageOptions, err)
	}
	opts, err := DecodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("bad %s label: %w", LabelPackageOptions, err)
	}
	return opts, nil
}
