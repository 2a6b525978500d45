package main

import "testing"

// TestGoServiceOf: the dry run finds the Go service an app's scheduler
// runs in its cmd, and with it the in-place classification.
func TestGoServiceOf(t *testing.T) {
	cases := []struct {
		cmd     string
		inPlace bool
	}{
		{"exec ./kennel-linux-amd64 kafka scheduler", true},
		{"exec ./kennel-linux-amd64 kafka scheduler --verbose", true},
		{"exec ./kennel-linux-amd64 scheduler", false},
		{"exec ./kennel-linux-amd64 kafka probe", false},
		{"", false},
	}
	for _, c := range cases {
		g := goServiceOf(map[string]any{"cmd": c.cmd})
		if got := g.inPlace != nil; got != c.inPlace {
			t.Errorf("%q: in-place classification %v, want %v", c.cmd, got, c.inPlace)
		}
		if g.inPlace != nil && !g.inPlace("kafka", "broker", "KAFKA_LOG_SEGMENT_BYTES", "1", "2") {
			t.Errorf("%q: the Kafka scheduler does not change log.segment.bytes in place", c.cmd)
		}
	}
	if g := goServiceOf(map[string]any{"cmd": 3}); g.inPlace != nil {
		t.Error("a cmd that is not a string names a Go service")
	}
}
