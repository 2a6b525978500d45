// Package wire is the HTTP transport shared by the local cluster's Mesos
// APIs (the master's scheduler API and the agents' executor API): request
// decoding in JSON or protobuf, media type negotiation, and RecordIO event
// streams, with the exact headers and status codes Mesos uses.
package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gogo/protobuf/proto"
	"github.com/mesos/mesos-go/api/v1/lib/recordio"
)

// Media types of the Mesos v1 APIs.
const (
	JSON     = "application/json"
	Protobuf = "application/x-protobuf"
)

// maxCallSize bounds a call's body.
const maxCallSize = 64 << 20

// Message is a protobuf message with the ffjson JSON methods mesos-go
// generates.
type Message interface {
	proto.Message
	json.Marshaler
	json.Unmarshaler
}

// Error is an HTTP error answer with a plain-text body, as Mesos sends.
type Error struct {
	Status int
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Msg) }

// Errorf returns an *Error.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Msg: fmt.Sprintf(format, args...)}
}

// WriteError answers with err: its status and text for an *Error, else 500.
func WriteError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: http.StatusInternalServerError, Msg: err.Error()}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(e.Status)
	_, _ = io.WriteString(w, e.Msg)
}

// DecodeCall reads a POSTed call into msg, by its Content-Type. It
// returns the request's media type.
func DecodeCall(r *http.Request, msg Message) (string, error) {
	if r.Method != http.MethodPost {
		return "", Errorf(http.StatusMethodNotAllowed, "Expecting 'POST', received '%s'", r.Method)
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return "", Errorf(http.StatusBadRequest, "Expecting 'Content-Type' to be present")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != JSON && mt != Protobuf) {
		return "", Errorf(http.StatusUnsupportedMediaType, "Expecting 'Content-Type' of %s or %s", JSON, Protobuf)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxCallSize))
	if err != nil {
		return "", Errorf(http.StatusBadRequest, "Failed to read the request body: %v", err)
	}
	if mt == JSON {
		err = msg.UnmarshalJSON(body)
	} else {
		err = proto.Unmarshal(body, msg)
	}
	if err == nil {
		// Like protobuf's C++ parser, refuse messages without their
		// required fields; marshalling is what checks them in Go.
		_, err = proto.Marshal(msg)
	}
	if err != nil {
		return "", Errorf(http.StatusBadRequest, "Failed to parse body into Call protobuf: %v", err)
	}
	return mt, nil
}

// Accept chooses the media type of a response from the Accept header as
// Mesos does: JSON if acceptable, else protobuf, whatever the q-values
// (q=0 excludes a type). No header means the request's type.
func Accept(r *http.Request, requestType string) (string, error) {
	header := r.Header.Get("Accept")
	if header == "" {
		return requestType, nil
	}
	json, pb := false, false
	for _, part := range strings.Split(header, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || isZero(params["q"]) {
			continue
		}
		switch mt {
		case JSON, "application/*", "*/*":
			json = true
		case Protobuf:
			pb = true
		}
	}
	switch {
	case json:
		return JSON, nil
	case pb:
		return Protobuf, nil
	}
	return "", Errorf(http.StatusNotAcceptable, "Expecting 'Accept' to allow %s or %s", JSON, Protobuf)
}

func isZero(q string) bool {
	if q == "" {
		return false
	}
	v, err := strconv.ParseFloat(q, 64)
	return err == nil && v == 0
}

// Encode marshals msg in media type mt. JSON is Mesos's protobuf JSON:
// unset fields and empty repeated fields are left out (mesos-go's ffjson
// writes them as null).
func Encode(mt string, msg Message) ([]byte, error) {
	if mt != JSON {
		return proto.Marshal(msg)
	}
	b, err := msg.MarshalJSON()
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(prune(v))
}

// prune drops nulls and empty arrays from objects, recursively.
func prune(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if a, ok := e.([]any); e == nil || ok && len(a) == 0 {
				delete(t, k)
				continue
			}
			t[k] = prune(e)
		}
	case []any:
		for i, e := range t {
			t[i] = prune(e)
		}
	}
	return v
}

// SendTimeout bounds one write to a stream: a reader that takes no data
// for this long loses its stream.
const SendTimeout = 30 * time.Second

// ErrClosed is returned by Send on a closed stream.
var ErrClosed = errors.New("stream closed")

// Stream is an open RecordIO event stream: a 200 response with chunked
// transfer encoding, flushed after every record. Send is safe for
// concurrent use; Close never waits for a write.
type Stream struct {
	writeMu  sync.Mutex // serializes writes; Finish takes it to wait out the last one
	rc       *http.ResponseController
	rec      *recordio.Writer
	mt       string
	inflight atomic.Bool
	once     sync.Once
	done     chan struct{}
}

// OpenStream writes the 200 response headers (Content-Type exactly mt,
// plus extra headers) and flushes them.
func OpenStream(w http.ResponseWriter, mt string, extra map[string]string) (*Stream, error) {
	h := w.Header()
	h.Set("Content-Type", mt)
	for k, v := range extra {
		h.Set(k, v)
	}
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil {
		return nil, err
	}
	return &Stream{rc: rc, rec: recordio.NewWriter(w), mt: mt, done: make(chan struct{})}, nil
}

// Send writes one record. An error means the stream is gone; it is closed.
func (s *Stream) Send(msg Message) error {
	b, err := Encode(s.mt, msg)
	if err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	select {
	case <-s.done:
		return ErrClosed
	default:
	}
	s.inflight.Store(true)
	defer s.inflight.Store(false)
	_ = s.rc.SetWriteDeadline(time.Now().Add(SendTimeout))
	if err = s.rec.WriteFrame(b); err == nil {
		err = s.rc.Flush()
	}
	if err != nil {
		s.Close()
	}
	return err
}

// Close ends the stream: Done is closed, later Sends fail, and a write in
// progress is cut short.
func (s *Stream) Close() {
	s.once.Do(func() {
		close(s.done)
		if s.inflight.Load() {
			_ = s.rc.SetWriteDeadline(time.Now())
		}
	})
}

// Done is closed by Close.
func (s *Stream) Done() <-chan struct{} { return s.done }

// Finish closes the stream and waits until no write is in progress. The
// handler that opened the stream calls it before returning.
func (s *Stream) Finish() {
	s.Close()
	s.writeMu.Lock()
	//lint:ignore SA2001 the lock is taken only to wait for a write to end
	s.writeMu.Unlock()
}
