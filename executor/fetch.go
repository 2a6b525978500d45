package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// fetchClient downloads http and https URIs; it honours the usual proxy
// variables, like the Mesos fetcher's curl.
var fetchClient = &http.Client{Transport: http.DefaultTransport}

// fetchURIs fetches every URI into sandbox, in order, like the Mesos fetcher:
// http and https URIs are downloaded, file:// URIs and absolute paths are
// copied. The file is named after output_file, else the URI's last path
// element. An executable URI is made executable; otherwise, unless extract is
// false, a .tar.gz, .tgz, .tar or .zip file is extracted into the sandbox.
// Nothing is written outside sandbox. Cancelling ctx aborts downloads.
func fetchURIs(ctx context.Context, sandbox string, uris []mesos.CommandInfo_URI) error {
	if len(uris) == 0 {
		return nil
	}
	root, err := os.OpenRoot(sandbox)
	if err != nil {
		return fmt.Errorf("opening the task sandbox: %w", err)
	}
	defer root.Close()
	for _, u := range uris {
		if err := fetchURI(ctx, root, u); err != nil {
			return fmt.Errorf("failed to fetch URI %q: %w", u.Value, err)
		}
	}
	return nil
}

func fetchURI(ctx context.Context, root *os.Root, u mesos.CommandInfo_URI) error {
	open, base, err := uriSource(u.Value)
	if err != nil {
		return err
	}
	name := base
	if u.OutputFile != nil && *u.OutputFile != "" {
		name = *u.OutputFile
	}
	name = filepath.Clean(name)
	if name == "." || name == "/" || !filepath.IsLocal(name) {
		return fmt.Errorf("cannot store it as %q: the file name must be a path inside the sandbox (set output_file)", name)
	}
	src, err := open(ctx)
	if err != nil {
		return err
	}
	defer src.Close()
	if dir := filepath.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", dir, err)
		}
	}
	if err := writeFile(root, name, src, 0o644); err != nil {
		return err
	}
	switch {
	case u.GetExecutable():
		if err := root.Chmod(name, 0o755); err != nil {
			return fmt.Errorf("making %s executable: %w", name, err)
		}
	case u.GetExtract() && isArchive(name):
		if err := extractArchive(root, name); err != nil {
			return fmt.Errorf("extracting %s: %w", name, err)
		}
	}
	return nil
}

// writeFile writes r to name inside root with mode perm (umask ignored).
func writeFile(root *os.Root, name string, r io.Reader, perm os.FileMode) error {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return fmt.Errorf("creating %s: %w", name, err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := root.Chmod(name, perm); err != nil {
		return fmt.Errorf("setting the mode of %s: %w", name, err)
	}
	return nil
}

// uriSource returns how to open the URI's content and its default file name.
func uriSource(value string) (open func(context.Context) (io.ReadCloser, error), base string, err error) {
	if strings.HasPrefix(value, "/") {
		return openLocal(value), filepath.Base(value), nil
	}
	u, err := url.Parse(value)
	if err != nil {
		return nil, "", fmt.Errorf("invalid URI: %w", err)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return openHTTP(value), path.Base(u.Path), nil
	case "file":
		if !strings.HasPrefix(u.Path, "/") {
			return nil, "", errors.New("a file URI needs an absolute path")
		}
		return openLocal(u.Path), filepath.Base(u.Path), nil
	case "":
		return nil, "", errors.New("a URI without a scheme must be an absolute path")
	default:
		return nil, "", fmt.Errorf("unsupported URI scheme %q", u.Scheme)
	}
}

func openLocal(p string) func(context.Context) (io.ReadCloser, error) {
	return func(context.Context) (io.ReadCloser, error) {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
			f.Close()
			return nil, fmt.Errorf("%s is not a regular file", p)
		}
		return f, nil
	}
}

func openHTTP(rawURL string) func(context.Context) (io.ReadCloser, error) {
	return func(ctx context.Context) (io.ReadCloser, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			return nil, err
		}
		resp, err := fetchClient.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			resp.Body.Close()
			return nil, fmt.Errorf("HTTP status %s", resp.Status)
		}
		return resp.Body, nil
	}
}

// isArchive reports whether name has an extension the fetcher extracts.
func isArchive(name string) bool {
	lower := strings.ToLower(name)
	for _, ext := range []string{".tar.gz", ".tgz", ".tar", ".zip"} {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	return false
}
