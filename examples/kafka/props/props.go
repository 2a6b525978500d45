// Package props reads and writes Java .properties files the way
// java.util.Properties.load(InputStream) and Kafka read them: Kafka's
// server.properties and the meta.properties in each log directory.
//
// The format, as Java defines it: a file is natural lines ended by \n, \r or
// \r\n. Leading whitespace (space, tab, form feed) of every natural line is
// skipped. A line whose first non-whitespace character is # or ! is a
// comment; blank lines are skipped. A natural line ending in an odd number of
// backslashes continues on the next natural line (the backslash and the line
// break are dropped, as is the next line's leading whitespace; a comment
// marker there is not a comment). A logical line's key ends at the first
// unescaped '=', ':' or whitespace; whitespace, then one '=' or ':', then
// whitespace follow; the value is the rest. In keys and values \t, \n, \r,
// \f and \uXXXX are escapes, and a backslash before any other character
// stands for that character. A later key replaces an earlier one.
//
// Bytes are ISO 8859-1, as Properties.load(InputStream) reads them: every
// byte is one character, so non-ASCII text must be \u-escaped to mean what
// it says (Kafka reads its files so).
package props

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf16"
)

// ErrMalformedEscape is a \u escape without four hexadecimal digits, which
// Java refuses ("Malformed \uxxxx encoding").
var ErrMalformedEscape = errors.New(`malformed \uxxxx encoding`)

// Properties is an ordered set of keys and values. The zero value is empty
// and ready to use.
type Properties struct {
	keys   []string
	values map[string]string
}

// Get returns the value of key and whether it is set.
func (p *Properties) Get(key string) (string, bool) {
	v, ok := p.values[key]
	return v, ok
}

// Keys returns the keys in the order they first appeared.
func (p *Properties) Keys() []string { return append([]string(nil), p.keys...) }

// Len is the number of keys.
func (p *Properties) Len() int { return len(p.keys) }

// Set sets key to value; a new key goes last.
func (p *Properties) Set(key, value string) {
	if p.values == nil {
		p.values = map[string]string{}
	}
	if _, ok := p.values[key]; !ok {
		p.keys = append(p.keys, key)
	}
	p.values[key] = value
}

