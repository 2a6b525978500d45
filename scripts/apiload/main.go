// Command apiload measures a Kennel scheduler API's throughput and latency:
// C connections each send GET requests to URL for D, back to back, or with
// -rate at that many requests/s in all (latency then counts from when each
// request was due, so a stalled server cannot hide its queue), and it
// prints requests/s, the latency percentiles and the status codes seen.
//
// By default it asks for no encoding and gets the JSON itself, as it
// always has, so that its figures compare with those before. With -gzip
// it asks for gzip and decompresses what comes gzip-compressed, as Go's
// default http.Transport does (the DC/OS CLI and Kennel's are Go
// programs): latency then covers decompressing the whole body, which on
// the scheduler's own machine takes CPU from it (a 10,000-step plan at
// 200 requests/s is ~480 MB/s to inflate, half a core measured by
// BenchmarkGetPlan10kGzip);
// -decompress=false reads the gzip body without decompressing it, to
// see the server's part alone. "wire" is the bytes received, "body" what
// they decompress to (with -decompress).
//
//	go run ./scripts/apiload -url http://127.0.0.1:8080/v1/plans/deploy -c 50 -d 10s [-rate 10000] [-gzip [-decompress=false]]
package main

import (
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "", "URL to GET")
	conns := flag.Int("c", 50, "concurrent connections")
	dur := flag.Duration("d", 10*time.Second, "how long to load")
	rate := flag.Float64("rate", 0, "requests/s in all (0: as fast as the server answers)")
	gz := flag.Bool("gzip", false, "ask for gzip (Accept-Encoding: gzip) and decompress, as Go's default client does")
	decompress := flag.Bool("decompress", true, "with -gzip, decompress gzip bodies (false: read them compressed)")
	flag.Parse()
	if *url == "" {
		fmt.Fprintln(os.Stderr, "apiload: -url is required")
		os.Exit(2)
	}
	transport := &http.Transport{MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, DisableCompression: true}
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	req, err := http.NewRequest("GET", *url, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "apiload:", err)
		os.Exit(2)
	}
	if *gz {
		// Set here rather than by the transport, so that the bytes on
		// the wire can be counted before they are decompressed.
		req.Header.Set("Accept-Encoding", "gzip")
	}
	// SIGINT ends the load early (bench.sh stops it when the deploy it
	// measures completes); the figures cover what ran.
	sigCtx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(sigCtx, *dur)
	defer cancel()
	type result struct {
		lat   []time.Duration
		codes map[int]int
		errs  int
		wire  int64
		bytes int64
		gzip  int
	}
	results := make([]result, *conns)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range *conns {
		wg.Go(func() {
			r := &results[i]
			r.codes = map[int]int{}
			req := req.Clone(context.Background()) // one per connection, reused once each response is read
			var every time.Duration
			if *rate > 0 {
				every = time.Duration(float64(*conns) / *rate * float64(time.Second))
			}
			due := time.Now().Add(time.Duration(i) * every / time.Duration(*conns))
			for ctx.Err() == nil {
				t := time.Now()
				if every > 0 {
					if wait := time.Until(due); wait > 0 {
						time.Sleep(wait)
					}
					t, due = due, due.Add(every)
				}
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						r.errs++
					}
					continue
				}
				n, wire, err := read(resp, *decompress)
				resp.Body.Close()
				if err != nil {
					if ctx.Err() == nil {
						r.errs++
					}
					continue
				}
				r.lat = append(r.lat, time.Since(t))
				r.codes[resp.StatusCode]++
				r.bytes += n
				r.wire += wire
				if resp.Header.Get("Content-Encoding") == "gzip" {
					r.gzip++
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	codes := map[int]int{}
	errs, gzipped := 0, 0
	var bytes, wire int64
	for _, r := range results {
		all = append(all, r.lat...)
		for c, n := range r.codes {
			codes[c] += n
		}
		errs += r.errs
		bytes += r.bytes
		wire += r.wire
		gzipped += r.gzip
	}
	if len(all) == 0 {
		fmt.Println("no responses")
		os.Exit(1)
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(float64(len(all))*p))] }
	fmt.Printf("requests:   %d in %.1fs over %d connections (%d errors)\n", len(all), elapsed.Seconds(), *conns, errs)
	fmt.Printf("throughput: %.0f requests/s, wire %.1f MB/s, body %.1f MB/s\n", float64(len(all))/elapsed.Seconds(),
		float64(wire)/elapsed.Seconds()/1e6, float64(bytes)/elapsed.Seconds()/1e6)
	fmt.Printf("latency:    p50 %s  p90 %s  p99 %s  max %s\n", pct(0.50).Round(time.Microsecond),
		pct(0.90).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), all[len(all)-1].Round(time.Microsecond))
	fmt.Printf("codes:      %v; gzip asked: %v, %d responses gzip-compressed, decompressed: %v\n", codes, *gz, gzipped, *decompress)
}

// read reads resp's body whole, decompressing it if it is gzip-compressed
// and decompress is set, and returns the body's length and the bytes
// received.
func read(resp *http.Response, decompress bool) (body, wire int64, err error) {
	counted := &countingReader{r: resp.Body}
	var r io.Reader = counted
	if decompress && resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(counted)
		if err != nil {
			return 0, counted.n, fmt.Errorf("gzip body: %w", err)
		}
		r = zr
	}
	body, err = io.Copy(io.Discard, r)
	return body, counted.n, err
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
