package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/kennel-sdk/kennel/api/wire"
)

// hub builds the view once per interval for every open event stream
// together, and only while one is open: the scheduler answers one reader
// however many pages watch it.
type hub struct {
	view     func(ctx context.Context) ([]byte, error)
	interval time.Duration

	mu     sync.Mutex
	subs   map[chan struct{}]struct{}
	stop   context.CancelFunc // of the running builder; nil when none runs
	latest frame
}

// frame is the latest build: the view's JSON or why there is none.
type frame struct {
	data []byte
	err  error
	seq  uint64 // 0 before the first build
}

// subscribe returns a channel that receives after each change of the
// latest frame (coalesced), and the function that ends the subscription.
func (h *hub) subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs == nil {
		h.subs = map[chan struct{}]struct{}{}
	}
	h.subs[ch] = struct{}{}
	if h.latest.seq > 0 {
		ch <- struct{}{}
	}
	if h.stop == nil {
		ctx, cancel := context.WithCancel(context.Background())
		h.stop = cancel
		go h.build(ctx)
	}
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.subs, ch)
		if len(h.subs) == 0 && h.stop != nil {
			h.stop()
			h.stop = nil
			h.latest = frame{} // stale once nobody watches
		}
	}
}

// current is the latest frame.
func (h *hub) current() frame {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.latest
}

// build rebuilds the view every interval until ctx ends, publishing it
// when it changed.
func (h *hub) build(ctx context.Context) {
	tick := time.NewTicker(h.interval)
	defer tick.Stop()
	for {
		data, err := h.view(ctx)
		if ctx.Err() != nil {
			return
		}
		h.mu.Lock()
		if ctx.Err() == nil && (h.latest.seq == 0 || err != nil || h.latest.err != nil || !bytes.Equal(data, h.latest.data)) {
			if !(err != nil && h.latest.err != nil && err.Error() == h.latest.err.Error()) {
				h.latest = frame{data: data, err: err, seq: h.latest.seq + 1}
				for ch := range h.subs {
					select {
					case ch <- struct{}{}:
					default:
					}
				}
			}
		}
		h.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// viewJSON adapts Options.View to the hub: the view as one line of JSON
// (an SSE data line).
func viewJSON(view func(context.Context) (*wire.View, error)) func(context.Context) ([]byte, error) {
	return func(ctx context.Context) ([]byte, error) {
		v, err := view(ctx)
		if err != nil {
			return nil, err
		}
		return json.Marshal(v)
	}
}
