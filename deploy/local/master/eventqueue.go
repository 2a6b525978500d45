package master

import (
	"sync"

	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

// maxQueuedEvents bounds the events waiting for a slow framework; past it
// the framework is disconnected, as a broken connection would be. Mesos's
// master queues a subscriber's events without a bound (its HTTP pipe
// grows), and answers a reconciliation of every task at once, so the bound
// is far above what any framework here asks for (10,000 tasks reconciled
// explicitly and then implicitly is 20,000 events): it only keeps a
// framework that stopped reading from growing the master's memory forever.
const maxQueuedEvents = 1 << 18

// eventQueue is a framework's events waiting to be written to its stream:
// push never blocks, the writer takes them in order.
type eventQueue struct {
	mu     sync.Mutex
	ready  *sync.Cond
	events []*scheduler.Event
	closed bool // no more events come; the writer writes what is left
	broken bool // the stream broke; events are dropped
}

func newEventQueue() *eventQueue {
	q := &eventQueue{}
	q.ready = sync.NewCond(&q.mu)
	return q
}

// push queues ev. It reports false, queuing nothing, when maxQueuedEvents
// are waiting already. An event pushed after close or break is dropped.
func (q *eventQueue) push(ev *scheduler.Event) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.broken {
		return true
	}
	if len(q.events) >= maxQueuedEvents {
		return false
	}
	q.events = append(q.events, ev)
	q.ready.Signal()
	return true
}

// close says no more events come: take returns what is queued, then
// reports the end.
func (q *eventQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.ready.Signal()
	q.mu.Unlock()
}

// breakOff drops what is queued and every later event.
func (q *eventQueue) breakOff() {
	q.mu.Lock()
	q.broken, q.events = true, nil
	q.mu.Unlock()
}

// take waits for events and returns all that are queued, oldest first; it
// returns nil once the queue is closed and empty, or broken.
func (q *eventQueue) take() []*scheduler.Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.events) == 0 && !q.closed && !q.broken {
		q.ready.Wait()
	}
	if q.broken {
		return nil
	}
	out := q.events
	q.events = nil
	return out
}
