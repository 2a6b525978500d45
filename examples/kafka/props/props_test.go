package props

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

type kv = [2]string

func pairs(p *Properties) []kv {
	var out []kv
	for _, k := range p.Keys() {
		v, _ := p.Get(k)
		out = append(out, kv{k, v})
	}
	return out
}

// TestParse: the cases follow java.util.Properties.load's documented rules.
func TestParse(t *testing.T) {
	cases := []struct {
		name, in string
		want     []kv
	}{
		{"empty", "", nil},
		{"equals", "a=b\n", []kv{{"a", "b"}}},
		{"colon", "a:b", []kv{{"a", "b"}}},
		{"whitespace separator", "a b", []kv{{"a", "b"}}},
		{"whitespace around separator", "  a \t= \f b c  ", []kv{{"a", "b c  "}}},
		{"second separator is value", "a==b", []kv{{"a", "=b"}}},
		{"space then colon", "a : :b", []kv{{"a", ":b"}}},
		{"key only", "lonely\n", []kv{{"lonely", ""}}},
		{"empty key", "=v", []kv{{"", "v"}}},
		{"comments and blanks", "# c\n  ! d\n\n \t\na=1\n#b=2", []kv{{"a", "1"}}},
		{"hash inside value", "a=b#c", []kv{{"a", "b#c"}}},
		{"CR and CRLF", "a=1\rb=2\r\nc=3", []kv{{"a", "1"}, {"b", "2"}, {"c", "3"}}},
		{"continuation", "a=one, \\\n    two\nb=3", []kv{{"a", "one, two"}, {"b", "3"}}},
		{"continuation CRLF", "a=x\\\r\n  y", []kv{{"a", "xy"}}},
		{"continuation line with hash is not a comment", "a=x\\\n  #y", []kv{{"a", "x#y"}}},
		{"blank continuation ends the line", "a=x\\\n\nb=y", []kv{{"a", "x"}, {"b", "y"}}},
		{"even backslashes do not continue", "a=x\\\\\nb=y", []kv{{"a", `x\`}, {"b", "y"}}},
		{"comment does not continue", "# c \\\na=1", []kv{{"a", "1"}}},
		{"trailing backslash at EOF dropped", "a=x\\", []kv{{"a", "x"}}},
		{"escaped separators in key", `a\=b\:c\ d=e`, []kv{{"a=b:c d", "e"}}},
		{"escapes", `k=\t\n\r\f\q\\`, []kv{{"k", "\t\n\r\f" + `q\`}}},
		{"unicode escape", `k=caf\u00e9 \u20AC`, []kv{{"k", "café €"}}},
		{"surrogate pair", `k=\uD83D\uDE00`, []kv{{"k", "😀"}}},
		{"latin-1 bytes", "k=caf\xe9", []kv{{"k", "café"}}},
		{"later key wins, first position kept", "a=1\nb=2\na=3", []kv{{"a", "3"}, {"b", "2"}}},
		{"kafka listeners", "listeners=PLAINTEXT://:9092,CONTROLLER://:9093",
			[]kv{{"listeners", "PLAINTEXT://:9092,CONTROLLER://:9093"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := pairs(p); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Parse(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestParseMalformedEscape(t *testing.T) {
	for _, in := range []string{`a=\u12`, `a=\u12G4`, "a=\\u\nb=1", `\uzzzz=1`} {
		_, err := Parse([]byte(in))
		if !errors.Is(err, ErrMalformedEscape) {
			t.Errorf("Parse(%q) error %v, want ErrMalformedEscape", in, err)
		}
	}
}

func TestWriteRoundTrip(t *testing.T) {
	p := &Properties{}
	for _, kv := range []kv{{"node.id", "1"}, {" odd key=:", " lead\ttab\nnl #!\\"}, {"é", "€😀\x00"}, {"", ""}} {
		p.Set(kv[0], kv[1])
	}
	var buf bytes.Buffer
	if err := Write(&buf, p, "a comment", "Sat Dec 05 12:00:00 UTC 2026", "two\nlines=x", "é"); err != nil {
		t.Fatal(err)
	}
	for _, c := range buf.Bytes() {
		if c > 0x7e {
			t.Fatalf("Write wrote non-ASCII byte %#x:\n%s", c, buf.String())
		}
	}
	back, err := Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pairs(back), pairs(p)) {
		t.Errorf("round trip = %q, want %q\nfile:\n%s", pairs(back), pairs(p), buf.String())
	}
}

// FuzzParse: Parse never panics, and what it parses survives Write and
// Parse unchanged.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"a=b", "a\\\n b", "#c\n!d\nk:v", `k=\u00e9\t`, "a=x\\", "\\u", "x\r\n\\\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := Parse(in)
		if err != nil {
			if !errors.Is(err, ErrMalformedEscape) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := Write(&buf, p); err != nil {
			t.Fatal(err)
		}
		back, err := Parse(buf.Bytes())
		if err != nil {
			t.Fatalf("reparse: %v\n%q", err, buf.String())
		}
		if !reflect.DeepEqual(pairs(back), pairs(p)) {
			t.Fatalf("round trip of %q: %q, want %q", in, pairs(back), pairs(p))
		}
	})
}
