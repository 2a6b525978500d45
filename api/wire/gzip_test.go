package wire

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/plans"
)

// checkGzip fails unless each of v's gzip bodies, as read the first time
// (its new chunks stored) and after (all deflated), is one gzip member,
// nothing after it, of the length given, that the standard reader
// decompresses, its CRC-32 and length checked, to w.
func checkGzip(t testing.TB, v *PlanView, w []byte) {
	t.Helper()
	for read := range 3 {
		var buf bytes.Buffer
		size := -1
		n, err := v.WriteGzip(func(s int) io.Writer { size = s; return &buf })
		if err != nil || n != int64(buf.Len()) || n != int64(size) {
			t.Fatalf("read %d: WriteGzip wrote %d bytes (%v), said %d", read, n, err, size)
		}
		got, rest, err := gunzip(buf.Bytes())
		if err != nil {
			t.Fatalf("read %d: the gzip body does not decompress: %v", read, err)
		}
		if rest != 0 {
			t.Fatalf("read %d: %d bytes after the gzip member", read, rest)
		}
		if !bytes.Equal(got, w) {
			t.Fatalf("read %d: the gzip body decompresses to another body:\n got %q\nwant %q", read, got, w)
		}
		if complete := v.gz.Load().complete; read > 0 && !complete {
			t.Fatalf("read %d: pieces still stored", read)
		}
	}
}

// gunzip decompresses the first gzip member of gz, as gzip -t checks it
// (the reader fails on a CRC-32 or ISIZE that differs from the data's),
// and says how many bytes follow it.
func gunzip(gz []byte) ([]byte, int, error) {
	br := bytes.NewReader(gz)
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, 0, err
	}
	zr.Multistream(false)
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, 0, err
	}
	return out, br.Len(), zr.Close()
}

func TestGzipBigPlan(t *testing.T) {
	p := bigPlan(10000)
	var pub Publisher
	v := pub.Snapshot("fw", []*plans.Plan{p}).Plans["deploy"]
	checkView(t, v, p.Info())
	if v.GzipLen()*20 > v.Len() {
		t.Fatalf("gzip body %d bytes for a %d-byte body: not compressed", v.GzipLen(), v.Len())
	}
}

// TestGzipChecked shows that the check of checkGzip can fail: a body whose
// trailer's CRC-32 or length is wrong does not decompress.
func TestGzipChecked(t *testing.T) {
	var pub Publisher
	v := pub.Snapshot("fw", []*plans.Plan{bigPlan(200)}).Plans["deploy"]
	var buf bytes.Buffer
	if _, err := v.WriteGzipTo(&buf); err != nil {
		t.Fatal(err)
	}
	for _, at := range []int{8, 4} { // the CRC's first byte, ISIZE's first byte
		bad := bytes.Clone(buf.Bytes())
		bad[len(bad)-at] ^= 1
		if _, _, err := gunzip(bad); !errors.Is(err, gzip.ErrChecksum) {
			t.Fatalf("a trailer changed %d bytes from the end reads with %v, want %v", at, err, gzip.ErrChecksum)
		}
	}
}

// TestGzipChunksStandAlone checks that each chunk's compressed bytes
// refer to none before them and hold no final block: each, with a final
// block after it, is a deflate stream of the chunk's JSON alone.
func TestGzipChunksStandAlone(t *testing.T) {
	var pub Publisher
	v := pub.Snapshot("fw", []*plans.Plan{bigPlan(3*chunkSteps + 5)}).Plans["deploy"]
	v.GzipLen()
	if len(v.phases[0].chunks) != 4 {
		t.Fatalf("%d chunks", len(v.phases[0].chunks))
	}
	for i, c := range v.phases[0].chunks {
		d := deflate(c.body)
		got, err := io.ReadAll(flate.NewReader(io.MultiReader(bytes.NewReader(d.data), bytes.NewReader(finalBlock))))
		if err != nil || !bytes.Equal(got, c.body) {
			t.Fatalf("chunk %d alone: %v; decompressed to the chunk: %v", i, err, bytes.Equal(got, c.body))
		}
		if d.crc != crc32.ChecksumIEEE(c.body) {
			t.Fatalf("chunk %d: CRC %08x, its body's %08x", i, d.crc, crc32.ChecksumIEEE(c.body))
		}
	}
}

