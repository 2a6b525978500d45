// Package bootstrap renders a task's config templates inside the task's
// sandbox, before the task's own command runs: it is the engine of
// `kennel bootstrap`, which the scheduler prepends to task commands as
// `./kennel bootstrap || exit` on a line of its own before <cmd>. When a
// template fails, `kennel bootstrap` exits with ExitCode, which the
// scheduler recognises in the task's status.
//
// The scheduler describes each template with one environment variable
//
//	CONFIG_TEMPLATE_<NAME>=<src>,<dest>
//
// and ships the template itself as a fetched URI, so <src> is normally
// config-templates/<name>. FromEnv reads those variables; Render renders each
// template with package mustache against the whole task environment and
// writes the result to <dest>.
//
// Contracts:
//   - Relative <src> and <dest> are resolved against the sandbox directory;
//     absolute paths are used as they are.
//   - Values are rendered raw: {{x}} is not HTML-escaped, since config files
//     are not HTML.
//   - A variable the environment lacks is an error, never an empty string;
//     every missing variable of every template is reported with its position
//     and the template's destination is left untouched.
//   - A destination is replaced atomically (temporary file in the same
//     directory, fsync, rename); it is never left half-written.
package bootstrap

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
)

// ExitCode is the status `kennel bootstrap` exits with when any template
// fails: EX_CONFIG of sysexits(3), "configuration error". The scheduler
// (scheduler/offer.BootstrapExitCode) explains it in step reasons.
const ExitCode = 78

// Prefix starts the name of every environment variable that describes a
// config template.
const Prefix = "CONFIG_TEMPLATE_"

var (
	// ErrMissing is wrapped by the error reported for each variable that a
	// template uses and the environment does not set.
	ErrMissing = errors.New("not set in the task environment")
	// ErrMalformed is wrapped by the error reported for each CONFIG_TEMPLATE_*
	// variable whose value FromEnv cannot use.
	ErrMalformed = errors.New("malformed config template variable")
)

// Template is one config template: Name is the variable's suffix (after
// Prefix), informational only; Src is the template file and Dest the file to
// write, each relative to the sandbox unless absolute.
type Template struct {
	Name, Src, Dest string
}

// FromEnv returns the templates described by the CONFIG_TEMPLATE_* entries
// of environ (in os.Environ's "KEY=value" form), sorted by variable name.
// Other entries are ignored; when a key repeats, the last entry wins, as it
// does for os/exec.
//
// A value is split at its FIRST comma: <src> cannot contain a comma, <dest>
// can. Values are taken literally (no trimming). An entry is malformed when
// its name suffix is empty, it has no '=' or no comma, <src> or <dest> is
// empty, or <dest> names a directory (ends in '/', or its last element is
// "." or ".."). FromEnv then still returns every well-formed template, and an
// error joining one error per malformed variable, each naming the variable
// and wrapping ErrMalformed.
func FromEnv(environ []string) ([]Template, error) {
	type entry struct {
		value string
		hasEq bool
	}
	entries := map[string]entry{}
	for _, kv := range environ {
		if !strings.HasPrefix(kv, Prefix) {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		entries[k] = entry{value: v, hasEq: ok}
	}
	var templates []Template
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(entries)) {
		e := entries[k]
		if !e.hasEq {
			errs = append(errs, fmt.Errorf("%s: no '=' in environment entry: %w", k, ErrMalformed))
			continue
		}
		t, err := parseValue(strings.TrimPrefix(k, Prefix), e.value)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", k, e.value, err))
			continue
		}
		templates = append(templates, t)
	}
	return templates, errors.Join(errs...)
}

// parseValue parses "<src>,<dest>" for the template called name.
func parseValue(name, value string) (Template, error) {
	if name == "" {
		return Template{}, fmt.Errorf("empty template name: %w", ErrMalformed)
	}
	src, dest, ok := strings.Cut(value, ",")
	switch {
	case !ok:
		return Template{}, fmt.Errorf("want <src>,<dest>: %w", ErrMalformed)
	case src == "":
		return Template{}, fmt.Errorf("empty <src>: %w", ErrMalformed)
	case dest == "":
		return Template{}, fmt.Errorf("empty <dest>: %w", ErrMalformed)
	case strings.HasSuffix(dest, "/"), filepath.Base(dest) == ".", filepath.Base(dest) == "..":
		return Template{}, fmt.Errorf("<dest> %q names a directory: %w", dest, ErrMalformed)
	}
	return Template{Name: name, Src: src, Dest: dest}, nil
}
