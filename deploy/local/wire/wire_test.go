package wire

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

func TestDecodeCall(t *testing.T) {
	for _, tc := range []struct {
		name, method, contentType, body string
		want                            int // 0 = decodes
	}{
		{"json", "POST", "application/json", `{"type":"REVIVE"}`, 0},
		{"json with charset", "POST", "application/json; charset=utf-8", `{"type":"REVIVE"}`, 0},
		{"protobuf", "POST", "application/x-protobuf", "\x10\x05", 0},
		{"GET", "GET", "application/json", `{}`, 405},
		{"no content type", "POST", "", `{}`, 400},
		{"text", "POST", "text/plain", `{}`, 415},
		{"bad json", "POST", "application/json", `{"type":`, 400},
		{"bad protobuf", "POST", "application/x-protobuf", "\xff\xff\xff", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "/api/v1/scheduler", strings.NewReader(tc.body))
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			var call scheduler.Call
			_, err := DecodeCall(r, &call)
			var we *Error
			switch {
			case tc.want == 0 && err != nil:
				t.Fatalf("decoding: %v", err)
			case tc.want == 0 && call.Type != scheduler.Call_REVIVE:
				t.Fatalf("decoded %v", call.Type)
			case tc.want != 0 && (!errors.As(err, &we) || we.Status != tc.want):
				t.Fatalf("got %v, want status %d", err, tc.want)
			}
		})
	}
}

func TestAccept(t *testing.T) {
	for _, tc := range []struct{ accept, request, want string }{
		{"", JSON, JSON},
		{"*/*", Protobuf, JSON},
		{"application/json", Protobuf, JSON},
		{"application/x-protobuf", JSON, Protobuf},
		{"application/x-protobuf, application/json;q=0.5", JSON, JSON},
		{"application/json;q=0, application/x-protobuf", JSON, Protobuf},
		{"text/html", JSON, ""},
	} {
		r := httptest.NewRequest("POST", "/", nil)
		if tc.accept != "" {
			r.Header.Set("Accept", tc.accept)
		}
		got, err := Accept(r, tc.request)
		if got != tc.want || (tc.want == "") != (err != nil) {
			t.Errorf("Accept %q for a %s request: %q, %v; want %q", tc.accept, tc.request, got, err, tc.want)
		}
	}
}

func FuzzDecodeCall(f *testing.F) {
	f.Add("application/json", []byte(`{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n"}}}`))
	f.Add("application/x-protobuf", []byte("\x10\x01"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/scheduler", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		var call scheduler.Call
		_, err := DecodeCall(r, &call)
		var we *Error
		if err != nil && (!errors.As(err, &we) || we.Status < 400 || we.Status >= 500) {
			t.Fatalf("a bad request must be a 4xx: %v", err)
		}
		if err == nil {
			// What decodes encodes again.
			if _, err := Encode(Protobuf, &call); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestCloseDoesNotWaitForABlockedWrite: a reader that stopped reading must
// not hold up whoever closes its stream (the master does so under its
// lock), and the handler's Finish returns once the write is cut short. Both
// sockets get small buffers (16 KiB, which turns off the kernel's
// autotuning), so a 1 MiB record cannot fit into them: once its Send has
// started, that write can only block, and no wait for buffers to fill is
// needed.
func TestCloseDoesNotWaitForABlockedWrite(t *testing.T) {
	const socketBuffer = 16 << 10
	opened := make(chan *Stream, 1)
	finished := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := OpenStream(w, JSON, nil)
		if err != nil {
			t.Error(err)
			return
		}
		opened <- s
		go func() {
			big := &scheduler.Call{Type: scheduler.Call_MESSAGE, Message: &scheduler.Call_Message{Data: bytes.Repeat([]byte("x"), 1<<20)}}
			for s.Send(big) == nil {
			}
		}()
		<-s.Done()
		s.Finish()
		close(finished)
	}))
	srv.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if err := c.(*net.TCPConn).SetWriteBuffer(socketBuffer); err != nil {
			t.Error(err)
		}
		return ctx
	}
	srv.Start()
	defer srv.Close()
	dialer := &net.Dialer{}
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if err == nil {
			err = c.(*net.TCPConn).SetReadBuffer(socketBuffer)
		}
		return c, err
	}}}
	resp, err := client.Get(srv.URL) // and never read the body
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	s := <-opened
	for !s.inflight.Load() {
		runtime.Gosched() // until the first Send has begun its write
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	for name, ch := range map[string]chan struct{}{"Close": closed, "Finish": finished} {
		select {
		case <-ch:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s waited for a write the reader never takes", name)
		}
	}
}
