package wire

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io"
	"sync"
)

// The gzip body of a plan (RFC 1952) is assembled from pieces: every
// piece of the JSON body (a chunk of steps, shared by the views of
// successive publications while unchanged, or the text around them, the
// view's own) is either deflated alone by a fresh compressor, ending in a
// sync flush, or wrapped as it is in stored blocks. Such pieces hold no
// final block and no reference to another's bytes, and end byte-aligned,
// so that they concatenate into one valid deflate stream; a final empty
// block ends it. The gzip trailer's CRC-32 of the whole body is combined
// from the pieces' CRCs and lengths.
//
// A piece is deflated at its second read, not its first: compressing a
// 64-step chunk costs 3 to 10 times the CPU of writing its JSON over
// loopback TCP (BenchmarkDeflateLevels, BenchmarkGetPlan10kGzip), so it
// pays only once the chunk is read again; while a deploy changes steps
// faster than the API is read, most chunks are read once, as they were
// made, and go stored. A view read while some of its pieces were stored
// is assembled again at its next read.

// gzipLevel is the compression level of the pieces. BestSpeed measured
// (BenchmarkDeflateLevels, the chunks of a 10,000-step plan): ratio 22.9
// at 33 µs per 64-step chunk, against DefaultCompression's 25.4 at 74 µs
// and BestCompression's 25.6 at 162 µs; the 10 % of bytes saved beyond
// BestSpeed's do not pay for twice the CPU.
const gzipLevel = flate.BestSpeed

// deflateAtRead is the read of a piece at which it is deflated.
const deflateAtRead = 2

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

// checksum is the CRC-32 and x^(8n) of b, as deflated holds them.
func checksum(b []byte) deflated {
	return deflated{crc: crc32.ChecksumIEEE(b), xpow: xPow8n(int64(len(b)))}
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
	sum := checksum(b)
	sum.data = bytes.Clone(d.buf.Bytes())
	return sum
}

// maxStored is the most bytes a stored block holds.
const maxStored = 1<<16 - 1

// appendStored appends b to parts as stored deflate blocks (BFINAL 0,
// BTYPE 00, byte-aligned, LEN and its complement), the block headers new
// and b's bytes themselves, and returns the parts and their length.
func appendStored(parts [][]byte, b []byte) ([][]byte, int) {
	size := 0
	for len(b) > 0 {
		n := min(len(b), maxStored)
		parts = append(parts, []byte{0, byte(n), byte(n >> 8), ^byte(n), ^byte(n >> 8)}, b[:n])
		size += 5 + n
		b = b[n:]
	}
	return parts, size
}

// chunkGzip is what the gzip body of a view holds of a chunk: the chunk
// deflated if this is its deflateAtRead-th read or later, else its
// checksum alone (ok false), for its JSON to go stored.
func (c *stepChunk) chunkGzip() (d deflated, ok bool) {
	if c.gzDone.Load() {
		return c.gz, true
	}
	if c.gzReads.Add(1) < deflateAtRead {
		c.sumOnce.Do(func() { c.sum = checksum(c.made().body) })
		return c.sum, false
	}
	c.deflateOnce.Do(func() {
		c.gz = deflate(c.made().body)
		c.gzDone.Store(true)
	})
	return c.gz, true
}

// gzipBody is a view's gzip body in pieces; complete when every piece is
// deflated, none stored.
type gzipBody struct {
	parts    [][]byte
	size     int
	complete bool
}

// GzipLen is the length of the gzip body that the next WriteGzipTo writes
// if no other read comes between; use WriteGzip for both at once.
func (v *PlanView) GzipLen() int { return v.gzip().size }

// WriteGzipTo writes the body of GET /v1/plans/{plan} gzip-compressed
// (Content-Encoding: gzip): one gzip member that decompresses to what
// WriteTo writes, written in pieces as WriteTo does.
func (v *PlanView) WriteGzipTo(w io.Writer) (int64, error) {
	return v.WriteGzip(func(int) io.Writer { return w })
}

// WriteGzip writes the gzip body of GET /v1/plans/{plan} to the writer
// that to returns for its length (a response sets its Content-Length
// there). Which pieces are compressed depends on the reads before (see
// above), so the length holds for this body only.
func (v *PlanView) WriteGzip(to func(size int) io.Writer) (int64, error) {
	b := v.gzip()
	return writeParts(to(b.size), b.parts)
}

// gzip returns the view's gzip body: the one assembled before if it is
// complete, else one assembled now, each chunk deflated at its
// deflateAtRead-th read (its JSON stored before), the view's text at the
// view's second read.
func (v *PlanView) gzip() *gzipBody {
	if b := v.gz.Load(); b != nil && b.complete {
		return b
	}
	v.assemble()
	deflateText := v.gzReads.Add(1) >= deflateAtRead
	b := &gzipBody{parts: make([][]byte, 0, len(v.parts)+2), complete: true}
	b.parts = append(b.parts, gzipHeader)
	b.size = len(gzipHeader)
	var crc uint32
	for i, p := range v.parts {
		var d deflated
		ok := true
		if c := v.partChunks[i]; c != nil {
			d, ok = c.chunkGzip()
		} else if deflateText {
			d = v.textGzip(i)
		} else {
			d, ok = checksum(p), false
		}
		if ok {
			b.parts = append(b.parts, d.data)
			b.size += len(d.data)
		} else {
			var n int
			b.parts, n = appendStored(b.parts, p)
			b.size += n
			b.complete = false
		}
		crc = multModP(d.xpow, crc) ^ d.crc // crc32Combine(crc, d.crc, len(p))
	}
	trailer := append([]byte{}, finalBlock...)
	trailer = binary.LittleEndian.AppendUint32(trailer, crc)
	trailer = binary.LittleEndian.AppendUint32(trailer, uint32(v.size)) // ISIZE: the length modulo 2^32
	b.parts = append(b.parts, trailer)
	b.size += len(trailer)
	v.gz.Store(b)
	return b
}

// textGzip is the view's text part i deflated, made once.
func (v *PlanView) textGzip(i int) deflated {
	v.textOnce.Do(func() {
		v.textGz = make([]deflated, len(v.parts))
		for j, p := range v.parts {
			if v.partChunks[j] == nil {
				v.textGz[j] = deflate(p)
			}
		}
	})
	return v.textGz[i]
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
