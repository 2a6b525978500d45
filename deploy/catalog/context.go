package catalog

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
)

// mustacheContext converts a JSON value (objects as map[string]any, numbers
// as json.Number or float64) into what the template sees, as Cosmos's
// conversion to Java objects for mustache.java does:
//
//   - a string becomes its JSON encoding without the surrounding quotes
//     (a"b gives a\"b, a newline gives \n); inside an array a string keeps
//     its quotes;
//   - an integral number becomes its integer digits (1.0 gives 1), any other
//     number prints as Java's Double.toString;
//   - booleans and null stay; an array stays a list; an object stays a map.
//
// Strings and numbers come out as Go strings, so that printing needs no
// further knowledge of their type: a number is never "", so it stays truthy
// in a section, and "" stays falsey.
func mustacheContext(v any) any { return convert(v, false) }

func convert(v any, inList bool) any {
	switch x := v.(type) {
	case string:
		s := jsonString(x)
		if !inList {
			s = s[1 : len(s)-1]
		}
		return s
	case json.Number:
		return javaNumber(string(x))
	case float64:
		return javaNumber(strconv.FormatFloat(x, 'g', -1, 64))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = convert(e, true)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = convert(e, false)
		}
		return out
	}
	return v // bool, nil
}

// formatValue prints a converted value for a variable tag: strings as they
// are, booleans as true/false, null as "", lists as Java's List.toString
// ("[a, b]") and maps as Java's Map.toString ("{k=v}", keys sorted: Java's
// HashMap order is not reproducible).
func formatValue(v any) string {
	if v == nil {
		return ""
	}
	return javaString(v)
}

func javaString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = javaString(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + javaString(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// javaNumber prints a JSON number literal as Cosmos does: as a big integer
// when its value is integral (1.0 and 1e2 included), otherwise as Java's
// Double.toString of the nearest double.
func javaNumber(lit string) string {
	if i := strings.IndexAny(lit, "eE"); i >= 0 {
		// Huge exponents would make the exact value enormous: beyond
		// 10^±10000 the number is taken as a double (Infinity or 0), where
		// Cosmos would still print every digit of an integer.
		if exp, err := strconv.Atoi(strings.TrimPrefix(lit[i+1:], "+")); err != nil || exp > 10000 || exp < -10000 {
			f, _ := strconv.ParseFloat(lit, 64)
			return javaDouble(f)
		}
	}
	r, ok := new(big.Rat).SetString(lit)
	if !ok {
		return lit
	}
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return javaDouble(f)
}

// javaDouble formats f as java.lang.Double.toString: plain decimal notation
// with at least one fractional digit for 1e-3 <= |f| < 1e7, otherwise
// "computerized scientific notation" (d.dddE±n), both with the shortest
// digits that identify the double.
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // 1.5e-05, 1e+07
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	n, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(n)
}

// jsonString encodes s as a JSON string literal, quotes included, as circe
// prints it: only '"', '\\' and control characters are escaped (with the
// short forms where JSON has them); everything else, non-ASCII and '<', '>',
// '&' included, is written as is.
func jsonString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
