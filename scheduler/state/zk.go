package state

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
)

// zkBackend keeps entries as ZooKeeper nodes under root.
type zkBackend struct {
	conn *zk.Conn
	root string
	acl  []zk.ACL
	log  *slog.Logger
	// servers and opts open the load's extra sessions (zkload.go).
	servers []string
	opts    Options

	mu      sync.Mutex
	lease   *Lease
	session int64
	done    chan struct{}
}

func openZK(ctx context.Context, hosts, root string, opts Options) (*zkBackend, error) {
	if hosts == "" {
		return nil, errors.New("state: zk:// URL without servers")
	}
	var servers []string
	for _, h := range strings.Split(hosts, ",") {
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(h, "2181")
		}
		servers = append(servers, h)
	}
	conn, events, err := zk.Connect(servers, opts.SessionTimeout, zk.WithLogger(zkLogger{opts.Logger}), zk.WithLogInfo(false))
	if err != nil {
		return nil, fmt.Errorf("state: connecting to ZooKeeper %s: %w", hosts, err)
	}
	z := &zkBackend{conn: conn, root: root, log: opts.Logger, servers: servers, opts: opts, done: make(chan struct{})}
	z.acl = zk.WorldACL(zk.PermAll)
	if err := z.waitSession(ctx, events); err != nil {
		conn.Close()
		return nil, err
	}
	if opts.Auth != "" {
		if err := conn.AddAuth("digest", []byte(opts.Auth)); err != nil {
			conn.Close()
			return nil, fmt.Errorf("state: ZooKeeper authentication: %w", err)
		}
		z.acl = append(zk.AuthACL(zk.PermAll), zk.WorldACL(zk.PermRead)...)
	}
	go z.watchSession(events)
	if err := z.ensureTree(); err != nil {
		z.close()
		return nil, err
	}
	return z, nil
}

// waitSession waits for the first session.
func (z *zkBackend) waitSession(ctx context.Context, events <-chan zk.Event) error {
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				z.session = z.conn.SessionID()
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("state: no ZooKeeper session: %w", ctx.Err())
		}
	}
}

// watchSession follows the session. Losing the connection loses the lease
// at once: the client notices a silent partition after two thirds of the
// session timeout without a reply, while the server expires the session
// only after the whole timeout, so stopping at the disconnection is what
// keeps two schedulers from ever acting together. An expired or a new
// session loses it too.
func (z *zkBackend) watchSession(events <-chan zk.Event) {
	for {
		select {
		case <-z.done:
			return
		case ev, ok := <-events:
			if !ok {
				z.loseLease("connection closed")
				return
			}
			switch ev.State {
			case zk.StateDisconnected:
				z.loseLease("disconnected from ZooKeeper")
			case zk.StateExpired:
				z.loseLease("session expired")
			case zk.StateHasSession:
				z.mu.Lock()
				renewed := z.conn.SessionID() != z.session
				z.session = z.conn.SessionID()
				z.mu.Unlock()
				if renewed {
					z.loseLease("new session")
				}
			}
		}
	}
}

func (z *zkBackend) loseLease(why string) {
	z.mu.Lock()
	l := z.lease
	z.mu.Unlock()
	if l != nil && l.Held() {
		z.log.Warn("state: lost the lock", "reason", why, "node", l.node)
		l.markLost()
	}
}

// ensureTree creates the root and its directories (structure only).
func (z *zkBackend) ensureTree() error {
	path := ""
	for _, seg := range strings.Split(strings.Trim(z.root, "/"), "/") {
		path += "/" + seg
		if err := z.createIfMissing(path); err != nil {
			return err
		}
	}
	for _, d := range append(dirs, "lock") {
		if err := z.createIfMissing(z.root + "/" + d); err != nil {
			return err
		}
	}
	return nil
}

func (z *zkBackend) createIfMissing(path string) error {
	_, err := z.conn.Create(path, nil, 0, z.acl)
	if err != nil && !errors.Is(err, zk.ErrNodeExists) {
		return fmt.Errorf("state: creating %s: %w", path, err)
	}
	return nil
}

// nodePath maps an entry key to its node.
func (z *zkBackend) nodePath(key string) string {
	if dir, name, ok := strings.Cut(key, "/"); ok {
		return z.root + "/" + dir + "/" + url.PathEscape(name)
	}
	return z.root + "/" + key
}