// TestGzipShares shows that a chunk is deflated at its second read, not
// its first, and that a publication's gzip body reuses the compression of
// the chunks without a changed step: the changed chunk goes stored, then
// is deflated again; neither encoding serves it stale.
func TestGzipShares(t *testing.T) {
	p := bigPlan(3 * chunkSteps)
	var pub Publisher
	first := pub.Snapshot("fw", []*plans.Plan{p}).Plans["deploy"]
	if first.GzipLen() < first.Len() {
		t.Fatalf("the first read's gzip body is %d bytes, the JSON %d: deflated before the second read", first.GzipLen(), first.Len())
	}
	if first.GzipLen()*10 > first.Len() {
		t.Fatalf("the second read's gzip body is %d bytes, the JSON %d: not deflated", first.GzipLen(), first.Len())
	}
	touch(p, chunkSteps+1, t0.Add(time.Hour))
	changed := pub.Snapshot("fw", []*plans.Plan{p}).Plans["deploy"]
	parts := changed.gzip().parts
	if changed.gz.Load().complete {
		t.Fatal("the changed chunk was deflated at its first read")
	}
	stored := 0
	for _, part := range parts {
		if bytes.Contains(part, []byte("STARTING")) {
			stored++
		}
	}
	if stored != 1 {
		t.Fatalf("the changed step's JSON is in %d stored pieces", stored)
	}
	checkView(t, changed, p.Info())
	for c := range first.phases[0].chunks {
		a, b := first.phases[0].chunks[c].gz.data, changed.phases[0].chunks[c].gz.data
		if shared := &a[0] == &b[0]; shared != (c != 1) {
			t.Fatalf("chunk %d's compression shared: %v", c, shared)
		}
	}
}

// TestGzipRandomPublications decompresses the gzip bodies of views
// published between random changes of a plan, read in random order.
func TestGzipRandomPublications(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 15))
	p := randomPlan(r)
	var pub Publisher
	var views []*PlanView
	var infos []plans.PlanInfo
	for i := range 50 {
		s := pub.Snapshot("fw", []*plans.Plan{p})
		views, infos = append(views, s.Plans["deploy"]), append(infos, p.Info())
		if r.IntN(3) == 0 {
			checkGzip(t, s.Plans["deploy"], want(t, p.Info()))
		}
		mutate(r, p, t0.Add(time.Duration(i)*time.Second))
	}
	for _, i := range r.Perm(len(views)) {
		checkView(t, views[i], infos[i])
	}
}

// TestXPow2kRepeats checks what xPow8n relies on: squaring x^(2^31)
// modulo P gives x.
func TestXPow2kRepeats(t *testing.T) {
	if got := multModP(xPow2k[31], xPow2k[31]); got != xPow2k[0] {
		t.Fatalf("x^(2^32) mod P is %08x, not x (%08x)", got, xPow2k[0])
	}
}

func TestCRC32Combine(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	for _, tt := range []struct{ a, b int }{{0, 0}, {0, 5}, {5, 0}, {1, 1}, {3, 64}, {1000, 15000}, {70000, 1 << 17}, {7, 1<<20 + 3}} {
		t.Run(fmt.Sprint(tt.a, "+", tt.b), func(t *testing.T) {
			a, b := random(tt.a), random(tt.b)
			whole := crc32.ChecksumIEEE(append(bytes.Clone(a), b...))
			if got := crc32Combine(crc32.ChecksumIEEE(a), crc32.ChecksumIEEE(b), int64(len(b))); got != whole {
				t.Fatalf("combined %08x, the whole's %08x", got, whole)
			}
		})
	}
}

// TestCRC32CombineLong checks lengths past what the table holds one power
// per bit of (2^29 bytes is 2^32 bits) against multiplying by x^8 one
// byte at a time in steps of 2^k.
func TestCRC32CombineLong(t *testing.T) {
	for _, n := range []int64{1 << 29, 1<<32 + 12345, 1<<40 + 1} {
		want := xPow0
		for k, m := 3, n; m != 0; k, m = k+1, m>>1 {
			if m&1 != 0 {
				pow := uint32(xPow0 >> 1) // x, squared k times
				for range k {
					pow = multModP(pow, pow)
				}
				want = multModP(want, pow)
			}
		}
		if got := xPow8n(n); got != want {
			t.Fatalf("x^(8*%d): %08x, want %08x", n, got, want)
		}
	}
}

