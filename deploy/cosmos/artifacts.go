package cosmos

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The artifacts a Kennel package's resource.json names under
// {{artifact-dir}}: the kennel binary the scheduler runs, and the service's
// spec as a tar.gz whose top-level directory is "spec" (the app runs
// KENNEL_SPEC=spec/svc.yml in its sandbox).
const (
	BinaryArtifact = "kennel-linux-amd64"
	specArchiveFmt = "%s-spec.tar.gz"
)

// SpecArchiveName is the spec archive's name for package name.
func SpecArchiveName(name string) string { return fmt.Sprintf(specArchiveFmt, name) }

// Artifacts says where a package version's artifacts are published: the
// URL {{artifact-dir}} stands for.
type Artifacts interface {
	// ArtifactDir returns the URL, publishing the artifacts there first
	// when the Artifacts publishes them.
	ArtifactDir(ctx context.Context, e *Entry) (string, error)
	// Locate returns the URL ArtifactDir would return, changing nothing.
	Locate(ctx context.Context, e *Entry) (string, error)
}

// PublishedArtifacts are artifacts published elsewhere, at one URL (a real
// cluster's: an HTTP server or object store the agents reach).
type PublishedArtifacts struct{ URL string }

// ArtifactDir returns the URL.
func (p PublishedArtifacts) ArtifactDir(context.Context, *Entry) (string, error) { return p.URL, nil }

// Locate returns the URL.
func (p PublishedArtifacts) Locate(context.Context, *Entry) (string, error) { return p.URL, nil }

// LocalArtifacts publishes a package version's artifacts in a directory of
// this host, referenced by file:// URIs: the Mesos fetcher copies file://
// URIs, and the local cluster's agents share the host. Under
// Dir/<name>/<version>/ it writes the spec archive of the entry's SpecDir
// and a copy (a hard link when it can) of Binary, the running kennel.
type LocalArtifacts struct {
	Dir    string
	Binary string
}

// ArtifactDir publishes the entry's artifacts and returns their file://
// directory. Files are replaced atomically, so a scheduler fetching them
// meanwhile sees the old or the new file whole.
func (l LocalArtifacts) ArtifactDir(_ context.Context, e *Entry) (string, error) {
	dir, err := l.dir(e)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", artifactsError(err)
	}
	if err := atomicWrite(filepath.Join(dir, SpecArchiveName(e.Name())), 0o644, func(w io.Writer) error {
		return WriteSpecArchive(w, e.SpecDir, e.SkipDir)
	}); err != nil {
		return "", artifactsError(err)
	}
	if err := publishBinary(l.Binary, filepath.Join(dir, BinaryArtifact)); err != nil {
		return "", artifactsError(err)
	}
	return "file://" + filepath.ToSlash(dir), nil
}

// Locate returns the file:// directory ArtifactDir publishes to, writing
// nothing.
func (l LocalArtifacts) Locate(_ context.Context, e *Entry) (string, error) {
	dir, err := l.dir(e)
	if err != nil {
		return "", err
	}
	return "file://" + filepath.ToSlash(dir), nil
}

func (l LocalArtifacts) dir(e *Entry) (string, error) {
	dir, err := filepath.Abs(filepath.Join(l.Dir, e.Name(), e.Version()))
	if err != nil {
		return "", artifactsError(err)
	}
	return dir, nil
}

func artifactsError(err error) *Error {
	return &Error{Type: "ArtifactsUnavailable", Status: 500, Err: err,
		Message: fmt.Sprintf("publishing the package's artifacts: %v", err)}
}

// publishBinary hard-links bin to dst, or copies it, replacing dst.
func publishBinary(bin, dst string) error {
	tmp := dst + ".tmp"
	_ = os.Remove(tmp)
	if err := os.Link(bin, tmp); err == nil {
		return os.Rename(tmp, dst)
	}
	src, err := os.Open(bin)
	if err != nil {
		return fmt.Errorf("the kennel binary: %w", err)
	}
	defer src.Close()
	return atomicWrite(dst, 0o755, func(w io.Writer) error {
		_, err := io.Copy(w, src)
		return err
	})
}

// atomicWrite writes path through a temporary file renamed over it.
func atomicWrite(path string, perm os.FileMode, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// WriteSpecArchive writes the files under dir, except the directory skip
// (when not ""), hidden files and directories, as a tar.gz with one
// top-level directory "spec". Entries are sorted and carry no times or
// owners, so the archive of the same files is the same bytes.
func WriteSpecArchive(w io.Writer, dir, skip string) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Name: "spec/", Typeflag: tar.TypeDir, Mode: 0o755, Format: tar.FormatPAX}); err != nil {
		return err
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == dir {
			return nil
		}
		if (skip != "" && path == skip) || strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		name := "spec/" + filepath.ToSlash(rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return tw.WriteHeader(&tar.Header{Name: name + "/", Typeflag: tar.TypeDir, Mode: 0o755, Format: tar.FormatPAX})
		case info.Mode().IsRegular():
			mode := int64(0o644)
			if info.Mode()&0o111 != 0 {
				mode = 0o755
			}
			if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: mode, Size: info.Size(), Format: tar.FormatPAX}); err != nil {
				return err
			}
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(tw, f)
			return err
		}
		return fmt.Errorf("%s: only files and directories go into a spec archive", path)
	})
	if err != nil {
		return fmt.Errorf("spec archive of %s: %w", dir, err)
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}