// commit writes ops in one multi-op transaction, fenced by the lease.
func (z *zkBackend) commit(ctx context.Context, ops []op, exists func(string) bool, fence *Lease) error {
	var reqs []interface{}
	if fence != nil {
		if !fence.Held() {
			return ErrLeaseLost
		}
		reqs = append(reqs, &zk.CheckVersionRequest{Path: fence.node, Version: 0})
	}
	present := map[string]bool{}
	has := func(k string) bool {
		if v, ok := present[k]; ok {
			return v
		}
		return exists(k)
	}
	for _, o := range ops {
		path := z.nodePath(o.key)
		switch {
		case o.delete && has(o.key):
			reqs = append(reqs, &zk.DeleteRequest{Path: path, Version: -1})
		case o.delete:
		case has(o.key):
			reqs = append(reqs, &zk.SetDataRequest{Path: path, Data: o.value, Version: -1})
		default:
			reqs = append(reqs, &zk.CreateRequest{Path: path, Data: o.value, Acl: z.acl})
		}
		present[o.key] = !o.delete
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	res, err := z.conn.Multi(reqs...)
	if err == nil {
		return nil
	}
	if fence != nil && len(res) > 0 && errors.Is(res[0].Error, zk.ErrNoNode) {
		fence.markLost()
		return ErrLeaseLost
	}
	switch {
	case errors.Is(err, zk.ErrNoNode), errors.Is(err, zk.ErrNodeExists), errors.Is(err, zk.ErrBadVersion),
		errors.Is(err, zk.ErrNotEmpty), errors.Is(err, zk.ErrNoAuth), errors.Is(err, zk.ErrBadArguments):
		// The server refused the transaction: nothing was applied, but the
		// cache disagrees with the store.
		return fmt.Errorf("%w: ZooKeeper refused the transaction: %w", errNeedsReload, err)
	}
	return fmt.Errorf("%w: %w", errNeedsReload, err)
}

// lock takes the lock with an ephemeral sequential node under lock/. A
// lease this backend held before is lost first, and nodes this session left
// behind (a lost lease's, a failed attempt's) are removed so that they do
// not stand in front of the new one. On every error path the new node is
// removed too.
//
// A node in front of ours normally goes only with its session: when its
// scheduler releases the lock, or when ZooKeeper expires the session of a
// scheduler that died (--zk-session-timeout later). A node whose data
// proves its scheduler dead on this very machine (provablyDead) is removed
// at once instead, so that a scheduler restarted where it ran, as a
// supervisor restarts it, does not wait for the session of its dead
// predecessor. While waiting, the nodes in front that ran on this machine
// are looked at again every deadHolderPoll.
func (z *zkBackend) lock(ctx context.Context, opts LockOptions) (lease *Lease, err error) {
	if opts.Wait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Wait)
		defer cancel()
	}
	dir := z.root + "/lock"
	z.mu.Lock()
	previous := z.lease
	z.mu.Unlock()
	if previous != nil {
		previous.markLost()
	}
	if err := z.removeOwnNodes(dir); err != nil {
		return nil, err
	}
	self := thisProcess()
	ticker := time.NewTicker(deadHolderPoll)
	defer ticker.Stop()
	undeletable := map[string]bool{}
	node := ""
	defer func() {
		if err != nil && node != "" {
			_ = z.conn.Delete(node, -1)
		}
	}()
	for {
		if node == "" {
			created, err := z.conn.CreateProtectedEphemeralSequential(dir+"/lock-", encodeHolder(opts.Holder, self), z.acl)
			if err != nil {
				return nil, fmt.Errorf("state: creating the lock node: %w", err)
			}
			node = created
		}
		children, _, err := z.conn.Children(dir)
		if err != nil {
			return nil, fmt.Errorf("state: listing lock nodes: %w", err)
		}
		sort.Slice(children, func(i, j int) bool { return sequence(children[i]) < sequence(children[j]) })
		mine := strings.TrimPrefix(node, dir+"/")
		pos := indexOf(children, mine)
		if pos < 0 {
			node = "" // our node vanished with an expired session: start over
			continue
		}
		if pos == 0 {
			return z.publish(node)
		}
		ahead, removed, err := z.removeDeadHolders(dir, children[:pos], self, undeletable)
		if err != nil {
			return nil, err
		}
		if removed {
			continue
		}
		// Nothing was removed: ahead holds every node in front, the
		// holder first.
		if opts.OnWait != nil {
			opts.OnWait(ahead[0].description)
		}
		pred := dir + "/" + children[pos-1]
		found, _, watch, err := z.conn.ExistsW(pred)
		if err != nil {
			return nil, fmt.Errorf("state: watching %s: %w", pred, err)
		}
		if !found {
			continue
		}
		var poll <-chan time.Time
		if localHolders(ahead, self) {
			poll = ticker.C
		}
	wait:
		for {
			select {
			case <-watch:
				break wait
			case <-poll:
				if anyDead(ahead, self) {
					break wait
				}
			case <-ctx.Done():
				return nil, fmt.Errorf("%w: %s", ErrLockTimeout, describeHolder([]byte(ahead[0].description)))
			}
		}
	}
}

// deadHolderPoll is how often a waiting scheduler looks whether the
// schedulers in front of it on this machine are still alive.
const deadHolderPoll = 100 * time.Millisecond

// lockNode is a lock node in front of ours, as its data describes it.
type lockNode struct {
	description string
	process     *process // nil: unknown
}

