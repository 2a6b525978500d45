package executor

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// extractArchive extracts the archive name, a file inside root, into root.
// Entries are confined to root: absolute or escaping names are refused, and
// symlinks in the archive cannot redirect later entries outside it.
func extractArchive(root *os.Root, name string) error {
	f, err := root.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".zip"):
		st, err := f.Stat()
		if err != nil {
			return err
		}
		return extractZip(root, f, st.Size())
	case strings.HasSuffix(lower, ".tar"):
		return extractTar(root, f)
	default: // .tar.gz, .tgz
		gz, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
		defer gz.Close()
		return extractTar(root, gz)
	}
}

// entryName validates and cleans an archive entry name; "" means the
// archive's root itself.
func entryName(raw string) (string, error) {
	name := path.Clean(strings.TrimPrefix(raw, "./"))
	if name == "." || name == "/" {
		return "", nil
	}
	if !filepath.IsLocal(filepath.FromSlash(name)) {
		return "", fmt.Errorf("archive entry %q points outside the sandbox", raw)
	}
	return filepath.FromSlash(name), nil
}

func extractTar(root *os.Root, r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("tar: %w", err)
		}
		name, err := entryName(hdr.Name)
		if err != nil || name == "" {
			if err != nil {
				return err
			}
			continue
		}
		mode := fs.FileMode(hdr.Mode).Perm()
		switch hdr.Typeflag {
		case tar.TypeDir:
			err = root.MkdirAll(name, 0o755)
		case tar.TypeReg:
			if mode == 0 {
				mode = 0o644
			}
			err = extractFile(root, name, tr, mode)
		case tar.TypeSymlink:
			err = extractSymlink(root, name, hdr.Linkname)
		case tar.TypeLink:
			var target string
			if target, err = entryName(hdr.Linkname); err == nil {
				err = extractHardlink(root, name, target)
			}
		default:
			continue // devices, fifos and the like are not extracted
		}
		if err != nil {
			return err
		}
	}
}

func extractZip(root *os.Root, r io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	for _, zf := range zr.File {
		name, err := entryName(zf.Name)
		if err != nil {
			return err
		}
		if name == "" {
			continue
		}
		mode := zf.Mode()
		switch {
		case mode.IsDir():
			err = root.MkdirAll(name, 0o755)
		case mode&fs.ModeSymlink != 0:
			err = extractZipSymlink(root, name, zf)
		default:
			perm := mode.Perm()
			if perm == 0 {
				perm = 0o644
			}
			err = extractZipFile(root, name, zf, perm)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func extractZipFile(root *os.Root, name string, zf *zip.File, perm fs.FileMode) error {
	rc, err := zf.Open()
	if err != nil {
		return fmt.Errorf("zip entry %s: %w", zf.Name, err)
	}
	defer rc.Close()
	return extractFile(root, name, rc, perm)
}

func extractZipSymlink(root *os.Root, name string, zf *zip.File) error {
	rc, err := zf.Open()
	if err != nil {
		return fmt.Errorf("zip entry %s: %w", zf.Name, err)
	}
	defer rc.Close()
	target, err := io.ReadAll(io.LimitReader(rc, 4096))
	if err != nil {
		return fmt.Errorf("zip entry %s: %w", zf.Name, err)
	}
	return extractSymlink(root, name, string(target))
}

func makeParent(root *os.Root, name string) error {
	if dir := filepath.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", dir, err)
		}
	}
	return nil
}

func extractFile(root *os.Root, name string, r io.Reader, perm fs.FileMode) error {
	if err := makeParent(root, name); err != nil {
		return err
	}
	return writeFile(root, name, r, perm)
}

// extractSymlink creates the link as the archive has it; following it later
// through root cannot leave the sandbox.
func extractSymlink(root *os.Root, name, target string) error {
	if err := makeParent(root, name); err != nil {
		return err
	}
	if err := root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("replacing %s: %w", name, err)
	}
	if err := root.Symlink(target, name); err != nil {
		return fmt.Errorf("creating symlink %s: %w", name, err)
	}
	return nil
}

func extractHardlink(root *os.Root, name, target string) error {
	if err := makeParent(root, name); err != nil {
		return err
	}
	if err := root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("replacing %s: %w", name, err)
	}
	if err := root.Link(target, name); err != nil {
		return fmt.Errorf("creating hard link %s: %w", name, err)
	}
	return nil
}
