package executor

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

type archiveEntry struct {
	name, body, link string
	mode             int64
	dir              bool
}

func tarGz(t *testing.T, entries ...archiveEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Mode: e.mode, Size: int64(len(e.body)), Typeflag: tar.TypeReg}
		switch {
		case e.dir:
			hdr.Typeflag, hdr.Size = tar.TypeDir, 0
		case e.link != "":
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeSymlink, e.link, 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zipArchive(t *testing.T, entries ...archiveEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		fh := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		fh.SetMode(os.FileMode(e.mode))
		w, err := zw.CreateHeader(fh)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFetchURIs(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{
		"/app.tar.gz": tarGz(t,
			archiveEntry{name: "bin/", dir: true, mode: 0o755},
			archiveEntry{name: "bin/hello.sh", body: "#!/bin/sh\necho hello from tar\n", mode: 0o755},
			archiveEntry{name: "./conf/app.conf", body: "setting=1\n", mode: 0o644},
		),
		"/app.zip":    zipArchive(t, archiveEntry{name: "zipped/run.sh", body: "#!/bin/sh\necho hello from zip\n", mode: 0o755}),
		"/tool":       []byte("#!/bin/sh\necho tool ran\n"),
		"/evil.tgz":   tarGz(t, archiveEntry{name: "../escaped", body: "x", mode: 0o644}),
		"/sneaky.tgz": tarGz(t, archiveEntry{name: "link", link: "/tmp"}, archiveEntry{name: "link/escaped", body: "x", mode: 0o644}),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	local := filepath.Join(t.TempDir(), "local.tar")
	if err := os.WriteFile(local, []byte("not really a tar"), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name       string
		uris       []mesos.CommandInfo_URI
		command    string
		wantState  mesos.TaskState
		wantStdout string
		wantErr    string // message substring of a failed fetch
	}{
		{
			name:       "tar.gz extracted",
			uris:       []mesos.CommandInfo_URI{{Value: srv.URL + "/app.tar.gz"}},
			command:    "./bin/hello.sh && cat conf/app.conf && test -f app.tar.gz",
			wantState:  mesos.TASK_FINISHED,
			wantStdout: "hello from tar\nsetting=1\n",
		},
		{
			name:       "zip extracted",
			uris:       []mesos.CommandInfo_URI{{Value: srv.URL + "/app.zip"}},
			command:    "./zipped/run.sh",
			wantState:  mesos.TASK_FINISHED,
			wantStdout: "hello from zip\n",
		},
		{
			name:       "executable with output file",
			uris:       []mesos.CommandInfo_URI{{Value: srv.URL + "/tool", Executable: ptr(true), OutputFile: ptr("tools/run")}},
			command:    "./tools/run",
			wantState:  mesos.TASK_FINISHED,
			wantStdout: "tool ran\n",
		},
		{
			name:       "file URI without extraction",
			uris:       []mesos.CommandInfo_URI{{Value: "file://" + local, Extract: ptr(false)}, {Value: local, OutputFile: ptr("copy.txt"), Extract: ptr(false)}},
			command:    "cat local.tar copy.txt",
			wantState:  mesos.TASK_FINISHED,
			wantStdout: "not really a tarnot really a tar",
		},
		{
			name:      "HTTP 404",
			uris:      []mesos.CommandInfo_URI{{Value: srv.URL + "/missing.tar.gz"}},
			command:   "true",
			wantState: mesos.TASK_FAILED,
			wantErr:   "404",
		},
		{
			name:      "entry outside the sandbox",
			uris:      []mesos.CommandInfo_URI{{Value: srv.URL + "/evil.tgz"}},
			command:   "true",
			wantState: mesos.TASK_FAILED,
			wantErr:   "outside the sandbox",
		},
		{
			name:      "entry through an escaping symlink",
			uris:      []mesos.CommandInfo_URI{{Value: srv.URL + "/sneaky.tgz"}},
			command:   "true",
			wantState: mesos.TASK_FAILED,
			wantErr:   "escapes",
		},
		{
			name:      "unsupported scheme",
			uris:      []mesos.CommandInfo_URI{{Value: "ftp://example.com/x"}},
			command:   "true",
			wantState: mesos.TASK_FAILED,
			wantErr:   "unsupported URI scheme",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := startExecutor(t, nil)
			info := shellTask("fetch", tc.command)
			info.Command.URIs = tc.uris
			h.agent.push(launchEvent(info))
			if err := h.wait(10 * time.Second); err != nil {
				t.Fatalf("Run = %v, want nil", err)
			}
			updates := h.agent.taskUpdates("fetch")
			last := updates[len(updates)-1]
			if last.GetState() != tc.wantState {
				t.Fatalf("final state %s (%q), want %s", last.GetState(), last.GetMessage(), tc.wantState)
			}
			sandbox := filepath.Join(h.cfg.Sandbox, "tasks", "fetch")
			if tc.wantErr != "" {
				if last.GetReason() != mesos.REASON_CONTAINER_LAUNCH_FAILED || !strings.Contains(last.GetMessage(), tc.wantErr) {
					t.Errorf("reason %s message %q, want %s containing %q", last.GetReason(), last.GetMessage(), mesos.REASON_CONTAINER_LAUNCH_FAILED, tc.wantErr)
				}
				if len(updates) != 1 {
					t.Errorf("states %v, want only TASK_FAILED", h.agent.states("fetch"))
				}
				if _, err := os.Stat(filepath.Join(h.cfg.Sandbox, "tasks", "escaped")); err == nil {
					t.Error("an archive entry was written outside the task sandbox")
				}
				return
			}
			if got, err := os.ReadFile(filepath.Join(sandbox, "stdout")); err != nil || string(got) != tc.wantStdout {
				stderr, _ := os.ReadFile(filepath.Join(sandbox, "stderr"))
				t.Errorf("stdout = %q, %v; want %q (stderr %q)", got, err, tc.wantStdout, stderr)
			}
		})
	}
}

func TestIsArchive(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"a.tar.gz": true, "a.TGZ": true, "a.tar": true, "a.zip": true,
		"a.gz": false, "a.txt": false, "tar": false,
	} {
		if got := isArchive(name); got != want {
			t.Errorf("isArchive(%q) = %v, want %v", name, got, want)
		}
	}
}
