package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/kennel-sdk/kennel/scheduler/record"
	"github.com/kennel-sdk/kennel/scheduler/state/zktest"
)

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

// TestLoadReadsOverSessions: a small store is read by the store's session
// alone; a larger one opens the load sessions too, and either way every
// entry is read.
func TestLoadReadsOverSessions(t *testing.T) {
	srv := zktest.Start(t)
	for _, tc := range []struct {
		tasks  int
		opened int
	}{
		{tasks: 1, opened: 0},
		{tasks: 300, opened: loadSessions - 1},
	} {
		t.Run(fmt.Sprint(tc.tasks), func(t *testing.T) {
			url := fmt.Sprintf("zk://%s/sessions-%d", srv.Addr, tc.tasks)
			fillZK(t, url, tc.tasks)
			s := open(t, url)
			z := s.b.(*zkBackend)
			keys := []string{keySchema}
			for _, name := range s.TaskNames() {
				keys = append(keys, dirTasks+"/"+name)
			}
			var opened atomic.Int32
			got, err := z.getAll(ctx, keys, func(ctx context.Context, fed <-chan struct{}) (loadConn, int64, error) {
				opened.Add(1)
				return z.loadSession(ctx, fed)
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(keys) {
				t.Errorf("read %d of %d keys", len(got), len(keys))
			}
			// The load sessions open on goroutines of their own, which
			// may start after the load ended.
			deadline := time.Now().Add(time.Minute)
			for int(opened.Load()) < tc.opened && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if n := int(opened.Load()); n != tc.opened {
				t.Errorf("%d load sessions opened, want %d", n, tc.opened)
			}
		})
	}
}

// TestLoadSession: a load session authenticates as the store and reads
// after its sync.
func TestLoadSession(t *testing.T) {
	srv := zktest.Start(t)
	for _, auth := range []string{"", "kennel:secret"} {
		t.Run(fmt.Sprintf("auth %q", auth), func(t *testing.T) {
			url := fmt.Sprintf("zk://%s/session-%d", srv.Addr, len(auth))
			s := openWith(t, url, Options{Auth: auth})
			mustApply(t, s, func(b *record.Batch) { b.PutProperty("p", []byte("v")) })
			z := s.b.(*zkBackend)
			conn, synced, err := z.loadSession(ctx, make(chan struct{}))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if synced == 0 || synced != conn.SessionID() {
				t.Errorf("synced in session %x; the connection's is %x", synced, conn.SessionID())
			}
			if v, _, err := conn.Get(z.nodePath(dirProperties + "/p")); err != nil || string(v) != "v" {
				t.Errorf("read %q, %v", v, err)
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
	closed := rawClient(t, srv.Addr)
	closed.Close() // every read on it fails
	never := make(chan struct{})
	defer close(never)
	for name, opener := range map[string]sessionOpener{
		"closed session": func(context.Context, <-chan struct{}) (loadConn, int64, error) {
			return closed, closed.SessionID(), nil
		},
		"no session": func(_ context.Context, fed <-chan struct{}) (loadConn, int64, error) {
			<-fed
			return nil, 0, errors.New("no server answers")
		},
		"a session that is never ready": func(context.Context, <-chan struct{}) (loadConn, int64, error) {
			<-never // the load must not wait for it
			return nil, 0, errors.New("never")
		},
		// A client whose session expired goes on in a new one, not synced,
		// whose server may be behind: what it read is read again.
		"a session that changes while it reads": func(ctx context.Context, fed <-chan struct{}) (loadConn, int64, error) {
			conn, synced, err := z.loadSession(ctx, fed)
			if err != nil {
				return nil, 0, err
			}
			return &staleAfterExpiry{loadConn: conn}, synced, nil
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

// staleAfterExpiry is a load session whose session expires at its first
// read: the client goes on in a new session (another id) and reads from a
// server that is behind (every value "stale").
type staleAfterExpiry struct {
	loadConn
	expired atomic.Bool
}

func (c *staleAfterExpiry) Get(path string) ([]byte, *zk.Stat, error) {
	c.expired.Store(true)
	return []byte("stale"), &zk.Stat{}, nil
}

func (c *staleAfterExpiry) SessionID() int64 {
	if c.expired.Load() {
		return c.loadConn.SessionID() + 1
	}
	return c.loadConn.SessionID()
}
