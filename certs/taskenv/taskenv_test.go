package taskenv

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Encryption
		bad  bool
	}{
		{in: "", want: nil},
		{in: "server:TLS", want: []Encryption{{"server", "TLS"}}},
		{in: "server:TLS,broker:KEYSTORE", want: []Encryption{{"server", "TLS"}, {"broker", "KEYSTORE"}}},
		{in: "server", bad: true},
		{in: ":TLS", bad: true},
		{in: "a/b:TLS", bad: true},
		{in: "..:TLS", bad: true},
		{in: "server:tls", bad: true},
		{in: "server:TLS,server:KEYSTORE", bad: true},
		{in: "server:TLS,", bad: true},
	} {
		got, err := Parse(tc.in)
		if (err != nil) != tc.bad || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q) = %v, %v", tc.in, got, err)
		}
		if err == nil && Format(got) != tc.in {
			t.Errorf("Format(Parse(%q)) = %q", tc.in, Format(got))
		}
	}
}

// FuzzParse: Parse never panics, and what it accepts formats back to its
// input.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "a:TLS", "a:TLS,b:KEYSTORE", "a:TLS,a:TLS", ":", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Parse(s)
		if err == nil && Format(got) != s {
			t.Errorf("Format(Parse(%q)) = %q", s, Format(got))
		}
	})
}
