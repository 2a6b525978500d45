package ui_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/api/ui"
	"github.com/kennel-sdk/kennel/api/wire"
)

func TestSessionCookie(t *testing.T) {
	tests := []struct{ service, want string }{
		{"hello-world", "kennel_ui_hello-world"},
		{"/dev/kafka", "kennel_ui__dev_kafka"},
		{"a.b c;d=e", "kennel_ui_a_bcde"},
	}
	for _, tt := range tests {
		if got := ui.SessionCookie(tt.service); got != tt.want {
			t.Errorf("SessionCookie(%q) = %q, want %q", tt.service, got, tt.want)
		}
	}
}

// TestAssets: each asset is served with its type, gzipped when asked, and
// the page's references stay relative (it works under /service/<name>).
func TestAssets(t *testing.T) {
	srv := httptest.NewServer(ui.Handler(ui.Options{View: func(context.Context) (*wire.View, error) { return &wire.View{}, nil }}))
	defer srv.Close()
	tests := []struct{ path, contentType, contains string }{
		{"/ui", "text/html; charset=utf-8", `href="ui/app.css"`},
		{"/ui/app.js", "text/javascript; charset=utf-8", `new EventSource("ui/events")`},
		{"/ui/app.css", "text/css; charset=utf-8", "@media"},
	}
	for _, tt := range tests {
		for _, zip := range []bool{false, true} {
			req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
			if zip {
				req.Header.Set("Accept-Encoding", "gzip")
			}
			resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			var body io.Reader = resp.Body
			if zip {
				if resp.Header.Get("Content-Encoding") != "gzip" {
					t.Errorf("%s: not gzipped", tt.path)
				} else if body, err = gzip.NewReader(resp.Body); err != nil {
					t.Fatal(err)
				}
			}
			data, _ := io.ReadAll(body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tt.contentType || !strings.Contains(string(data), tt.contains) {
				t.Errorf("%s (gzip %t): %d %s, want %s with %q", tt.path, zip, resp.StatusCode, resp.Header.Get("Content-Type"), tt.contentType, tt.contains)
			}
			if strings.Contains(string(data), `="/`) || strings.Contains(string(data), "http://") || strings.Contains(string(data), "https://") {
				t.Errorf("%s refers to an absolute URL: the page must work offline and under /service/<name>", tt.path)
			}
		}
	}
}

// TestEventsFailure: a view that cannot be built is an event "failure"
// with the message, and the stream goes on to the view once it can.
func TestEventsFailure(t *testing.T) {
	calls := make(chan struct{}, 100)
	view := func(context.Context) (*wire.View, error) {
		calls <- struct{}{}
		if len(calls) < 2 {
			return nil, errors.New("the scheduler is stopping")
		}
		return &wire.View{Service: "svc"}, nil
	}
	srv := httptest.NewServer(ui.Handler(ui.Options{View: view, Interval: 5 * time.Millisecond}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/ui/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got []string
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() && len(got) < 4 {
		if l := lines.Text(); strings.HasPrefix(l, "event: ") || strings.HasPrefix(l, "data: ") {
			got = append(got, l)
		}
	}
	want := []string{"event: failure", "data: the scheduler is stopping", "event: view", `data: {"service":"svc"`}
	for i := range want {
		if i >= len(got) || !strings.HasPrefix(got[i], want[i]) {
			t.Fatalf("events %q, want %q", got, want)
		}
	}
}

// TestEventsShared: pages watching together each get every change of the
// one view built for them all.
func TestEventsShared(t *testing.T) {
	var mu sync.Mutex
	service := "first"
	view := func(context.Context) (*wire.View, error) {
		mu.Lock()
		defer mu.Unlock()
		return &wire.View{Service: service}, nil
	}
	srv := httptest.NewServer(ui.Handler(ui.Options{View: view, Interval: 5 * time.Millisecond}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var streams []*bufio.Scanner
	for range 2 {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/ui/events", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		streams = append(streams, bufio.NewScanner(resp.Body))
	}
	next := func(s *bufio.Scanner) string {
		for s.Scan() {
			if l, ok := strings.CutPrefix(s.Text(), "data: "); ok {
				return l
			}
		}
		t.Fatalf("stream ended: %v", s.Err())
		return ""
	}
	for i, s := range streams {
		if got := next(s); !strings.Contains(got, `"service":"first"`) {
			t.Errorf("stream %d: first view %s", i, got)
		}
	}
	mu.Lock()
	service = "second"
	mu.Unlock()
	for i, s := range streams {
		if got := next(s); !strings.Contains(got, `"service":"second"`) {
			t.Errorf("stream %d: next view %s", i, got)
		}
	}
}
