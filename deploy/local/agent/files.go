package agent

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"os/user"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// maxRead caps one /files/read answer, as Mesos does: 16 pages.
var maxRead = int64(os.Getpagesize() * 16)

// fileRoutes serves Mesos's agent files API and the agent's state, with
// the paths, parameters, status codes and JSON shapes of a Mesos agent
// (src/files/files.cpp, src/slave/http.cpp):
//
//	GET /files/browse?path=P                 [{path,size,mode,mtime,uid,gid,nlink}] sorted by path
//	GET /files/read?path=P&offset=O&length=L {"data": "...", "offset": O}
//	GET /files/download?path=P               the file's bytes, as an attachment
//	GET /state, /state.json, /slave(1)/state[.json]  frameworks, executors (with their directory), tasks
//
// A path is an executor's sandbox directory as /state gives it, or below
// it, or its virtual name /frameworks/F/executors/E/runs/latest[/…]. Other
// paths are 404, as paths Mesos has not attached are; a path whose real
// location leaves the agent's data dir is 400.
func (a *Agent) fileRoutes(mux *http.ServeMux) {
	mux.HandleFunc("/files/browse", a.serveBrowse)
	mux.HandleFunc("/files/browse.json", a.serveBrowse)
	mux.HandleFunc("/files/read", a.serveRead)
	mux.HandleFunc("/files/read.json", a.serveRead)
	mux.HandleFunc("/files/download", a.serveDownload)
	mux.HandleFunc("/files/download.json", a.serveDownload)
	for _, p := range []string{"/state", "/state.json", "/slave(1)/state", "/slave(1)/state.json"} {
		mux.HandleFunc(p, a.serveState)
	}
}

// errInaccessible is a path that resolves outside the agent's data dir.
var errInaccessible = errors.New("inaccessible")

// resolve maps a files API path to a real path, "" if nothing attached
// holds it.
func (a *Agent) resolve(p string) (string, error) {
	p = path.Clean("/" + strings.TrimSuffix(p, "/"))
	a.mu.Lock()
	var root, rest string
	for _, e := range a.executors {
		virtual := path.Join("/frameworks", e.frameworkID, "executors", e.info.ExecutorID.Value, "runs", "latest")
		for _, prefix := range []string{filepath.ToSlash(e.dir), virtual} {
			if p == prefix || strings.HasPrefix(p, prefix+"/") {
				root, rest = e.dir, strings.TrimPrefix(p, prefix)
			}
		}
		if root != "" {
			break
		}
	}
	a.mu.Unlock()
	if root == "" {
		return "", nil
	}
	real, err := filepath.EvalSymlinks(filepath.Join(root, filepath.FromSlash(rest)))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	base, err := filepath.EvalSymlinks(a.cfg.Dir)
	if err != nil {
		return "", err
	}
	if real != base && !strings.HasPrefix(real, base+string(filepath.Separator)) {
		return "", errInaccessible
	}
	return real, nil
}

// resolveQuery resolves the request's path parameter, answering the
// request itself when it cannot.
func (a *Agent) resolveQuery(w http.ResponseWriter, r *http.Request) (virtual, real string, ok bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "Expecting 'GET', received '"+r.Method+"'", http.StatusMethodNotAllowed)
		return "", "", false
	}
	virtual = r.URL.Query().Get("path")
	if virtual == "" {
		http.Error(w, "Expecting 'path=value' in query.", http.StatusBadRequest)
		return "", "", false
	}
	real, err := a.resolve(virtual)
	switch {
	case err != nil:
		http.Error(w, "'"+virtual+"' is "+err.Error()+".", http.StatusBadRequest)
		return "", "", false
	case real == "":
		http.NotFound(w, r)
		return "", "", false
	}
	return virtual, real, true
}

// FileInfo is one entry of /files/browse, Mesos's jsonFileInfo.
type FileInfo struct {
	Path  string `json:"path"`
	Size  int64  `json:"size"`
	Mode  string `json:"mode"`  // as ls -l prints it: drwxr-xr-x
	Mtime int64  `json:"mtime"` // seconds since the epoch
	UID   string `json:"uid"`   // the owner's name, else its number
	GID   string `json:"gid"`
	Nlink uint64 `json:"nlink"`
}

