package main

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestDebugAddr(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		name, addr string
		serves     bool
	}{
		{"off by default", "", false},
		{"loopback", "127.0.0.1:0", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := debugAddr{addr: tc.addr}
			url, err := d.serve(t.Context(), logger)
			if err != nil {
				t.Fatal(err)
			}
			if (url != "") != tc.serves {
				t.Fatalf("serve(%q) = %q", tc.addr, url)
			}
			if !tc.serves {
				return
			}
			resp, err := http.Get(url + "heap?debug=1")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "heap profile") {
				t.Fatalf("GET heap: %d %.200s", resp.StatusCode, b)
			}
		})
	}
	if _, err := (&debugAddr{addr: "no-such-host-:x"}).serve(t.Context(), logger); err == nil || !strings.Contains(err.Error(), "--debug-addr") {
		t.Fatalf("a bad address: %v", err)
	}
}
