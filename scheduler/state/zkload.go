package state

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"

	"github.com/go-zookeeper/zk"
)

// Loading reads every node with one request (ZooKeeper before 3.6 has no
// multi-read, and DC/OS runs 3.4-era servers). What a load costs is the
// number of requests, hardly their size: on the benchmark's machine,
// 20,000 nodes of 1 KB read as slowly as 20,000 of 10 bytes, and 2,000 of
// 11 KB in a sixth of the time. Pipelining many requests over one session
// does not make the server answer them faster, since it handles one
// session's requests one after the other; several sessions are read in
// parallel (by the commit processor's worker threads of a 3.5+ server, by
// the servers of an ensemble, which the client picks at random, and at
// least in the overlap of one server's stages). Measured on ZooKeeper 3.8:
// 20,000 nodes in 1.0 s over one session, 0.5-0.6 s over four. So the
// load reads over
// loadSessions sessions: the store's own and loadSessions-1 more, opened
// for the load and closed after it.
//
// A load session sees what the store's session sees: it starts with a
// sync of the root, after which its server has applied every write the
// leader committed before, the lock taken and any write of an earlier
// holder (fenced by that holder's lock node, which is gone) included.
// Each load session only reads; one that cannot connect, sync or read
// leaves its keys to the store's own session. So does one whose session
// changed while it read: a client whose session expired goes on in a new
// one, not synced, whose server may be behind.
const (
	loadSessions = 4
	// loadConcurrency is how many reads are in flight, over all the
	// load's sessions.
	loadConcurrency = 128
)

func (z *zkBackend) load(ctx context.Context) (map[string][]byte, error) {
	keys := []string{keySchema, keyFrameworkID, keyTarget}
	for _, d := range dirs {
		children, _, err := z.conn.Children(z.root + "/" + d)
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", d, err)
		}
		for _, c := range children {
			name, err := url.PathUnescape(c)
			if err != nil {
				return nil, fmt.Errorf("node %s/%s has a malformed name: %w", d, c, err)
			}
			keys = append(keys, d+"/"+name)
		}
	}
	return z.getAll(ctx, keys, z.loadSession)
}

// loadConn is a ZooKeeper connection a load reads with.
type loadConn interface {
	Get(path string) ([]byte, *zk.Stat, error)
	// SessionID is the connection's current session.
	SessionID() int64
	Close()
}

// sessionOpener opens one of the load's extra sessions, synced: synced
// is the id of the session the sync was made in. It gives up with an
// error once fed is closed.
type sessionOpener func(ctx context.Context, fed <-chan struct{}) (conn loadConn, synced int64, err error)

// loader is one load's shared work: the keys to read and what was read.
type loader struct {
	z    *zkBackend
	work chan string
	// fed is closed once every key was handed out: a load session not
	// connected by then is not needed.
	fed chan struct{}

	mu       sync.Mutex
	out      map[string][]byte
	firstErr error
	// left are keys a load session failed to read, for the store's own
	// session.
	left []string
	// sessions counts the load sessions that read, the store's own
	// aside; readers waits for them. Once fed is closed (and done set)
	// no session starts reading.
	sessions int
	readers  sync.WaitGroup
	done     bool
}

// getAll reads keys over the store's session and the load sessions open
// opens. Missing nodes (top-level entries never written, or removed
// meanwhile) are skipped.
func (z *zkBackend) getAll(ctx context.Context, keys []string, open sessionOpener) (map[string][]byte, error) {
	l := &loader{z: z, work: make(chan string), fed: make(chan struct{}), out: make(map[string][]byte, len(keys))}
	perSession := loadConcurrency / loadSessions
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		l.read(z.conn, perSession, nil)
	}()
	if len(keys) > perSession { // a small store is read by one session
		// Not waited for until they read: a session still connecting or
		// syncing when every key was handed out (a slow or unreachable
		// server) must not hold the load up; it closes on its own.
		for range loadSessions - 1 {
			go l.readOwnSession(ctx, open, perSession)
		}
	}
	var err error
