package updatepreview

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// The labels Cosmos sets on the apps it installs (deploy/catalog sets the
// same; this package does no IO and so does not import it).
const (
	labelPrefix         = "DCOS_PACKAGE_"
	labelPackageOptions = "DCOS_PACKAGE_OPTIONS"
	labelPackageVersion = "DCOS_PACKAGE_VERSION"
)

// optionChanges compares the user options the apps' labels record.
func optionChanges(installed, update map[string]any) ([]Change, error) {
	a, err := packageOptions("installed", installed)
	if err != nil {
		return nil, err
	}
	b, err := packageOptions("updated", update)
	if err != nil {
		return nil, err
	}
	out := []Change{}
	diffJSON("", a, b, false, &out)
	sortChanges(out)
	return out, nil
}

// packageOptions decodes an app's DCOS_PACKAGE_OPTIONS label: base64 of
// the options JSON.
func packageOptions(which string, app map[string]any) (any, error) {
	labels, _ := app["labels"].(map[string]any)
	s, ok := labels[labelPackageOptions].(string)
	if !ok {
		return nil, fmt.Errorf("%w: the %s app has no %s label: it was not installed from a package", ErrBadInput, which, labelPackageOptions)
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: the %s app's %s label is not base64: %w", ErrBadInput, which, labelPackageOptions, err)
	}
	v, err := decode(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: the %s app's %s label is not JSON: %w", ErrBadInput, which, labelPackageOptions, err)
	}
	return v, nil
}

// appChanges compares the apps: env and labels in full (but for the
// package labels the report shows elsewhere), other fields as the update
// sets them.
func appChanges(installed, update map[string]any) (AppReport, error) {
	a, err := normalize(installed)
	if err != nil {
		return AppReport{}, fmt.Errorf("%w: the installed app: %w", ErrBadInput, err)
	}
	b, err := normalize(update)
	if err != nil {
		return AppReport{}, fmt.Errorf("%w: the updated app: %w", ErrBadInput, err)
	}
	am, bm := a.(map[string]any), b.(map[string]any)
	r := AppReport{Changes: []Change{}}
	for _, k := range slices.Sorted(maps.Keys(bm)) {
		switch k {
		case "env":
			diffJSON("env", am[k], bm[k], false, &r.Changes)
		case "labels":
			diffJSON("labels", packageLabelsDropped(am[k]), packageLabelsDropped(bm[k]), false, &r.Changes)
		case "id":
			// Marathon keeps ids absolute: a rendered "hw" is the "/hw"
			// a GET gives.
			diffJSON("id", absoluteID(am[k]), absoluteID(bm[k]), true, &r.Changes)
		default:
			if av, ok := am[k]; ok {
				diffJSON(k, av, bm[k], true, &r.Changes)
			} else {
				r.Changes = append(r.Changes, Change{Path: k, Kind: Added, New: encode(bm[k])})
			}
		}
	}
	for _, k := range []string{"env", "labels"} {
		if _, inNew := bm[k]; !inNew {
			diffJSON(k, am[k], nil, false, &r.Changes)
		}
	}
	sortChanges(r.Changes)
	// Any change, the package labels included, is a new app version:
	// Marathon redeploys the scheduler.
	var labels []Change
	diffJSON("labels", am["labels"], bm["labels"], false, &labels)
	r.Restarts = len(r.Changes) > 0 || len(labels) > 0
	return r, nil
}

// absoluteID is an app id in Marathon's absolute form.
func absoluteID(v any) any {
	if id, ok := v.(string); ok {
		return "/" + strings.Trim(id, "/")
	}
	return v
}

// packageLabelsDropped is labels without the DCOS_PACKAGE_* labels but for
// the package version.
func packageLabelsDropped(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, val := range m {
		if !strings.HasPrefix(k, labelPrefix) || k == labelPackageVersion {
			out[k] = val
		}
	}
	return out
}

// diffJSON appends the changes from a to b under path. Objects are
// compared key by key; arrays element by element when their lengths are
// equal, else as a whole. With newSide, keys only a has are not changes.
// A nil value is absent.
func diffJSON(path string, a, b any, newSide bool, out *[]Change) {
	switch {
	case a == nil && b == nil:
		return
	case a == nil && isFullObject(b), b == nil && isFullObject(a):
		// An object added or removed is reported leaf by leaf.
		m, _ := a.(map[string]any)
		if m == nil {
			m = b.(map[string]any)
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			var x, y any
			if a != nil {
				x = m[k]
			} else {
				y = m[k]
			}
			diffJSON(joinPath(path, k), x, y, newSide, out)
		}
		return
	case a == nil:
		*out = append(*out, Change{Path: path, Kind: Added, New: encode(b)})
		return
	case b == nil:
		*out = append(*out, Change{Path: path, Kind: Removed, Old: encode(a)})
		return
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		for _, k := range slices.Sorted(maps.Keys(bm)) {
			diffJSON(joinPath(path, k), am[k], bm[k], newSide, out)
		}
		if newSide {
			return
		}
		for _, k := range slices.Sorted(maps.Keys(am)) {
			if _, ok := bm[k]; !ok {
				diffJSON(joinPath(path, k), am[k], nil, newSide, out)
			}
		}
		return
	}
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok && bok && len(as) == len(bs) {
		for i := range bs {
			diffJSON(fmt.Sprintf("%s[%d]", path, i), as[i], bs[i], newSide, out)
		}
		return
	}
	if ea, eb := encode(a), encode(b); !bytes.Equal(ea, eb) {
		*out = append(*out, Change{Path: path, Kind: Changed, Old: ea, New: eb})
	}
}

// isFullObject reports whether v is an object with at least one key.
func isFullObject(v any) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) > 0
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// joinPath adds a key to a dotted path; a key that is not an identifier
// is quoted in brackets.
func joinPath(path, key string) string {
	if !identifier.MatchString(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func sortChanges(c []Change) {
	sort.SliceStable(c, func(i, j int) bool { return c[i].Path < c[j].Path })
}

// normalize re-decodes a value through JSON, so that numbers are
// json.Number whatever the caller decoded them as.
func normalize(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return decode(b)
}

func decode(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("data after the JSON value")
	}
	return v, nil
}

// encode is compact JSON without HTML escaping; values here came from
// JSON and always encode.
func encode(v any) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("updatepreview: encoding a decoded JSON value: %v", err))
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// unifiedDiff is a unified diff with three lines of context, "" for equal
// texts.
func unifiedDiff(a, b, fromFile, toFile string) string {
	if a == b {
		return ""
	}
	s, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(a), B: difflib.SplitLines(b), FromFile: fromFile, ToFile: toFile, Context: 3,
	})
	if err != nil {
		// It writes to a strings.Builder, which does not fail.
		panic(fmt.Sprintf("updatepreview: diff: %v", err))
	}
	return s
}
