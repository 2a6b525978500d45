package cosmos

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/kennel-sdk/kennel/deploy/catalog"
)

// PackageDir is the directory of a service that holds its catalog package.
const PackageDir = "package"

// SpecDir is the optional directory of a package version that holds the
// version's own service spec (svc.yml and what it needs).
const SpecDir = "spec"

// Repository is a directory of catalog packages, laid out as Kennel's
// examples are:
//
//	<repo>/<name>/                        a service: svc.yml, svc.env, templates
//	<repo>/<name>/package/package.json    its package, one version (releaseVersion 0)
//	<repo>/<name>/package/<N>/package.json  or several versions: N is the
//	                                      releaseVersion, a non-negative integer
//	                                      (Universe's repo/packages/<L>/<name>/<N>/)
//	<repo>/<name>/package/<N>/spec/       optionally, the spec of version N; without
//	                                      it, a version ships <repo>/<name>/ minus package/
//
// A directory holding package.json is also a repository: of that one package
// (releaseVersion 0), whose service is the directory above it; or, for
// <name>/package/<N>/, version N of <name>'s package, as in the repository. Versions are
// ordered by releaseVersion; package.json's name must be <name>.
type Repository struct {
	// Dir is the repository's directory, absolute.
	Dir string
	// single is set when Dir is itself a package directory.
	single bool
}

// OpenRepository opens the repository at dir (see Repository).
func OpenRepository(dir string) (*Repository, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("package repository %s: %w", dir, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("package repository: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("package repository %s: not a directory", dir)
	}
	_, err = os.Stat(filepath.Join(abs, catalog.PackageFile))
	return &Repository{Dir: abs, single: err == nil}, nil
}

// Source is the repository's URI, recorded in DCOS_PACKAGE_SOURCE.
func (r *Repository) Source() string { return "file://" + filepath.ToSlash(r.Dir) }

// Entry is one version of a package in a repository.
type Entry struct {
	// Package is the loaded package (its resource.json may still name
	// {{artifact-dir}}; Cosmos fills it before rendering).
	Package *catalog.Package
	// ReleaseVersion orders the versions of a package.
	ReleaseVersion int
	// SpecDir is the directory whose files make the service's spec archive.
	SpecDir string
	// SkipDir, when set, is a directory under SpecDir left out of the
	// archive (the package directory itself).
	SkipDir string
}

// Name and Version are the package's.
func (e *Entry) Name() string    { return e.Package.Name }
func (e *Entry) Version() string { return e.Package.Version }

// packageNotFound is PackageNotFound for name, listing the packages the
// repository holds.
func (r *Repository) packageNotFound(name string) *Error {
	names, _ := r.Names()
	return packageNotFound(name, names)
}

// Names lists the repository's package names, sorted.
func (r *Repository) Names() ([]string, error) {
	if r.single {
		es, err := r.Versions("")
		if err != nil {
			return nil, err
		}
		return []string{es[0].Name()}, nil
	}
	ents, err := os.ReadDir(r.Dir)
	if err != nil {
		return nil, fmt.Errorf("package repository: %w", err)
	}
	var names []string
	for _, e := range ents {
		if st, err := os.Stat(filepath.Join(r.Dir, e.Name(), PackageDir)); err == nil && st.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// Versions returns the versions of package name, by releaseVersion,
// oldest first. A package the repository does not hold is PackageNotFound.
// For a single-package repository, name "" is its package.
func (r *Repository) Versions(name string) ([]*Entry, error) {
	if r.single {
		pkg, err := catalog.Load(r.Dir)
		if err != nil {
			return nil, invalidPackage(r.Dir, err)
		}
		if name != "" && pkg.Name != name {
			return nil, packageNotFound(name, []string{pkg.Name})
		}
		// <service>/package/<N>/ is version N of <service>'s package.
		parent := filepath.Dir(r.Dir)
		if n, err := strconv.Atoi(filepath.Base(r.Dir)); err == nil && n >= 0 && filepath.Base(parent) == PackageDir {
			spec, skip := filepath.Dir(parent), parent
			if st, err := os.Stat(filepath.Join(r.Dir, SpecDir)); err == nil && st.IsDir() {
				spec, skip = filepath.Join(r.Dir, SpecDir), ""
			}
			return []*Entry{{Package: pkg, ReleaseVersion: n, SpecDir: spec, SkipDir: skip}}, nil
		}
		return []*Entry{{Package: pkg, SpecDir: parent, SkipDir: r.Dir}}, nil
	}
	if !validName(name) {
		return nil, r.packageNotFound(name)
	}
	service := filepath.Join(r.Dir, name)
	pkgDir := filepath.Join(service, PackageDir)
	if _, err := os.Stat(pkgDir); errors.Is(err, fs.ErrNotExist) {
		return nil, r.packageNotFound(name)
	}
	var entries []*Entry
	_, err := os.Stat(filepath.Join(pkgDir, catalog.PackageFile))
	flat := err == nil
	if flat {
		e, err := loadEntry(name, pkgDir, 0, service, pkgDir)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	dirs, err := os.ReadDir(pkgDir)
	if err != nil {
		return nil, fmt.Errorf("package repository: %w", err)
	}
	for _, d := range dirs {
		n, err := strconv.Atoi(d.Name())
		if !d.IsDir() || err != nil || n < 0 || strconv.Itoa(n) != d.Name() {
			continue
		}
		if flat {
			return nil, invalidPackage(pkgDir, errors.New("holds both package.json and release directories: pick one layout"))
		}
		dir := filepath.Join(pkgDir, d.Name())
		spec, skip := service, pkgDir
		if st, err := os.Stat(filepath.Join(dir, SpecDir)); err == nil && st.IsDir() {
			spec, skip = filepath.Join(dir, SpecDir), ""
		}
		e, err := loadEntry(name, dir, n, spec, skip)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return nil, r.packageNotFound(name)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].ReleaseVersion < entries[j].ReleaseVersion })
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.Version()] {
			return nil, invalidPackage(pkgDir, fmt.Errorf("version %s appears twice", e.Version()))
		}
		seen[e.Version()] = true
	}
	return entries, nil
}

