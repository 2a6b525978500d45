package state

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/kennel-sdk/kennel/scheduler/record"
	"github.com/kennel-sdk/kennel/scheduler/state/zktest"
)

// The dead-holder tests run this test binary as a lock holder (see
// TestMain): it takes the lock with a long session, creates an ephemeral
// marker node in the same session (present exactly as long as the
// session), prints "locked" and holds on until its stdin closes or it is
// killed.
const (
	holderURLEnv    = "KENNEL_LOCK_HOLDER"
	holderMarkerEnv = "KENNEL_LOCK_HOLDER_MARKER"
	// holderSession outlasts every test step: a takeover that happens
	// while the marker still exists did not wait for the session.
	holderSession = 30 * time.Second
)

func lockHolder(url, marker string) int {
	bg := context.Background()
	s, err := Open(bg, url, "svc", Options{SessionTimeout: holderSession})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if _, err := s.Lock(bg, LockOptions{Holder: fmt.Sprint("helper ", os.Getpid())}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if _, err := s.b.(*zkBackend).conn.Create(marker, nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println("locked")
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// startHolder starts a lock holder process and waits until it holds the
// lock. Its stdin stays open until the test ends.
func startHolder(t *testing.T, url, marker string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holderURLEnv+"="+url, holderMarkerEnv+"="+marker)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("the holder did not take the lock: %q %v", line, err)
	}
	return cmd
}

// killHolder kills the holder with SIGKILL and reaps it.
func killHolder(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // "signal: killed"
}

// lockAsync takes the lock in the background; waiting receives the holder
// description each time the lock turns out to be held.
func lockAsync(t *testing.T, s *Store) (waiting <-chan string, locked <-chan error) {
	w := make(chan string, 100)
	l := make(chan error, 1)
	go func() {
		_, err := s.Lock(ctx, LockOptions{Holder: "waiter", Wait: 2 * time.Minute, OnWait: func(h string) { w <- h }})
		l <- err
	}()
	return w, l
}

func mustExist(t *testing.T, raw *zk.Conn, path, what string) {
	t.Helper()
	if ok, _, err := raw.Exists(path); err != nil || !ok {
		t.Fatalf("%s (%s) is gone: %v", what, path, err)
	}
}

// TestDeadHolderIsTakenOverAtOnce: a scheduler killed on this machine
// does not hold up the next one for its session's timeout, whether the
// next one starts after the death (a restart) or was already waiting (a
// standby); a live holder is waited for.
func TestDeadHolderIsTakenOverAtOnce(t *testing.T) {
	if thisProcess() == nil {
		t.Skip("no /proc: this process's identity cannot be read")
	}
	srv := zktest.Start(t)
	raw := rawClient(t, srv.Addr)

	t.Run("restarted after the holder died", func(t *testing.T) {
		url := "zk://" + srv.Addr + "/restart"
		holder := startHolder(t, url, "/restart-marker")
		killHolder(t, holder)
		s, err := Open(ctx, url, "svc", Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		waiting, locked := lockAsync(t, s)
		if err := <-locked; err != nil {
			t.Fatal(err)
		}
		mustExist(t, raw, "/restart-marker", "the dead holder's session")
		if len(waiting) > 0 {
			t.Errorf("waited for a dead holder: %q", <-waiting)
		}
		if err := s.Load(ctx); err != nil {
			t.Fatal(err)
		}
		mustApply(t, s, func(b *record.Batch) { b.PutProperty("after", nil) })
	})

	t.Run("a live holder is waited for, a standby takes over once it dies", func(t *testing.T) {
		url := "zk://" + srv.Addr + "/standby"
		holder := startHolder(t, url, "/standby-marker")
		s, err := Open(ctx, url, "svc", Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		waiting, locked := lockAsync(t, s)
		select {
		case h := <-waiting:
			if want := fmt.Sprint("helper ", holder.Process.Pid); h != want {
				t.Errorf("the standby reports %q, want %q", h, want)
			}
		case err := <-locked:
			t.Fatalf("took the lock of a live holder: %v", err)
		}
		nodes, _, err := raw.Children("/standby/svc/lock")
		if err != nil || len(nodes) != 2 {
			t.Fatalf("lock nodes while waiting: %v %v", nodes, err)
		}
		killHolder(t, holder)
		if err := <-locked; err != nil {
			t.Fatal(err)
		}
		mustExist(t, raw, "/standby-marker", "the dead holder's session")
	})
}

// TestUnprovableHolderIsWaitedFor: a holder this machine cannot prove
// dead (another host, boot or PID namespace, an older Kennel's node,
// data that is not an identity) keeps the lock until its node goes; here
// its session stays, so it is waited for until its node is removed. Each
// identity is that of a process that has exited: only the field that
// differs keeps it from being taken over.
func TestUnprovableHolderIsWaitedFor(t *testing.T) {
	self := thisProcess()
	if self == nil {
		t.Skip("no /proc: this process's identity cannot be read")
	}
	srv := zktest.Start(t)
	raw := rawClient(t, srv.Addr)
	dead := *self
	dead.PID, dead.Start = deadPID(t), 1
	with := func(change func(p *process)) []byte {
		p := dead
		change(&p)
		return encodeHolder("someone", &p)
	}
	for i, tc := range []struct {
		name     string
		data     []byte
		takeover bool
	}{
		{"dead on this machine", with(func(*process) {}), true},
		{"another host", with(func(p *process) { p.Host = "elsewhere" }), false},
		{"another boot", with(func(p *process) { p.BootID = "another-boot" }), false},
		{"another PID namespace", with(func(p *process) { p.PIDNS = "pid:[1]" }), false},
		{"an older Kennel's node", []byte("someone"), false},
		{"garbage", []byte("someone\n\x00\xff{"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := fmt.Sprintf("/unprovable%d", i)
			url := "zk://" + srv.Addr + root
			s, err := Open(ctx, url, "svc", Options{}) // creates the tree
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			node, err := raw.Create(root+"/svc/lock/lock-", tc.data, zk.FlagEphemeral|zk.FlagSequence, zk.WorldACL(zk.PermAll))
			if err != nil {
				t.Fatal(err)
			}
			waiting, locked := lockAsync(t, s)
			if tc.takeover {
				if err := <-locked; err != nil {
					t.Fatal(err)
				}
				if ok, _, _ := raw.Exists(node); ok {
					t.Error("took the lock with the dead holder's node still there")
				}
				return
			}
			select {
			case h := <-waiting:
				if h != "someone" {
					t.Errorf("the waiter reports %q, want %q", h, "someone")
				}
			case err := <-locked:
				t.Fatalf("took the lock of a holder not proven dead: %v", err)
			}
			mustExist(t, raw, node, "the holder's node")
			if err := raw.Delete(node, -1); err != nil {
				t.Fatal(err)
			}
			if err := <-locked; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestDeletedLockNodeStopsTheHolder: should a holder's node be deleted
// while it lives (by mistake; the dead-holder path never does it to a
// process it sees alive), the holder learns it from its watch and stops,
// and the server refuses its writes even before it knows.
func TestDeletedLockNodeStopsTheHolder(t *testing.T) {
	srv := zktest.Start(t)
	s := open(t, "zk://"+srv.Addr+"/deleted")
	lease := s.lease
	raw := rawClient(t, srv.Addr)
	nodes, _, err := raw.Children("/deleted/svc/lock")
	if err != nil || len(nodes) != 1 {
		t.Fatalf("lock nodes %v %v", nodes, err)
	}
	if err := raw.Delete("/deleted/svc/lock/"+nodes[0], -1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-lease.Lost():
	case <-time.After(time.Minute): // a deadline, not a delay
		t.Fatal("the holder did not learn that its lock node was deleted")
	}
	if err := apply(t, s, func(b *record.Batch) { b.PutProperty("after", nil) }); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("write after the node was deleted: %v", err)
	}
	// The fence on the server, for a write sent before the watch fired:
	// a lease that still believes itself held.
	believer := newLease(lease.node, func() error { return nil })
	err = s.b.commit(ctx, []op{{key: "Properties/after"}}, func(string) bool { return false }, believer)
	if !errors.Is(err, ErrLeaseLost) || believer.Held() {
		t.Fatalf("a write fenced by a deleted node: %v (lease held: %v)", err, believer.Held())
	}
	if _, _, err := raw.Get("/deleted/svc/Properties/after"); !errors.Is(err, zk.ErrNoNode) {
		t.Errorf("a fenced write reached ZooKeeper: %v", err)
	}
	if !strings.HasPrefix(lease.node, "/deleted/svc/lock/") {
		t.Errorf("lease node %q", lease.node)
	}
}

// TestUndeletableDeadHolderIsWaitedFor: a dead holder's node that this
// scheduler may not delete (the lock directory's ACL) is waited for, as
// without a proof, and not tried again and again.
func TestUndeletableDeadHolderIsWaitedFor(t *testing.T) {
	self := thisProcess()
	if self == nil {
		t.Skip("no /proc: this process's identity cannot be read")
	}
	srv := zktest.Start(t)
	raw := rawClient(t, srv.Addr)
	s, err := Open(ctx, "zk://"+srv.Addr+"/acl-lock", "svc", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	noDelete := zk.WorldACL(zk.PermRead | zk.PermWrite | zk.PermCreate | zk.PermAdmin)
	if _, err := raw.SetACL("/acl-lock/svc/lock", noDelete, -1); err != nil {
		t.Fatal(err)
	}
	dead := *self
	dead.PID, dead.Start = deadPID(t), 1
	node, err := raw.Create("/acl-lock/svc/lock/lock-", encodeHolder("someone", &dead), zk.FlagEphemeral|zk.FlagSequence, zk.WorldACL(zk.PermAll))
	if err != nil {
		t.Fatal(err)
	}
	waiting, locked := lockAsync(t, s)
	select {
	case <-waiting:
	case err := <-locked:
		t.Fatalf("took the lock with the dead holder's node in front: %v", err)
	}
	mustExist(t, raw, node, "the holder's node")
	if _, err := raw.SetACL("/acl-lock/svc/lock", zk.WorldACL(zk.PermAll), -1); err != nil {
		t.Fatal(err)
	}
	if err := raw.Delete(node, -1); err != nil {
		t.Fatal(err)
	}
	if err := <-locked; err != nil {
		t.Fatal(err)
	}
}