func FuzzCRC32Combine(f *testing.F) {
	f.Add([]byte("{\n  \"phases\": ["), []byte("hello"))
	f.Add([]byte{}, []byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		whole := crc32.ChecksumIEEE(append(bytes.Clone(a), b...))
		if got := crc32Combine(crc32.ChecksumIEEE(a), crc32.ChecksumIEEE(b), int64(len(b))); got != whole {
			t.Fatalf("combined %08x, the whole's %08x", got, whole)
		}
	})
}

// BenchmarkDeflateLevels compresses the chunks of a 10,000-step plan at
// each level, as the first gzip read does: the ratio and the time per
// chunk are what gzipLevel was chosen by.
func BenchmarkDeflateLevels(b *testing.B) {
	var pub Publisher
	v := pub.Snapshot("fw", []*plans.Plan{bigPlan(10000)}).Plans["deploy"]
	v.Len()
	chunks := v.phases[0].chunks
	for _, level := range []int{flate.BestSpeed, 3, flate.DefaultCompression, flate.BestCompression} {
		b.Run(fmt.Sprint("level=", level), func(b *testing.B) {
			var buf bytes.Buffer
			w, err := flate.NewWriter(&buf, level)
			if err != nil {
				b.Fatal(err)
			}
			var in, out int
			i := 0
			for b.Loop() {
				c := chunks[i%len(chunks)]
				i++
				buf.Reset()
				w.Reset(&buf)
				_, _ = w.Write(c.body)
				_ = w.Flush()
				in, out = in+len(c.body), out+buf.Len()
			}
			b.ReportMetric(float64(in)/float64(out), "ratio")
		})
	}
}

// BenchmarkServe10k is a read of a published 10,000-step plan, in each
// encoding: what each request costs, and the bytes it writes (from the
// second read on, the gzip body is all deflated).
func BenchmarkServe10k(b *testing.B) {
	var pub Publisher
	v := pub.Snapshot("fw", []*plans.Plan{bigPlan(10000)}).Plans["deploy"]
	for _, tt := range []struct {
		name  string
		write func(io.Writer) (int64, error)
	}{{"identity", v.WriteTo}, {"gzip", v.WriteGzipTo}} {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int64
			for b.Loop() {
				var err error
				if n, err = tt.write(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n), "body-bytes")
		})
	}
}

// bodyEncodings write a view's body in each encoding.
var bodyEncodings = []struct {
	name  string
	write func(*PlanView) (int64, error)
}{
	{"identity", func(v *PlanView) (int64, error) { return v.WriteTo(io.Discard) }},
	{"gzip", func(v *PlanView) (int64, error) { return v.WriteGzipTo(io.Discard) }},
}

// publishAndWrite returns a function that publishes p, as an event's end
// does, and writes its body with write, as the first GET after it does.
func publishAndWrite(b *testing.B, p *plans.Plan, write func(*PlanView) (int64, error)) func() {
	var pub Publisher
	return func() {
		if _, err := write(pub.Snapshot("fw", []*plans.Plan{p}).Plans["deploy"]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPublishAndServeGzip10k is BenchmarkPublishAndServe10k's
// "after" in each encoding: a publication after one changed step and the
// first read of its body, which encodes (and compresses) the changed
// chunk.
func BenchmarkPublishAndServeGzip10k(b *testing.B) {
	for _, tt := range bodyEncodings {
		b.Run(tt.name, func(b *testing.B) {
			p := bigPlan(10000)
			serve := publishAndWrite(b, p, tt.write)
			serve()
			eachEvent(b, p, serve)
		})
	}
}

// BenchmarkChurnServe10k is a publication after an event that changed a
// step in each of 40 chunks of a 10,000-step plan (a deploy's offer cycle
// changes the reasons of many pending steps at once), and the first read
// of its body, in each encoding.
func BenchmarkChurnServe10k(b *testing.B) {
	for _, tt := range bodyEncodings {
		b.Run(tt.name, func(b *testing.B) {
			p := bigPlan(10000)
			serve := publishAndWrite(b, p, tt.write)
			serve()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				for c := range 40 {
					i++
					touch(p, c*4*chunkSteps+i%chunkSteps, t0.Add(time.Duration(i)*time.Second))
				}
				serve()
			}
		})
	}
}
