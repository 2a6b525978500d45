package local_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"

	"github.com/kennel-sdk/kennel/deploy/local"
	"github.com/kennel-sdk/kennel/deploy/local/agent"
	"github.com/kennel-sdk/kennel/deploy/sandbox"
)

// TestAgentFilesAPI: an agent serves its /state and Mesos's files API on
// its executors' sandboxes, and the sandbox client finds a pod's task by
// name and reads, tails, follows and lists its sandbox through them.
func TestAgentFilesAPI(t *testing.T) {
	t.Parallel()
	var dataDir string
	c := startClusterWith(t, 1, func(cfg *local.Config) { dataDir = cfg.DataDir })
	f := subscribed(t, c, protobufCodec)
	o := waitForOffer(t, f, func(o mesos.Offer) bool { return unreservedScalar(o, "cpus") >= 1 })
	ex := defaultExecutor("talker-executor", f, allocated([]mesos.Resource{scalar("cpus", 0.1), scalar("mem", 32), scalar("disk", 8)}, role)...)
	task := commandTask("talker__1", o, `i=0; mkdir -p sub; echo inside > sub/file; echo oops >&2
while true; do i=$((i+1)); echo "line $i"; sleep 0.05; done`,
		allocated([]mesos.Resource{scalar("cpus", 0.1), scalar("mem", 32)}, role)...)
	task.Name = "talker-0-server"
	f.accept(o, calls.OpLaunchGroup(ex, task))
	f.update("talker__1", mesos.TASK_RUNNING)
	base := "http://" + c.Agents()[0].Endpoint

	var st agent.State
	getJSON(t, base+"/slave(1)/state", http.StatusOK, &st)
	if len(st.Frameworks) != 1 || len(st.Frameworks[0].Executors) != 1 {
		t.Fatalf("agent state: %+v", st)
	}
	e := st.Frameworks[0].Executors[0]
	if e.ID != "talker-executor" || e.Type != "DEFAULT" || e.Directory == "" || len(e.Tasks) != 1 || e.Tasks[0].Name != "talker-0-server" {
		t.Fatalf("executor: %+v", e)
	}
	dir := e.Directory + "/tasks/talker__1"
	virtual := "/frameworks/" + st.Frameworks[0].ID + "/executors/talker-executor/runs/latest/tasks/talker__1"

	waitFor(t, 30*time.Second, "the task to print 20 lines", func() bool {
		var r agent.ReadResult
		getJSON(t, files(base, "read", "path", dir+"/stdout", "offset", "-1"), http.StatusOK, &r)
		return r.Offset > 200
	})
	var list []agent.FileInfo
	getJSON(t, files(base, "browse", "path", dir), http.StatusOK, &list)
	names := []string{}
	for _, fi := range list {
		names = append(names, strings.TrimPrefix(fi.Path, dir+"/"))
		if fi.Path == dir+"/sub" && (fi.Mode != "drwxr-xr-x" || fi.Nlink < 2 || fi.Mtime == 0 || fi.UID == "") {
			t.Errorf("sub: %+v", fi)
		}
	}
	if got := strings.Join(names, " "); got != "stderr stdout sub" {
		t.Errorf("browse lists %q", got)
	}
	getJSON(t, files(base, "browse", "path", virtual+"/sub"), http.StatusOK, &list)
	if len(list) != 1 || list[0].Path != virtual+"/sub/file" || list[0].Size != 7 || list[0].Mode != "-rw-r--r--" {
		t.Errorf("browse of the virtual path: %+v", list)
	}

	for _, tc := range []struct {
		name   string
		query  []string
		code   int
		want   agent.ReadResult
		prefix string
	}{
		{"whole file", []string{"path", dir + "/sub/file", "offset", "0"}, 200, agent.ReadResult{Data: "inside\n", Offset: 0}, ""},
		{"a slice", []string{"path", dir + "/sub/file", "offset", "2", "length", "3"}, 200, agent.ReadResult{Data: "sid", Offset: 2}, ""},
		{"the end", []string{"path", dir + "/sub/file", "offset", "-1"}, 200, agent.ReadResult{Offset: 7}, ""},
		{"past the end", []string{"path", dir + "/sub/file", "offset", "99"}, 200, agent.ReadResult{Offset: 7}, ""},
		{"the virtual path", []string{"path", virtual + "/stderr", "offset", "0"}, 200, agent.ReadResult{Data: "oops\n"}, ""},
		{"a directory", []string{"path", dir, "offset", "0"}, 400, agent.ReadResult{}, "Cannot read a directory."},
		{"no path", []string{"offset", "0"}, 400, agent.ReadResult{}, "Expecting 'path=value' in query."},
		{"a bad offset", []string{"path", dir + "/stdout", "offset", "x"}, 400, agent.ReadResult{}, "Failed to parse offset"},
		{"a missing file", []string{"path", dir + "/nothing"}, 404, agent.ReadResult{}, ""},
		{"outside every sandbox", []string{"path", "/etc/passwd"}, 404, agent.ReadResult{}, ""},
		{"escaping a sandbox", []string{"path", dir + "/../../../../../../../../../../etc/passwd"}, 404, agent.ReadResult{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, files(base, "read", tc.query...))
			if resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.code, body)
			}
			if tc.code != 200 {
				if !strings.HasPrefix(string(body), tc.prefix) {
					t.Errorf("body %q, want %q", body, tc.prefix)
				}
				return
			}
			var got agent.ReadResult
			if err := json.Unmarshal(body, &got); err != nil || got != tc.want {
				t.Errorf("got %+v (%v), want %+v", got, err, tc.want)
			}
		})
	}
	resp, body := get(t, files(base, "download", "path", dir+"/sub/file"))
	if resp.StatusCode != 200 || string(body) != "inside\n" || resp.Header.Get("Content-Disposition") != "attachment; filename=file" {
		t.Errorf("download: %d %q %v", resp.StatusCode, body, resp.Header)
	}

	// The client: by name, the pod task's own sandbox.
	cl := &sandbox.Client{Master: c.URL()}
	found, err := cl.FindTask(t.Context(), "talker-0-server")
	if err != nil {
		t.Fatal(err)
	}
	sb, err := cl.Sandbox(t.Context(), found)
	if err != nil || sb.Dir != dir {
		t.Fatalf("sandbox %+v, %v; want %s", sb, err, dir)
	}
	if _, err := cl.FindTask(t.Context(), "talker-1-server"); err == nil || !strings.Contains(err.Error(), "the tasks are: talker-0-server") {
		t.Errorf("an unknown task: %v", err)
	}
	text, end, err := cl.Tail(t.Context(), sb, "stdout", 3)
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if err != nil || len(lines) != 3 || end == 0 {
		t.Fatalf("tail: %q %d %v", text, end, err)
	}
	var n int
	if _, err := fmt.Sscanf(lines[2], "line %d", &n); err != nil {
		t.Fatalf("tail's last line %q: %v", lines[2], err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var followed syncBuffer
	done := make(chan error, 1)
	go func() { done <- cl.Follow(ctx, sb, "stdout", end, &followed, 20*time.Millisecond) }()
	next := fmt.Sprintf("line %d\n", n+5)
	waitFor(t, 30*time.Second, "follow to see "+next, func() bool { return strings.Contains(followed.String(), next) })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(followed.String(), fmt.Sprintf("line %d\n", n+1)) {
		t.Errorf("follow began with %q, want line %d", followed.String()[:min(20, len(followed.String()))], n+1)
	}
	ls, err := cl.Browse(t.Context(), sb, "sub")
	if err != nil || len(ls) != 1 || ls[0].Size != 7 {
		t.Errorf("browse sub: %+v %v", ls, err)
	}
	if _, err := cl.Browse(t.Context(), sb, "nothing"); err == nil || !strings.Contains(err.Error(), "nothing is not in talker-0-server's sandbox") {
		t.Errorf("browse of a missing dir: %v", err)
	}
	if u, err := local.ReadMasterURL(dataDir); err != nil || u != c.URL() {
		t.Errorf("recorded master URL %q, %v; want %s", u, err, c.URL())
	}
}

func files(base, endpoint string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return base + "/files/" + endpoint + "?" + q.Encode()
}

func get(t *testing.T, u string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func getJSON(t *testing.T, u string, code int, out any) {
	t.Helper()
	resp, b := get(t, u)
	if resp.StatusCode != code {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("GET %s: %v: %s", u, err, b)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
