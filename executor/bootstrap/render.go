package bootstrap

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kennel-sdk/kennel/servicespec/mustache"
)

// Render renders templates, in the order given, against env and writes each
// result to its destination. dir is the sandbox: relative Src and Dest are
// resolved against it.
//
// Every template is tried even when an earlier one fails. A template that
// cannot be read, does not parse, or uses a variable env lacks is not written
// (an existing destination is left as it was). The returned error joins one
// error per problem: syntax errors read "<src>:<line>:<col>: <message>" and
// wrap mustache.ErrSyntax; each use of a missing variable reads
// "<src>:<line>:<col>: <name>: not set in the task environment" and wraps
// ErrMissing; other errors name the template's variable.
//
// Values are inserted raw, without HTML escaping, in {{x}} as in {{{x}}}.
// Destinations are written atomically (see writeFile), creating missing
// parent directories with mode 0755.
//
// rendered holds one line per file written, in order, such as
// "rendered config-templates/x -> conf/x.properties (1234 bytes)"; it lists
// the files written even when err is not nil.
func Render(dir string, templates []Template, env map[string]string) (rendered []string, err error) {
	ctx := make(map[string]any, len(env))
	for k, v := range env {
		ctx[k] = v
	}
	var errs []error
	for _, t := range templates {
		n, err := renderOne(dir, t, ctx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rendered = append(rendered, fmt.Sprintf("rendered %s -> %s (%d bytes)", t.Src, t.Dest, n))
	}
	return rendered, errors.Join(errs...)
}

// renderOne renders t and returns the number of bytes written.
func renderOne(dir string, t Template, ctx map[string]any) (int, error) {
	src, err := os.ReadFile(resolve(dir, t.Src))
	if err != nil {
		return 0, fmt.Errorf("%s%s: read template: %w", Prefix, t.Name, err)
	}
	tmpl, err := mustache.Parse(t.Src, string(src))
	if err != nil {
		return 0, err // a *mustache.SyntaxError, which names t.Src:line:col
	}
	// The zero Options renders {{x}} without escaping: config files want raw
	// values, not mustache.java's HTML escaping.
	res := tmpl.Render(ctx, mustache.Options{})
	if len(res.Missing) > 0 {
		errs := make([]error, 0, len(res.Missing))
		for _, m := range res.Missing {
			errs = append(errs, fmt.Errorf("%s:%d:%d: %s: %w", t.Src, m.Line, m.Column, m.Name, ErrMissing))
		}
		return 0, errors.Join(errs...)
	}
	if err := writeFile(resolve(dir, t.Dest), []byte(res.Output)); err != nil {
		return 0, fmt.Errorf("%s%s: write %s: %w", Prefix, t.Name, t.Dest, err)
	}
	return len(res.Output), nil
}

// resolve returns p itself if it is absolute, else p relative to dir.
func resolve(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// writeFile replaces path with data atomically: it writes a temporary file in
// path's directory (creating it and its parents with mode 0755), fsyncs it and
// renames it over path. The file gets mode 0644, or the permission bits of
// the file path already names (following a symbolic link, which the rename
// then replaces with a regular file). A path naming a non-regular file, such
// as a directory, is an error.
func writeFile(path string, data []byte) (err error) {
	mode := fs.FileMode(0o644)
	switch fi, err := os.Stat(path); {
	case err == nil && !fi.Mode().IsRegular():
		return fmt.Errorf("%s exists and is not a regular file", path)
	case err == nil:
		mode = fi.Mode().Perm()
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	d := filepath.Dir(path)
	if err := os.MkdirAll(d, 0o755); err != nil {
		return err
	}
	// Chmod in writeMode, unlike a create mode, is not filtered by the umask.
	return writeMode(path, data, mode)
}
