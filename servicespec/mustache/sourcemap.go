package mustache

import "sort"

// segment says that output bytes [out, out+n) came from the template: from
// the literal text starting at src when literal, else from the tag at src.
type segment struct {
	out, src, n int
	literal     bool
}

// SourceMap maps byte offsets of a rendered output back to the template.
// The zero SourceMap is the identity.
type SourceMap struct {
	segments []segment
}

// Source returns the template offset that produced output offset out: the
// same character for literal text, the opening delimiter of the tag for a
// substituted value. An offset past the end maps just past the last segment.
func (m SourceMap) Source(out int) int {
	if len(m.segments) == 0 {
		return out
	}
	i := sort.Search(len(m.segments), func(i int) bool { return m.segments[i].out > out }) - 1
	if i < 0 {
		return m.segments[0].src
	}
	s := m.segments[i]
	if !s.literal {
		return s.src
	}
	d := out - s.out
	if d > s.n {
		d = s.n
	}
	return s.src + d
}

// Tag returns the template offset of the tag whose value produced output
// offset out, and false when out comes from literal text.
func (m SourceMap) Tag(out int) (int, bool) {
	i := sort.Search(len(m.segments), func(i int) bool { return m.segments[i].out > out }) - 1
	if i < 0 || m.segments[i].literal {
		return 0, false
	}
	return m.segments[i].src, true
}
