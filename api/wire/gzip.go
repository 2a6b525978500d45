package wire

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io"
	"sync"
)

// The gzip body of a plan (RFC 1952) is assembled from pieces deflated
// once each: every piece of the JSON body (a chunk of steps, shared by
// the views of successive publications while unchanged, or the text
// around them, the view's own) is deflated alone by a fresh compressor
// and ends in a sync flush. Such pieces hold no final block and no
// reference to another's bytes, and end byte-aligned, so that they
// concatenate into one valid deflate stream; a final empty block ends it.
// The gzip trailer's CRC-32 of the whole body is combined from the
// pieces' CRCs and lengths.

// gzipLevel is the compression level of the pieces. BestSpeed measured
// (BenchmarkDeflateLevels, the chunks of a 10,000-step plan): ratio 22.9
// at 33 µs per 64-step chunk, against DefaultCompression's 25.4 at 74 µs
// and BestCompression's 25.6 at 162 µs; the 10 % of bytes saved beyond
// BestSpeed's do not pay for twice the CPU.
const gzipLevel = flate.BestSpeed

// gzipHeader is a gzip member's header: no name, no time, the extra flags
// of gzipLevel (4: the fastest algorithm), the OS unknown (255).
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255}

// finalBlock is an empty final deflate block with fixed Huffman codes:
// BFINAL 1, BTYPE 01, the end-of-block code, padded to a byte.
var finalBlock = []byte{0x03, 0x00}

// deflated is a piece of a body deflated alone: its compressed bytes,
// ending in a sync flush, the CRC-32 (IEEE) of its uncompressed bytes, and
// x^(8n) modulo P for its length n, which combining a CRC with its CRC
// takes (crc32Combine).
type deflated struct {
	data []byte
	crc  uint32
	xpow uint32
}

// deflater is a pooled compressor and the buffer it writes to: a
// compressor is 1 MB of tables, made once and reset for each piece.
type deflater struct {
	w   *flate.Writer
	buf bytes.Buffer
}

var deflaters = sync.Pool{New: func() any {
	d := &deflater{}
	d.w, _ = flate.NewWriter(&d.buf, gzipLevel) // a valid level: no error
	return d
}}

// deflate compresses b alone, as a piece of a longer deflate stream.
func deflate(b []byte) deflated {
	d := deflaters.Get().(*deflater)
	defer deflaters.Put(d)
	d.buf.Reset()
	d.w.Reset(&d.buf)
	// Writes to a bytes.Buffer do not fail.
	_, _ = d.w.Write(b)
	_ = d.w.Flush()
	return deflated{data: bytes.Clone(d.buf.Bytes()), crc: crc32.ChecksumIEEE(b), xpow: xPow8n(int64(len(b)))}
}

// deflated is the chunk's JSON deflated alone, made once after the JSON.
func (c *stepChunk) deflated() deflated {
	c.deflateOnce.Do(func() { c.gz = deflate(c.made().body) })
	return c.gz
}

// GzipLen is the length of the gzip body that WriteGzipTo writes.
func (v *PlanView) GzipLen() int {
	v.gzipAssemble()
	return v.gzipSize
}

// WriteGzipTo writes the body of GET /v1/plans/{plan} gzip-compressed
// (Content-Encoding: gzip): one gzip member that decompresses to what
// WriteTo writes, written in pieces as WriteTo does. The compression of
// each piece is made on first use and shared as its JSON is.
func (v *PlanView) WriteGzipTo(w io.Writer) (int64, error) {
	v.gzipAssemble()
	return writeParts(w, v.gzipParts)
}

// gzipAssemble lays out the gzip body once: the header, each part of the
// JSON body deflated (a chunk's shared, the text's made here), the final
// block and the trailer.
func (v *PlanView) gzipAssemble() {
	v.gzipOnce.Do(func() {
		v.assemble()
		parts := make([][]byte, 0, len(v.parts)+2)
		parts = append(parts, gzipHeader)
		size := len(gzipHeader)
		var crc uint32
		for i, p := range v.parts {
			var d deflated
			if c := v.partChunks[i]; c != nil {
				d = c.deflated()
			} else {
				d = deflate(p)
			}
			parts = append(parts, d.data)
			size += len(d.data)
			crc = multModP(d.xpow, crc) ^ d.crc // crc32Combine(crc, d.crc, len(p))
		}
		trailer := append([]byte{}, finalBlock...)
		trailer = binary.LittleEndian.AppendUint32(trailer, crc)
		trailer = binary.LittleEndian.AppendUint32(trailer, uint32(v.size)) // ISIZE: the length modulo 2^32
		v.gzipParts = append(parts, trailer)
		v.gzipSize = size + len(trailer)
	})
}

// crc32Combine is the CRC-32 (IEEE) of a sequence whose first part has
// CRC crc1 and whose second part has CRC crc2 and length len2 bytes.
//
// A CRC is the message's polynomial over GF(2), times x^32, modulo the
// CRC polynomial P, with the register's pre- and post-inversion; appending
// n bytes to the first part multiplies its unconditioned remainder by
// x^(8n), and the inversions of the two parts cancel but for crc2's. So
// the combined CRC is crc1 * x^(8 len2) mod P, plus crc2.
func crc32Combine(crc1, crc2 uint32, len2 int64) uint32 {
	return multModP(xPow8n(len2), crc1) ^ crc2
}

// Polynomials modulo P are held as crc32 holds them, reflected: bit 31 is
// the coefficient of x^0, bit 0 that of x^31.
const xPow0 = uint32(1) << 31

// multModP is a*b modulo P.
func multModP(a, b uint32) uint32 {
	var prod uint32
	for m := xPow0; m != 0; m >>= 1 {
		if a&m != 0 {
			prod ^= b
		}
		// b *= x: the coefficients move up one degree, and x^32 is
		// reduced by P.
		if b&1 != 0 {
			b = b>>1 ^ crc32.IEEE
		} else {
			b >>= 1
		}
	}
	return prod
}

// xPow2k holds x^(2^k) modulo P for k < 32. Squaring x^(2^31) gives x
// again (TestXPow2kRepeats), so x^(2^(k+32)) is x^(2^k): the table
// repeats.
var xPow2k = func() (t [32]uint32) {
	t[0] = xPow0 >> 1 // x^1
	for k := 1; k < len(t); k++ {
		t[k] = multModP(t[k-1], t[k-1])
	}
	return t
}()

// xPow8n is x^(8n) modulo P: the product of x^(2^(k+3)) over the bits k
// set in n.
func xPow8n(n int64) uint32 {
	p := xPow0
	for k := 3; n != 0; k, n = k+1, n>>1 {
		if n&1 != 0 {
			p = multModP(xPow2k[k%32], p)
		}
	}
	return p
}