func (a *Agent) serveBrowse(w http.ResponseWriter, r *http.Request) {
	virtual, real, ok := a.resolveQuery(w, r)
	if !ok {
		return
	}
	list := []FileInfo{}
	entries, _ := os.ReadDir(real) // a file lists as empty, as in Mesos
	for _, e := range entries {
		st, err := os.Stat(filepath.Join(real, e.Name())) // follows links, as stat(2) does
		if err != nil {
			continue
		}
		list = append(list, fileInfo(path.Join(virtual, e.Name()), st))
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Path < list[j].Path })
	writeJSON(w, list)
}

func fileInfo(p string, st os.FileInfo) FileInfo {
	fi := FileInfo{Path: p, Size: st.Size(), Mode: modeString(st.Mode()), Mtime: st.ModTime().Unix(), Nlink: 1}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		fi.Nlink = uint64(sys.Nlink)
		fi.UID, fi.GID = strconv.Itoa(int(sys.Uid)), strconv.Itoa(int(sys.Gid))
		if u, err := user.LookupId(fi.UID); err == nil {
			fi.UID = u.Username
		}
		if g, err := user.LookupGroupId(fi.GID); err == nil {
			fi.GID = g.Name
		}
	}
	return fi
}

// modeString renders m as ls -l and Mesos's filemode() do: "-rw-r--r--".
func modeString(m fs.FileMode) string {
	s := []byte("----------")
	switch {
	case m.IsDir():
		s[0] = 'd'
	case m&fs.ModeSymlink != 0:
		s[0] = 'l'
	case m&fs.ModeNamedPipe != 0:
		s[0] = 'p'
	case m&fs.ModeSocket != 0:
		s[0] = 's'
	case m&fs.ModeCharDevice != 0:
		s[0] = 'c'
	case m&fs.ModeDevice != 0:
		s[0] = 'b'
	}
	const rwx = "rwxrwxrwx"
	for i := range 9 {
		if m&(1<<uint(8-i)) != 0 {
			s[i+1] = rwx[i]
		}
	}
	return string(s)
}

// ReadResult is the answer of /files/read.
type ReadResult struct {
	Data   string `json:"data"`
	Offset int64  `json:"offset"`
}

// serveRead answers /files/read as Mesos does: offset -1 or absent is
// the end of the file (the answer's offset is its size, and no data);
// length -1 or absent reads to the end; a read returns at most maxRead
// bytes; an offset at or past the end returns the size and no data.
func (a *Agent) serveRead(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, length := int64(-1), int64(-1)
	for _, p := range []struct {
		name string
		v    *int64
	}{{"offset", &offset}, {"length", &length}} {
		if s := q.Get(p.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < -1 {
				http.Error(w, "Failed to parse "+p.name+": '"+s+"' is not a number of bytes (or -1).", http.StatusBadRequest)
				return
			}
			*p.v = n
		}
	}
	_, real, ok := a.resolveQuery(w, r)
	if !ok {
		return
	}
	f, err := os.Open(real)
	if err != nil {
		http.Error(w, "Failed to open file: "+err.Error(), http.StatusInternalServerError)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		http.Error(w, "Failed to open file: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if st.IsDir() {
		http.Error(w, "Cannot read a directory.", http.StatusBadRequest)
		return
	}
	size := st.Size()
	if offset == -1 {
		offset = size
	}
	if length == -1 {
		length = size - offset
	}
	length = min(length, maxRead)
	if offset >= size || length <= 0 {
		writeJSON(w, ReadResult{Offset: min(offset, size)})
		return
	}
	buf := make([]byte, length)
	n, err := f.ReadAt(buf, offset)
	if err != nil && !errors.Is(err, io.EOF) {
		http.Error(w, "Failed to read file: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, ReadResult{Data: string(buf[:n]), Offset: offset})
}

func (a *Agent) serveDownload(w http.ResponseWriter, r *http.Request) {
	_, real, ok := a.resolveQuery(w, r)
	if !ok {
		return
	}
	f, err := os.Open(real)
	if err != nil {
		http.Error(w, "Failed to open file: "+err.Error(), http.StatusInternalServerError)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		http.Error(w, "Cannot download a directory.", http.StatusBadRequest)
		return
	}
	ctype := "application/octet-stream"
	if t := mime.TypeByExtension(filepath.Ext(real)); t != "" {
		ctype = t
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", "attachment; filename="+filepath.Base(real))
	http.ServeContent(w, r, "", st.ModTime(), f)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
