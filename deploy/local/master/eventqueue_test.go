package master

import (
	"testing"

	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

func heartbeats(n int) []*scheduler.Event {
	out := make([]*scheduler.Event, n)
	for i := range out {
		out[i] = &scheduler.Event{Type: scheduler.Event_HEARTBEAT}
	}
	return out
}

// The queue hands events over in order, whole batches at a time; after
// close it hands over what is left, then nil; after breakOff nothing.
func TestEventQueue(t *testing.T) {
	evs := heartbeats(3)
	for _, tc := range []struct {
		name string
		end  func(q *eventQueue)
		want []*scheduler.Event // what take returns after the end
	}{
		{"closed: what is queued, then the end", (*eventQueue).close, evs},
		{"broken: nothing", (*eventQueue).breakOff, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := newEventQueue()
			for _, ev := range evs {
				if !q.push(ev) {
					t.Fatal("push refused an event below the bound")
				}
			}
			tc.end(q)
			q.push(&scheduler.Event{}) // dropped: after the end
			got := q.take()
			if len(got) != len(tc.want) {
				t.Fatalf("take returned %d events, want %d", len(got), len(tc.want))
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("event %d is not the one pushed %d-th", i, i)
				}
			}
			if rest := q.take(); rest != nil {
				t.Errorf("take after the end returned %d events", len(rest))
			}
		})
	}
}

// take waits for an event pushed later, from another goroutine.
func TestEventQueueTakeWaits(t *testing.T) {
	q := newEventQueue()
	got := make(chan []*scheduler.Event)
	go func() { got <- q.take() }()
	ev := heartbeats(1)[0]
	q.push(ev)
	if evs := <-got; len(evs) != 1 || evs[0] != ev {
		t.Fatalf("take returned %v", evs)
	}
}

// Past maxQueuedEvents waiting, push refuses: the master disconnects the
// framework.
func TestEventQueueBound(t *testing.T) {
	q := newEventQueue()
	ev := heartbeats(1)[0]
	for i := 0; i < maxQueuedEvents; i++ {
		if !q.push(ev) {
			t.Fatalf("push %d refused below the bound", i)
		}
	}
	if q.push(ev) {
		t.Fatal("push past the bound accepted")
	}
	if n := len(q.take()); n != maxQueuedEvents {
		t.Fatalf("take returned %d events", n)
	}
	if !q.push(ev) {
		t.Fatal("push refused once the writer took the queue")
	}
}