feed:
	for _, k := range keys {
		select {
		case l.work <- k:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(l.work)
	l.mu.Lock()
	l.done = true
	l.mu.Unlock()
	close(l.fed)
	wg.Wait()
	l.readers.Wait()
	if err != nil {
		return nil, err
	}
	for _, k := range l.left {
		l.get(z.conn, k, nil)
	}
	z.log.Debug("state: loaded", "nodes", len(l.out), "sessions", 1+l.sessions, "left", len(l.left))
	return l.out, l.firstErr
}

// read reads keys from work with n requests in flight on conn until work
// is closed. The store's own session (read nil) records its errors as the
// load's; a load session records the keys it read in read, and hands the
// key it failed on back (left), and that reader stops.
func (l *loader) read(conn loadConn, n int, read *[]string) {
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range l.work {
				if !l.get(conn, k, read) {
					return
				}
			}
		}()
	}
	wg.Wait()
}

// get reads k on conn into out. It returns false if a load session failed
// to read it: k is then left to the store's own session.
func (l *loader) get(conn loadConn, k string, read *[]string) bool {
	data, _, err := conn.Get(l.z.nodePath(k))
	l.mu.Lock()
	defer l.mu.Unlock()
	own := read == nil
	switch {
	case err == nil:
		l.out[k] = data
	case errors.Is(err, zk.ErrNoNode):
	case !own:
		l.left = append(l.left, k)
		return false
	case l.firstErr == nil:
		l.firstErr = fmt.Errorf("reading %s: %w", k, err)
	}
	if !own {
		*read = append(*read, k)
	}
	return true
}

// readOwnSession opens a load session and reads with it; it gives up
// quietly when the session is not ready before every key was handed out,
// or when it fails.
func (l *loader) readOwnSession(ctx context.Context, open sessionOpener, n int) {
	conn, synced, err := open(ctx, l.fed)
	if err != nil {
		l.z.log.Debug("state: a load session did not read", "err", err)
		return
	}
	l.mu.Lock()
	if l.done {
		l.mu.Unlock()
		conn.Close()
		return
	}
	l.sessions++
	l.readers.Add(1)
	l.mu.Unlock()
	defer conn.Close() // after Done: a broken session's close may take a while
	defer l.readers.Done()
	var read []string
	l.read(conn, n, &read)
	if id := conn.SessionID(); id != synced {
		l.z.log.Debug("state: a load session's session changed while it read; its keys are read again", "keys", len(read))
		l.mu.Lock()
		for _, k := range read {
			delete(l.out, k)
		}
		l.left = append(l.left, read...)
		l.mu.Unlock()
	}
}

// errLoaded: every key was handed out before the load session was ready.
var errLoaded = errors.New("every key was handed out before the session was ready")

// loadSession connects a session for the load, authenticated as the
// store's, and syncs it with the leader.
func (z *zkBackend) loadSession(ctx context.Context, fed <-chan struct{}) (loadConn, int64, error) {
	conn, events, err := zk.Connect(z.servers, z.opts.SessionTimeout, zk.WithLogger(zkLogger{z.log}), zk.WithLogInfo(false))
	if err != nil {
		return nil, 0, err
	}
	for connected := false; !connected; {
		select {
		case ev := <-events:
			connected = ev.State == zk.StateHasSession
		case <-fed:
			conn.Close()
			return nil, 0, errLoaded
		case <-ctx.Done():
			conn.Close()
			return nil, 0, ctx.Err()
		}
	}
	if z.opts.Auth != "" {
		if err := conn.AddAuth("digest", []byte(z.opts.Auth)); err != nil {
			conn.Close()
			return nil, 0, fmt.Errorf("authentication: %w", err)
		}
	}
	// The session before the sync: if it changes at any time before the
	// reads end, what they read is read again (readOwnSession).
	synced := conn.SessionID()
	if _, err := conn.Sync(z.root); err != nil {
		conn.Close()
		return nil, 0, fmt.Errorf("sync: %w", err)
	}
	return conn, synced, nil
}