// removeDeadHolders reads the nodes in front of ours (names, in order) and
// deletes those whose scheduler is provably dead. It returns the nodes
// still there, and whether it deleted any. A node that went meanwhile is
// skipped. A node that could not be deleted is added to undeletable and
// waited for like one without a proof.
func (z *zkBackend) removeDeadHolders(dir string, names []string, self *process, undeletable map[string]bool) (ahead []lockNode, removed bool, err error) {
	for _, name := range names {
		data, stat, err := z.conn.Get(dir + "/" + name)
		if errors.Is(err, zk.ErrNoNode) {
			removed = true // gone by itself: the list is stale
			continue
		}
		if err != nil {
			return nil, false, fmt.Errorf("state: reading lock node %s: %w", name, err)
		}
		description, p := decodeHolder(data)
		if undeletable[name] {
			p = nil
		}
		n := lockNode{description: description, process: p}
		if !provablyDead(p, self) {
			ahead = append(ahead, n)
			continue
		}
		// Deleting the node ends nothing but the lock: if the process
		// were somehow alive, its next write would fail on the fence and
		// its watch on the node would make it stop.
		z.log.Warn("state: the lock's holder is dead on this machine; removing its lock node without waiting for its session to expire",
			"node", name, "holder", describeHolder([]byte(description)), "pid", p.PID)
		if err := z.conn.Delete(dir+"/"+name, stat.Version); err != nil && !errors.Is(err, zk.ErrNoNode) {
			// Not allowed (another credential's lock directory), or the
			// connection broke: wait for the session as without the proof.
			z.log.Warn("state: cannot remove the dead holder's lock node; waiting for its session to expire", "node", name, "err", err)
			undeletable[name] = true
			n.process = nil
			ahead = append(ahead, n)
			continue
		}
		removed = true
	}
	return ahead, removed, nil
}

// localHolders reports whether a node in front ran on this machine, in this
// PID namespace: then its death can be seen here.
func localHolders(ahead []lockNode, self *process) bool {
	for _, n := range ahead {
		if p := n.process; p != nil && self != nil && p.Host == self.Host && p.BootID == self.BootID && p.PIDNS == self.PIDNS {
			return true
		}
	}
	return false
}

func anyDead(ahead []lockNode, self *process) bool {
	for _, n := range ahead {
		if provablyDead(n.process, self) {
			return true
		}
	}
	return false
}

// publish makes the lease of node the current one, then checks that the
// session it was won in still stands: a disconnection reported before the
// lease was published would otherwise never reach it. It watches the node:
// if the node goes while the lease is held (someone deleted it, believing
// this scheduler dead), the lease is lost at once, before any write finds
// out through the fence.
func (z *zkBackend) publish(node string) (*Lease, error) {
	lease := newLease(node, func() error {
		err := z.conn.Delete(node, -1)
		if errors.Is(err, zk.ErrNoNode) {
			return nil
		}
		return err
	})
	z.mu.Lock()
	z.lease = lease
	session := z.session
	z.mu.Unlock()
	if z.conn.State() != zk.StateHasSession || z.conn.SessionID() != session {
		lease.markLost()
		return nil, fmt.Errorf("%w: the ZooKeeper session changed while taking the lock", ErrLeaseLost)
	}
	found, _, watch, err := z.conn.ExistsW(node)
	if err != nil || !found {
		lease.markLost()
		return nil, fmt.Errorf("%w: the lock node %s is gone (%v)", ErrLeaseLost, node, err)
	}
	go func() {
		select {
		case ev := <-watch:
			// The node's data never changes: any event means it was
			// deleted, or that watching ended with the session.
			if lease.Held() {
				z.log.Warn("state: lost the lock", "reason", "lock node "+ev.Type.String(), "node", node)
				lease.markLost()
			}
		case <-lease.Lost():
		}
	}()
	return lease, nil
}

// removeOwnNodes deletes the lock nodes owned by this session.
func (z *zkBackend) removeOwnNodes(dir string) error {
	children, _, err := z.conn.Children(dir)
	if err != nil {
		return fmt.Errorf("state: listing lock nodes: %w", err)
	}
	for _, c := range children {
		_, stat, err := z.conn.Get(dir + "/" + c)
		if err != nil || stat.EphemeralOwner != z.conn.SessionID() {
			continue
		}
		if err := z.conn.Delete(dir+"/"+c, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
			return fmt.Errorf("state: removing an old lock node of this session: %w", err)
		}
	}
	return nil
}

func describeHolder(holder []byte) string {
	if len(holder) == 0 {
		return "an unnamed scheduler"
	}
	return string(holder)
}

// sequence is the ten-digit suffix ZooKeeper gives sequential nodes.
func sequence(name string) string {
	if len(name) < 10 {
		return name
	}
	return name[len(name)-10:]
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func (z *zkBackend) close() error {
	z.mu.Lock()
	l := z.lease
	z.mu.Unlock()
	if l != nil {
		l.markLost()
	}
	select {
	case <-z.done:
	default:
		close(z.done)
	}
	z.conn.Close()
	return nil
}

// zkLogger sends the client's log lines to slog at debug level.
type zkLogger struct{ l *slog.Logger }

func (z zkLogger) Printf(format string, args ...any) { z.l.Debug(fmt.Sprintf("zk: "+format, args...)) }
