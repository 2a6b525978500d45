package ui

import (
	"compress/gzip"
	"io"
)

// newGzip is a gzip writer at the best compression: assets are
// compressed once, at start.
func newGzip(w io.Writer) (*gzip.Writer, error) { return gzip.NewWriterLevel(w, gzip.BestCompression) }
