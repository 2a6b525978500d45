package topics

import (
	"errors"
	"maps"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	for _, c := range []struct {
		in   string
		want map[string]string
		err  string
	}{
		{"", map[string]string{}, ""},
		{"retention.ms=1000", map[string]string{"retention.ms": "1000"}, ""},
		{"a=1,b=2", map[string]string{"a": "1", "b": "2"}, ""},
		{"a=,b=x=y", map[string]string{"a": "", "b": "x=y"}, ""},
		{"cleanup.policy=[compact,delete],a=1", map[string]string{"cleanup.policy": "compact,delete", "a": "1"}, ""},
		{"cleanup.policy=[compact,delete]", map[string]string{"cleanup.policy": "compact,delete"}, ""},
		{"novalue", nil, `"novalue": want key=value`},
		{"a=1,", nil, `want key=value after`}, {"a=[x],", nil, `want key=value after`},
		{"=1", nil, "empty config name"},
		{"a b=1", nil, `config name "a b"`},
		{"a=1,a=2", nil, "a given twice"},
		{"a=[x,y", nil, "'[' without ']'"},
		{"a=[x]y", nil, "want ',' after ']'"},
	} {
		got, err := ParseConfig(c.in)
		if c.err != "" {
			if err == nil || !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseConfig(%q): %v, want an error with %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || !maps.Equal(got, c.want) {
			t.Errorf("ParseConfig(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"first", -2, true}, {"last", -1, true}, {"", -1, true}, {"-2", -2, true}, {"-1", -1, true},
		{"0", 0, true}, {"1700000000000", 1700000000000, true},
		{"-3", 0, false}, {"yesterday", 0, false}, {"1.5", 0, false}, {"99999999999999999999", 0, false},
	} {
		got, err := ParseTime(c.in)
		if c.ok != (err == nil) || got != c.want || (err != nil && !errors.Is(err, ErrBadTime)) {
			t.Errorf("ParseTime(%q) = %d, %v; want %d ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

// FuzzParseConfig: a parsed config list has only valid keys, and written
// back (values with commas in brackets) parses to the same configs.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{"", "a=1", "a=1,b=2", "cleanup.policy=[compact,delete]", "a=[", "=", "a=1,a=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseConfig(s)
		if err != nil {
			if !errors.Is(err, ErrBadConfig) {
				t.Fatalf("ParseConfig(%q): %v does not wrap ErrBadConfig", s, err)
			}
			return
		}
		var parts []string
		for k, v := range m {
			if checkKey(k) != nil {
				t.Fatalf("ParseConfig(%q) gave key %q", s, k)
			}
			if strings.Contains(v, ",") || strings.HasPrefix(v, "[") {
				if strings.Contains(v, "]") {
					return // not expressible in brackets
				}
				v = "[" + v + "]"
			}
			parts = append(parts, k+"="+v)
		}
		again, err := ParseConfig(strings.Join(parts, ","))
		if err != nil || !maps.Equal(again, m) {
			t.Fatalf("ParseConfig(%q) = %v; written back and parsed: %v, %v", s, m, again, err)
		}
	})
}

// FuzzParseTime: a parsed time is first, last or a timestamp, and its
// decimal form parses to itself.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"first", "last", "", "-1", "-2", "0", "123", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseTime(s)
		if err != nil {
			if !errors.Is(err, ErrBadTime) {
				t.Fatalf("ParseTime(%q): %v does not wrap ErrBadTime", s, err)
			}
			return
		}
		if n < -2 {
			t.Fatalf("ParseTime(%q) = %d", s, n)
		}
	})
}
