package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/kennel-sdk/kennel/scheduler/record"
	"github.com/kennel-sdk/kennel/scheduler/state/zktest"
)

// logBuffer collects a store's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// fillZK writes n tasks to a fresh store at url and closes it.
func fillZK(t *testing.T, url string, n int) {
	t.Helper()
	s := open(t, url)
	mustApply(t, s, func(b *record.Batch) {
		for i := range n {
			b.PutTask(fmt.Sprintf("pod-%d-server", i), record.Task{Info: []byte("info"), Status: []byte("status")})
		}
	})
	s.Close()
}

// TestLoadReadsOverSessions: a store larger than one session's share of
// the reads in flight is read over the load sessions too, and a small one
// by the store's session alone.
func TestLoadReadsOverSessions(t *testing.T) {
	srv := zktest.Start(t)
	for _, tc := range []struct {
		tasks    int
		sessions string
	}{
		{tasks: 1, sessions: "sessions=1 "},
		{tasks: 300, sessions: fmt.Sprintf("sessions=%d ", loadSessions)},
	} {
		t.Run(fmt.Sprint(tc.tasks), func(t *testing.T) {
			url := fmt.Sprintf("zk://%s/sessions-%d", srv.Addr, tc.tasks)
			fillZK(t, url, tc.tasks)
			var logs logBuffer
			s, err := Open(ctx, url, "svc", Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.Lock(ctx, LockOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := s.Load(ctx); err != nil {
				t.Fatal(err)
			}
			if n := len(s.TaskNames()); n != tc.tasks {
				t.Errorf("%d tasks, want %d", n, tc.tasks)
			}
			if !strings.Contains(logs.String(), tc.sessions) {
				t.Errorf("the load's log does not say %q:\n%s", tc.sessions, logs.String())
			}
		})
	}
}

// TestFailingLoadSessionLeavesItsKeys: keys a load session fails to read
// are read by the store's own session, and one that cannot open, or is
// still opening when every key was handed out, does not hold the load up.
func TestFailingLoadSessionLeavesItsKeys(t *testing.T) {
	srv := zktest.Start(t)
	url := "zk://" + srv.Addr + "/failing"
	fillZK(t, url, 300)
	s := open(t, url)
	z := s.b.(*zkBackend)
	keys := []string{keySchema}
	for _, name := range s.TaskNames() {
		keys = append(keys, dirTasks+"/"+name)
	}
	never := make(chan struct{})
	defer close(never)
	for name, opener := range map[string]sessionOpener{
		"closed session": func(context.Context, <-chan struct{}) (*zk.Conn, error) {
			c := rawClient(t, srv.Addr)
			c.Close() // every read fails
			return c, nil
		},
		"no session": func(_ context.Context, fed <-chan struct{}) (*zk.Conn, error) {
			<-fed
			return nil, errors.New("no server answers")
		},
		"a session that is never ready": func(context.Context, <-chan struct{}) (*zk.Conn, error) {
			<-never // the load must not wait for it
			return nil, errors.New("never")
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			got, err := z.getAll(ctx, keys, opener)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(keys) {
				t.Fatalf("read %d of %d keys", len(got), len(keys))
			}
			for _, k := range keys {
				if want, _ := s.get(k); !bytes.Equal(got[k], want) {
					t.Errorf("%s = %q, want %q", k, got[k], want)
				}
			}
		})
	}
}
