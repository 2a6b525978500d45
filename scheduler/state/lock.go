package state

import (
	"sync"
	"time"
)

// LockOptions say how to take the lock.
type LockOptions struct {
	// Wait bounds the wait for another holder to go; zero waits until the
	// context ends.
	Wait time.Duration
	// Holder describes this scheduler (host, pid, start time); a waiting
	// scheduler reports it.
	Holder string
	// OnWait is called, with the current holder's description, each time
	// the lock turns out to be held by someone else.
	OnWait func(holder string)
}

// Lease is a held lock. Lost is closed when the lock is no longer held (the
// ZooKeeper session expired, or Release was called): the holder must stop
// acting at once. Writes of the Store that took it are refused from then on.
type Lease struct {
	lost    chan struct{}
	once    sync.Once
	node    string // the ZooKeeper lock node, when there is one
	release func() error
}

func newLease(node string, release func() error) *Lease {
	return &Lease{lost: make(chan struct{}), node: node, release: release}
}

// Lost is closed once the lease is gone.
func (l *Lease) Lost() <-chan struct{} { return l.lost }

// Held reports whether the lease still holds.
func (l *Lease) Held() bool {
	select {
	case <-l.lost:
		return false
	default:
		return true
	}
}

func (l *Lease) markLost() { l.once.Do(func() { close(l.lost) }) }

// Release gives the lock up.
func (l *Lease) Release() error {
	l.markLost()
	return l.release()
}
