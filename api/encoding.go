package api

import (
	"strconv"
	"strings"
)

// acceptsGzip reports whether a request's Accept-Encoding values (RFC
// 9110, section 12.5.3) accept gzip: "gzip" (or its alias "x-gzip") with
// a q-value above 0, or, when neither is named, "*" with one. Codings are
// case-insensitive; a coding named twice counts at its higher q-value; a
// q-value that does not parse reads as 0, so that a malformed header gets
// the identity body every client can read. Other codings, and
// identity;q=0 (there is no other body to fall back to), are not
// considered.
func acceptsGzip(values []string) bool {
	gzipQ, anyQ := -1.0, -1.0
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(item, ";")
			q := 1.0
			for param := range strings.SplitSeq(params, ";") {
				if name, value, ok := strings.Cut(param, "="); ok && strings.EqualFold(strings.TrimSpace(name), "q") {
					q = qvalue(strings.TrimSpace(value))
				}
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gzipQ = max(gzipQ, q)
			case "*":
				anyQ = max(anyQ, q)
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return anyQ > 0
}

// qvalue parses a weight, 0 to 1; what is not one reads as 0.
func qvalue(s string) float64 {
	q, err := strconv.ParseFloat(s, 64)
	if err != nil || !(q >= 0 && q <= 1) {
		return 0
	}
	return q
}
