package api

import (
	"strings"
	"testing"
)

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"gzip"}, true},
		{[]string{"gzip, deflate, br"}, true}, // Go's http.Transport sends "gzip"; browsers this
		{[]string{"GZIP"}, true},
		{[]string{"x-gzip"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip; q=0.000"}, false},
		{[]string{"gzip;q=0.001"}, true},
		{[]string{"gzip;Q=1"}, true},
		{[]string{"gzip;q=abc"}, false},
		{[]string{"gzip;q=2"}, false},
		{[]string{"gzip;q=-1"}, false},
		{[]string{"gzip;q=NaN"}, false},
		{[]string{"br;q=1, gzip;q=0.5"}, true},
		{[]string{"deflate, br"}, false},
		{[]string{"identity"}, false},
		{[]string{"*"}, true},
		{[]string{"*;q=0"}, false},
		{[]string{"*, gzip;q=0"}, false}, // named gzip wins over *
		{[]string{"gzip;q=0", "*"}, false},
		{[]string{"deflate", "gzip"}, true}, // the header repeated
		{[]string{"gzipx, xgzip"}, false},
		{[]string{" gzip ; q=0.8 "}, true},
		{[]string{"gzip;level=1"}, true},
	}
	for _, tt := range tests {
		if got := acceptsGzip(tt.header); got != tt.want {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", tt.header, got, tt.want)
		}
	}
}

// FuzzAcceptsGzip: any header parses, and one that names neither gzip nor
// * never gets gzip.
func FuzzAcceptsGzip(f *testing.F) {
	f.Add("gzip, deflate, br")
	f.Add("gzip;q=0, *;q=1")
	f.Add("x-gzip;q=0.5;foo=bar,,;")
	f.Fuzz(func(t *testing.T, header string) {
		got := acceptsGzip([]string{header})
		lower := strings.ToLower(header)
		if got && !strings.Contains(lower, "gzip") && !strings.Contains(lower, "*") {
			t.Fatalf("%q accepts gzip", header)
		}
		if got && acceptsGzip([]string{header, "gzip;q=0"}) && !strings.Contains(lower, "gzip") {
			t.Fatalf("%q, gzip;q=0 accepts gzip", header)
		}
	})
}