func loadEntry(name, dir string, release int, spec, skip string) (*Entry, error) {
	pkg, err := catalog.Load(dir)
	if err != nil {
		return nil, invalidPackage(dir, err)
	}
	if pkg.Name != name {
		return nil, invalidPackage(dir, fmt.Errorf("package.json names %q, but its directory is %q", pkg.Name, name))
	}
	return &Entry{Package: pkg, ReleaseVersion: release, SpecDir: spec, SkipDir: skip}, nil
}

// Lookup returns version of package name, or its newest version when
// version is "". Errors: PackageNotFound, VersionNotFound (listing the
// versions there are).
func (r *Repository) Lookup(name, version string) (*Entry, error) {
	es, err := r.Versions(name)
	if err != nil {
		return nil, err
	}
	if version == "" {
		return es[len(es)-1], nil
	}
	for _, e := range es {
		if e.Version() == version {
			return e, nil
		}
	}
	return nil, versionNotFound(es[0].Name(), version, versionsOf(es))
}

func versionsOf(es []*Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Version()
	}
	return out
}

// validName is Universe's package name rule, which also keeps a name from
// walking out of the repository.
func validName(name string) bool {
	if len(name) < 2 || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return name[len(name)-1] != '-'
}

func invalidPackage(dir string, err error) *Error {
	return &Error{Type: "InvalidPackage", Status: http.StatusInternalServerError, Err: err,
		Message: fmt.Sprintf("the package in %s is invalid: %v", dir, err),
		Data:    map[string]any{"dir": dir}}
}

// matches reports whether a version specification list (package.json's
// upgradesFrom or downgradesTo) matches version: "*" matches any, another
// entry only itself.
func matches(spec any, version string) bool {
	list, _ := spec.([]any)
	for _, v := range list {
		if s, _ := v.(string); s == "*" || s == version {
			return true
		}
	}
	return false
}

// UpgradesTo returns the versions of the repository's package that may
// replace installed: those whose upgradesFrom matches the installed version
// (as Cosmos's describe), by releaseVersion.
func UpgradesTo(versions []*Entry, installed string) []string {
	var out []string
	for _, e := range versions {
		if e.Version() != installed && matches(e.Package.Manifest["upgradesFrom"], installed) {
			out = append(out, e.Version())
		}
	}
	return out
}

// DowngradesTo returns the versions the installed package's downgradesTo
// matches, by releaseVersion.
func DowngradesTo(versions []*Entry, installed map[string]any) []string {
	current, _ := installed["version"].(string)
	var out []string
	for _, e := range versions {
		if e.Version() != current && matches(installed["downgradesTo"], e.Version()) {
			out = append(out, e.Version())
		}
	}
	return out
}
