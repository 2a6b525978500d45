package frontdoor_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/deploy/frontdoor"
)

// talkerSpec is a service whose task writes a line to its stdout and one
// to its stderr, and runs on.
const talkerSpec = `name: talker
pods:
  talker:
    count: 1
    tasks:
      server:
        goal: RUNNING
        cmd: |
          trap 'exit 0' TERM
          echo "started $MESOS_TASK_ID"
          echo "talker's stderr" >&2
          while true; do sleep 1; done
        cpus: 0.1
        memory: 32
`

// doorLog records the paths and Authorization headers a front door was
// asked for.
type doorLog struct {
	mu   sync.Mutex
	seen []string
}

func (l *doorLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.seen = append(l.seen, r.URL.Path+" "+r.Header.Get("Authorization"))
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// has reports whether a request with prefix was seen, and all requests
// carried auth.
func (l *doorLog) has(prefix, auth string) (seen, allAuth bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	allAuth = true
	for _, s := range l.seen {
		path, a, _ := strings.Cut(s, " ")
		seen = seen || strings.HasPrefix(path, prefix)
		allAuth = allAuth && a == auth
	}
	return seen, allAuth
}

// TestTaskLogThroughTheFrontDoor runs `kennel task log --dcos` and `kennel
// task ls --dcos` with $DCOS_URL at a front door over a local cluster's
// master, and nothing else to find the cluster by: the master is read
// under /mesos/ and the task's agent under /agent/<id>/, each request with
// the DC/OS token.
func TestTaskLogThroughTheFrontDoor(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kennel and runs a local cluster")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "kennel")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/kennel").CombinedOutput(); err != nil {
		t.Fatalf("building kennel: %v\n%s", err, out)
	}
	svc := filepath.Join(dir, "svc")
	if err := os.MkdirAll(svc, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(svc, "svc.yml"), []byte(talkerSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	env := cleanEnv(t, dir)
	data, exited := localUp(t, bin, env, svc, dir)

	var master *url.URL
	for deadline := time.Now().Add(2 * time.Minute); master == nil; time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-exited:
			b, _ := os.ReadFile(filepath.Join(dir, "local.log"))
			t.Fatalf("kennel local up exited: %v\n%s", err, b)
		default:
		}
		if b, err := os.ReadFile(filepath.Join(data, "master-url")); err == nil && strings.TrimSpace(string(b)) != "" {
			if master, err = url.Parse(strings.TrimSpace(string(b))); err != nil {
				t.Fatal(err)
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the local cluster did not write its master's URL")
		}
	}
	var log doorLog
	door := httptest.NewServer(log.wrap(frontdoor.Handler(frontdoor.Parts{Mesos: master})))
	t.Cleanup(door.Close)
	env = append(env, "DCOS_URL="+door.URL+"/#/", "DCOS_ACS_TOKEN=e2e-token")

	run := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// the task writes its line once it runs: read until it is there
	var out string
	var err error
	for deadline := time.Now().Add(2 * time.Minute); !strings.HasPrefix(out, "started talker__talker-0-server__"); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("task log --dcos talker-0-server: %v\n%s", err, out)
		}
		out, err = run("task", "log", "--dcos", "talker-0-server")
	}
	if err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("task log --dcos talker-0-server: %v; want one line\n%s", err, out)
	}
	if out, err := run("task", "log", "--dcos", "--stderr", "talker-0-server"); err != nil || !strings.Contains(out, "talker's stderr\n") {
		t.Fatalf("task log --dcos --stderr: %v\n%s", err, out)
	}
	out, err = run("task", "ls", "--dcos", "talker-0-server")
	if err != nil || !strings.Contains(out, "stdout\n") || !strings.Contains(out, "stderr\n") {
		t.Fatalf("task ls --dcos: %v\n%s", err, out)
	}
	for _, prefix := range []string{"/mesos/master/state", "/agent/"} {
		if seen, auth := log.has(prefix, "token=e2e-token"); !seen || !auth {
			t.Errorf("the front door saw %s: %v, every request with the token: %v", prefix, seen, auth)
		}
	}
	if out, err := run("task", "log", "--dcos", "nope"); err == nil || !strings.Contains(out, `no task named "nope"; the tasks are: talker-0-server`) {
		t.Errorf("task log --dcos nope: %v; want the tasks listed\n%s", err, out)
	}
}