// Load reads the properties file at path.
func Load(path string) (*Properties, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Parse parses the bytes of a properties file. Its only error is a
// malformed \u escape, reported with its logical line's number.
func Parse(b []byte) (*Properties, error) {
	p := &Properties{}
	r := lineReader{in: b}
	for {
		line, n, ok := r.next()
		if !ok {
			return p, nil
		}
		rawKey, rawValue := split(line)
		key, err := unescape(rawKey)
		if err == nil {
			var value string
			if value, err = unescape(rawValue); err == nil {
				p.Set(key, value)
				continue
			}
		}
		return nil, fmt.Errorf("line %d: %w", n, err)
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\f' }

// lineReader yields logical lines with continuations joined (escapes are
// still in them, but for the line-continuing backslashes).
type lineReader struct {
	in   []byte
	pos  int
	line int // natural lines consumed
}

// next returns the next logical line that is neither blank nor a comment,
// and the number of the natural line it starts on.
func (r *lineReader) next() ([]rune, int, bool) {
	for r.pos < len(r.in) {
		start := r.line + 1
		r.skipSpace()
		if r.pos >= len(r.in) {
			return nil, 0, false
		}
		if c := r.in[r.pos]; c == '\n' || c == '\r' {
			r.eol()
			continue
		}
		if c := r.in[r.pos]; c == '#' || c == '!' {
			r.skipLine()
			continue
		}
		var out []rune
		for {
			seg, continued := r.natural()
			out = append(out, seg...)
			if !continued {
				return out, start, true
			}
			// The continuation's leading whitespace is dropped; a blank
			// continuation line ends the logical line.
			r.skipSpace()
			if r.pos >= len(r.in) {
				return out, start, true
			}
			if c := r.in[r.pos]; c == '\n' || c == '\r' {
				r.eol()
				return out, start, true
			}
		}
	}
	return nil, 0, false
}

func (r *lineReader) skipSpace() {
	for r.pos < len(r.in) && isSpace(r.in[r.pos]) {
		r.pos++
	}
}

// eol consumes one line terminator at pos: \n, \r or \r\n.
func (r *lineReader) eol() {
	if r.in[r.pos] == '\r' && r.pos+1 < len(r.in) && r.in[r.pos+1] == '\n' {
		r.pos++
	}
	r.pos++
	r.line++
}

func (r *lineReader) skipLine() {
	for r.pos < len(r.in) && r.in[r.pos] != '\n' && r.in[r.pos] != '\r' {
		r.pos++
	}
	if r.pos < len(r.in) {
		r.eol()
	}
}

// natural reads the rest of a natural line. It reports whether the line
// continues (an odd number of trailing backslashes, the last dropped). At
// the end of input a trailing odd backslash is dropped, as Java does.
func (r *lineReader) natural() ([]rune, bool) {
	var out []rune
	backslashes := 0
	for r.pos < len(r.in) {
		c := r.in[r.pos]
		if c == '\n' || c == '\r' {
			r.eol()
			if backslashes%2 == 1 {
				return out[:len(out)-1], true
			}
			return out, false
		}
		if c == '\\' {
			backslashes++
		} else {
			backslashes = 0
		}
		out = append(out, rune(c)) // ISO 8859-1: byte value = code point
		r.pos++
	}
	if backslashes%2 == 1 {
		out = out[:len(out)-1]
	}
	return out, false
}

// split divides a logical line into its raw key and raw value.
func split(line []rune) (key, value []rune) {
	end := len(line)
	valueStart := end
	hasSep := false
	escaped := false
	keyLen := 0
	for ; keyLen < end; keyLen++ {
		c := line[keyLen]
		if !escaped && (c == '=' || c == ':') {
			valueStart, hasSep = keyLen+1, true
			break
		}
		if !escaped && (c == ' ' || c == '\t' || c == '\f') {
			valueStart = keyLen + 1
			break
		}
		escaped = c == '\\' && !escaped
	}
	for ; valueStart < end; valueStart++ {
		c := line[valueStart]
		if c == ' ' || c == '\t' || c == '\f' {
			continue
		}
		if !hasSep && (c == '=' || c == ':') {
			hasSep = true
			continue
		}
		break
	}
	return line[:keyLen], line[valueStart:]
}

// unescape resolves the escapes of a raw key or value.
func unescape(in []rune) (string, error) {
	var units []uint16
	var b strings.Builder
	flush := func() {
		if len(units) > 0 {
			b.WriteString(string(utf16.Decode(units)))
			units = units[:0]
		}
	}
	for i := 0; i < len(in); i++ {
		c := in[i]
		if c != '\\' || i+1 >= len(in) {
			flush()
			b.WriteRune(c)
			continue
		}
		i++
		switch e := in[i]; e {
		case 'u':
			if i+4 >= len(in) {
				return "", ErrMalformedEscape
			}
			var v uint16
			for _, h := range in[i+1 : i+5] {
				d, ok := hexDigit(h)
				if !ok {
					return "", ErrMalformedEscape
				}
				v = v<<4 | d
			}
			i += 4
			units = append(units, v) // surrogate pairs join in flush
		case 't', 'n', 'r', 'f':
			flush()
			b.WriteByte(map[rune]byte{'t': '\t', 'n': '\n', 'r': '\r', 'f': '\f'}[e])
		default:
			flush()
			b.WriteRune(e)
		}
	}
	flush()
	return b.String(), nil
}

func hexDigit(r rune) (uint16, bool) {
	switch {
	case r >= '0' && r <= '9':
		return uint16(r - '0'), true
	case r >= 'a' && r <= 'f':
		return uint16(r-'a') + 10, true
	case r >= 'A' && r <= 'F':
		return uint16(r-'A') + 10, true
	}
	return 0, false
}

// Write writes p in a form Parse (and Java) reads back to the same keys and
// values: one key=value line per key, in order, after the given comment
// lines (each prefixed with "#", its line breaks turned into spaces).
// Characters outside printable ASCII are written as \u escapes, so the
// file is plain ASCII.
func Write(w io.Writer, p *Properties, comments ...string) error {
	var b strings.Builder
	for _, c := range comments {
		b.WriteString("#" + escapeComment(c) + "\n")
	}
	for _, k := range p.keys {
		b.WriteString(escape(k, true) + "=" + escape(p.values[k], false) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// escapeComment keeps a comment on its line and in ASCII: line breaks and
// non-ASCII characters are escaped, separators need not be.
func escapeComment(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r':
			b.WriteString(" ")
		case r < 0x20 && r != '\t' || r > 0x7e:
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&b, `\u%04X`, u)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// escape escapes s for a key (every space, and the separators) or a value
// (only a leading space, and the separators and comment markers for safety).
func escape(s string, key bool) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == ' ' && (key || i == 0):
			b.WriteString(`\ `)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '=' || r == ':' || r == '#' || r == '!':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r > 0x7e:
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&b, `\u%04X`, u)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
