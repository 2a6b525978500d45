package executor

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestFrameReader(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		frames   []string
		err      error // after the frames
	}{
		{"empty stream", "", nil, io.EOF},
		{"two frames", "3\nabc2\nde", []string{"abc", "de"}, io.EOF},
		{"empty frames skipped", "0\n0\n1\nx", []string{"x"}, io.EOF},
		{"cut within a frame", "5\nabc", nil, io.ErrUnexpectedEOF},
		{"cut within a length", "12", nil, io.ErrUnexpectedEOF},
		{"a length not a number", "x\n", nil, errFrame},
		{"a negative length", "-1\n", nil, errFrame},
		{"a length above the largest int", "9223372036854775808\n", nil, errFrame},
		{"a length above the limit", "4194305\n", nil, errFrame},
		{"a length line too long", strings.Repeat("1", 30) + "\n", nil, errFrame},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newFrameReader(strings.NewReader(tc.in))
			for _, want := range tc.frames {
				got, err := r.ReadFrame()
				if err != nil || string(got) != want {
					t.Fatalf("frame %q, %v; want %q", got, err, want)
				}
			}
			if _, err := r.ReadFrame(); !errors.Is(err, tc.err) {
				t.Fatalf("after the frames: %v; want %v", err, tc.err)
			}
		})
	}
}
