package executor

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"testing"

	mexec "github.com/mesos/mesos-go/api/v1/lib/executor"
)

// FuzzEventStream feeds arbitrary bytes to the executor's reader of the
// agent's RecordIO-framed event stream: it must never panic nor loop, and
// ends with io.EOF or an error once the bytes are used up.
func FuzzEventStream(f *testing.F) {
	frame := func(ev *mexec.Event) []byte {
		b, err := ev.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		return append([]byte(strconv.Itoa(len(b))+"\n"), b...)
	}
	sub := frame(&mexec.Event{Type: mexec.Event_SUBSCRIBED})
	f.Add(sub)
	f.Add(append(sub, frame(&mexec.Event{Type: mexec.Event_HEARTBEAT})...))
	f.Add([]byte("5\nabc"))
	f.Add([]byte("99999999999999999999\n"))
	f.Add([]byte("-1\n"))
	f.Add([]byte("3\n\x08\x01\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &eventStream{body: io.NopCloser(bytes.NewReader(data)), frames: newFrameReader(bytes.NewReader(data))}
		defer s.close()
		// Every event takes at least two bytes (a length and a newline),
		// so more reads than bytes would be a loop.
		for range len(data) + 1 {
			ev, err := s.next()
			if err != nil {
				if ev != nil {
					t.Fatalf("an event with an error: %v", err)
				}
				if !errors.Is(err, io.EOF) && err.Error() == "" {
					t.Fatal("an empty error")
				}
				return
			}
		}
		t.Fatalf("%d events from %d bytes", len(data)+1, len(data))
	})
}
