// Command apiload measures a Kennel scheduler API's throughput and latency:
// C connections each send GET requests to URL for D, back to back, or with
// -rate at that many requests/s in all (latency then counts from when each
// request was due, so a stalled server cannot hide its queue), and it
// prints requests/s, the latency percentiles and the status codes seen.
//
//	go run ./scripts/apiload -url http://127.0.0.1:8080/v1/plans/deploy -c 50 -d 10s [-rate 10000]
package main

import (
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
	flag.Parse()
	if *url == "" {
		fmt.Fprintln(os.Stderr, "apiload: -url is required")
		os.Exit(2)
	}
	transport := &http.Transport{MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, DisableCompression: true}
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
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
		bytes int64
	}
	results := make([]result, *conns)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range *conns {
		wg.Go(func() {
			r := &results[i]
			r.codes = map[int]int{}
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
				resp, err := client.Get(*url)
				if err != nil {
					if ctx.Err() == nil {
						r.errs++
					}
					continue
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				r.lat = append(r.lat, time.Since(t))
				r.codes[resp.StatusCode]++
				r.bytes += n
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	codes := map[int]int{}
	errs := 0
	var bytes int64
	for _, r := range results {
		all = append(all, r.lat...)
		for c, n := range r.codes {
			codes[c] += n
		}
		errs += r.errs
		bytes += r.bytes
	}
	if len(all) == 0 {
		fmt.Println("no responses")
		os.Exit(1)
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(float64(len(all))*p))] }
	fmt.Printf("requests:   %d in %.1fs over %d connections (%d errors)\n", len(all), elapsed.Seconds(), *conns, errs)
	fmt.Printf("throughput: %.0f requests/s, %.1f MB/s\n", float64(len(all))/elapsed.Seconds(), float64(bytes)/elapsed.Seconds()/1e6)
	fmt.Printf("latency:    p50 %s  p90 %s  p99 %s  max %s\n", pct(0.50).Round(time.Microsecond),
		pct(0.90).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), all[len(all)-1].Round(time.Microsecond))
	fmt.Printf("codes:      %v\n", codes)
}
