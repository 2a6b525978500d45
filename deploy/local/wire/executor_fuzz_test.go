package wire

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"testing"

	execproto "github.com/mesos/mesos-go/api/v1/lib/executor"
)

// FuzzDecodeExecutorCall is FuzzDecodeCall for the executor API's calls
// (POST /api/v1/executor on an agent): whatever the body, a call decodes
// or the request is refused with a 4xx, never a panic.
func FuzzDecodeExecutorCall(f *testing.F) {
	f.Add("application/json", []byte(`{"type":"SUBSCRIBE","framework_id":{"value":"f"},"executor_id":{"value":"e"},"subscribe":{}}`))
	f.Add("application/json", []byte(`{"type":"UPDATE","framework_id":{"value":"f"},"executor_id":{"value":"e"},"update":{"status":{"task_id":{"value":"t"},"state":"TASK_RUNNING","uuid":"AAEC"}}}`))
	f.Add("application/x-protobuf", []byte("\x0a\x03\x0a\x01f\x12\x03\x0a\x01e\x18\x01"))
	f.Add("application/json", []byte(`{"type":"NOPE"}`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/executor", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		var call execproto.Call
		_, err := DecodeCall(r, &call)
		var we *Error
		if err != nil && (!errors.As(err, &we) || we.Status < 400 || we.Status >= 500) {
			t.Fatalf("a bad request must be a 4xx: %v", err)
		}
		if err == nil {
			if _, err := Encode(Protobuf, &call); err != nil {
				t.Fatal(err)
			}
		}
	})
}
