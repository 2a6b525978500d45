package state

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/kennel-sdk/kennel/scheduler/record"
	"github.com/kennel-sdk/kennel/scheduler/state/zktest"
)

func rawClient(t *testing.T, addr string) *zk.Conn {
	t.Helper()
	c, _, err := zk.Connect([]string{addr}, 5*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// TestSessionExpiryLosesTheLock partitions the lock holder from ZooKeeper
// until its session expires. The holder must learn it lost the lock before
// the waiting scheduler acquires it, and its writes must fail afterwards.
func TestSessionExpiryLosesTheLock(t *testing.T) {
	srv := zktest.Start(t)
	proxy := zktest.NewProxy(t, srv.Addr)
	a, err := Open(ctx, "zk://"+proxy.Addr+"/expiry", "svc", Options{SessionTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	leaseA, err := a.Lock(ctx, LockOptions{Holder: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Load(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, "zk://"+srv.Addr+"/expiry", "svc", Options{SessionTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	acquired := make(chan time.Time, 1)
	waiting := make(chan struct{})
	var once sync.Once
	go func() {
		onWait := func(string) { once.Do(func() { close(waiting) }) }
		if _, err := b.Lock(ctx, LockOptions{Holder: "b", Wait: 60 * time.Second, OnWait: onWait}); err != nil {
			t.Error(err)
		}
		acquired <- time.Now()
	}()
	select {
	case <-waiting: // b found the lock held by a and waits
	case <-acquired:
		t.Fatal("b took the lock while a held it")
	}
	select {
	case <-acquired:
		t.Fatal("b took the lock while a held it")
	default:
	}
	proxy.Partition()
	var lostAt time.Time
	select {
	case <-leaseA.Lost():
		lostAt = time.Now()
	case <-time.After(10 * time.Second):
		t.Fatal("a never noticed it lost the lock")
	}
	bAt := <-acquired
	if !lostAt.Before(bAt) {
		t.Fatalf("both held the lock: a lost it at %s, b had it at %s", lostAt.Format(time.StampMilli), bAt.Format(time.StampMilli))
	}
	t.Logf("a stopped %s before b acquired the lock", bAt.Sub(lostAt))
	proxy.Heal()
	if err := apply(t, a, func(bt *record.Batch) { bt.PutProperty("from-a", nil) }); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("write after expiry: %v", err)
	}
	if err := b.Load(ctx); err != nil {
		t.Fatal(err)
	}
	mustApply(t, b, func(bt *record.Batch) { bt.PutProperty("from-b", nil) })
}

// TestWritesAreFencedByTheServer removes the holder's lock node behind its
// back: the next transaction fails on the server, not just in the client.
func TestWritesAreFencedByTheServer(t *testing.T) {
	srv := zktest.Start(t)
	s := open(t, "zk://"+srv.Addr+"/fence")
	mustApply(t, s, func(b *record.Batch) { b.PutProperty("before", nil) })
	raw := rawClient(t, srv.Addr)
	nodes, _, err := raw.Children("/fence/svc/lock")
	if err != nil || len(nodes) != 1 {
		t.Fatalf("lock nodes %v %v", nodes, err)
	}
	if err := raw.Delete("/fence/svc/lock/"+nodes[0], -1); err != nil {
		t.Fatal(err)
	}
	if err := apply(t, s, func(b *record.Batch) { b.PutProperty("after", nil) }); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("fenced write: %v", err)
	}
	if err := apply(t, s, func(b *record.Batch) { b.PutProperty("after", nil) }); !errors.Is(err, ErrStale) {
		t.Errorf("a store that lost its lock must be reloaded: %v", err)
	}
	if _, _, err := raw.Get("/fence/svc/Properties/after"); !errors.Is(err, zk.ErrNoNode) {
		t.Errorf("the fenced write reached ZooKeeper: %v", err)
	}
	if _, err := s.Lock(ctx, LockOptions{Holder: "again"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	mustApply(t, s, func(b *record.Batch) { b.PutProperty("after", nil) })
}

// TestDigestACL: with credentials, nodes are readable by all and writable
// by their creator only.
func TestDigestACL(t *testing.T) {
	srv := zktest.Start(t)
	s := openWith(t, "zk://"+srv.Addr+"/acl", Options{Auth: "kennel:secret"})
	mustApply(t, s, func(b *record.Batch) { b.PutProperty("p", []byte("v")) })
	raw := rawClient(t, srv.Addr)
	if v, _, err := raw.Get("/acl/svc/Properties/p"); err != nil || string(v) != "v" {
		t.Errorf("world read: %q %v", v, err)
	}
	if _, err := raw.Set("/acl/svc/Properties/p", []byte("x"), -1); !errors.Is(err, zk.ErrNoAuth) {
		t.Errorf("unauthenticated write: %v", err)
	}
}

// TestFailedLockLeavesNoNode: a scheduler that gives up waiting removes its
// lock node, and a later attempt of the same session removes leftovers, so
// no node of a waiter stands in line after it stopped waiting.
func TestFailedLockLeavesNoNode(t *testing.T) {
	srv := zktest.Start(t)
	holder := open(t, "zk://"+srv.Addr+"/orphans")
	_ = holder
	waiter, err := Open(ctx, "zk://"+srv.Addr+"/orphans", "svc", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer waiter.Close()
	if _, err := waiter.Lock(ctx, LockOptions{Wait: 200 * time.Millisecond}); !errors.Is(err, ErrLockTimeout) {
		t.Fatalf("waiting for a held lock: %v", err)
	}
	raw := rawClient(t, srv.Addr)
	nodes, _, err := raw.Children("/orphans/svc/lock")
	if err != nil || len(nodes) != 1 {
		t.Fatalf("lock nodes after a timed-out wait: %v %v", nodes, err)
	}
}
