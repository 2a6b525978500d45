package executor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/framing"
	mexec "github.com/mesos/mesos-go/api/v1/lib/executor"
)

// mediaType is the only encoding the executor speaks: protobuf.
var mediaType = string(codecs.MediaTypeProtobuf)

// callTimeout bounds every non-SUBSCRIBE call (the agent answers 202 at once).
const callTimeout = 15 * time.Second

// agentClient posts executor calls to the agent's /api/v1/executor endpoint.
// It stamps every call with the framework and executor IDs. It is safe for
// concurrent use.
type agentClient struct {
	url         string
	http        *http.Client
	frameworkID mesos.FrameworkID
	executorID  mesos.ExecutorID
}

func newAgentClient(cfg Config) *agentClient {
	transport := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 15 * time.Second}).DialContext,
		ResponseHeaderTimeout: callTimeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
	}
	return &agentClient{
		url:         "http://" + cfg.AgentEndpoint + "/api/v1/executor",
		http:        &http.Client{Transport: transport},
		frameworkID: mesos.FrameworkID{Value: cfg.FrameworkID},
		executorID:  mesos.ExecutorID{Value: cfg.ExecutorID},
	}
}

// statusError is a response status the executor API did not expect.
type statusError struct {
	call   mexec.Call_Type
	status int
	body   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s: agent answered %d %s: %s", e.call, e.status, http.StatusText(e.status), e.body)
}

func (c *agentClient) post(ctx context.Context, call *mexec.Call) (*http.Response, error) {
	call.FrameworkID = c.frameworkID
	call.ExecutorID = c.executorID
	body, err := call.Marshal()
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", call.Type, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", call.Type, err)
	}
	req.Header.Set("Content-Type", mediaType)
	req.Header.Set("Accept", mediaType)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", call.Type, err)
	}
	return resp, nil
}

// call sends a non-SUBSCRIBE call and expects 202 Accepted.
func (c *agentClient) call(ctx context.Context, call *mexec.Call) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	resp, err := c.post(ctx, call)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return &statusError{call: call.Type, status: resp.StatusCode, body: readSnippet(resp.Body)}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return nil
}

// subscribe sends SUBSCRIBE and returns the event stream of its 200 answer.
// The stream ends when ctx is cancelled or close is called.
func (c *agentClient) subscribe(ctx context.Context, sub *mexec.Call_Subscribe) (*eventStream, error) {
	resp, err := c.post(ctx, &mexec.Call{Type: mexec.Call_SUBSCRIBE, Subscribe: sub})
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, &statusError{call: mexec.Call_SUBSCRIBE, status: resp.StatusCode, body: readSnippet(resp.Body)}
	}
	ct, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || ct != mediaType {
		resp.Body.Close()
		return nil, fmt.Errorf("SUBSCRIBE: agent answered Content-Type %q, want %q", resp.Header.Get("Content-Type"), mediaType)
	}
	return &eventStream{body: resp.Body, frames: newFrameReader(resp.Body)}, nil
}

// eventStream decodes the RecordIO-framed events of a subscription.
type eventStream struct {
	body   io.ReadCloser
	frames framing.Reader
}

// next returns the next event; io.EOF when the agent closed the stream.
func (s *eventStream) next() (*mexec.Event, error) {
	frame, err := s.frames.ReadFrame()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("reading event stream: %w", err)
	}
	ev := new(mexec.Event)
	if err := ev.Unmarshal(frame); err != nil {
		return nil, fmt.Errorf("decoding event: %w", err)
	}
	return ev, nil
}

func (s *eventStream) close() { s.body.Close() }

func readSnippet(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 512))
	return strings.TrimSpace(string(b))
}
