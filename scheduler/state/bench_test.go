package state

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/scheduler/record"
	"github.com/kennel-sdk/kennel/scheduler/state/zktest"
)

// A launch record as the scheduler will write it: the TaskInfo (a few KB
// with resources, labels, command and checks), its TASK_STAGING status and
// the step's intent entry.
var (
	benchInfo   = bytes.Repeat([]byte{0x0a}, 2500)
	benchStatus = bytes.Repeat([]byte{0x12}, 200)
	benchIntent = []byte(`{"started":"2026-11-22T12:00:00Z","launched":["hello-0-server__4b1c1f0e-5a0c-4d5e-9c1f-0c9d2f6b7a11"]}`)
)

func benchKinds(b *testing.B) map[string]string {
	return map[string]string{
		"file":      "file://" + b.TempDir(),
		"zookeeper": "zk://" + zktest.Start(b).Addr + "/bench",
	}
}

func openBench(b *testing.B, url string) *Store {
	s, err := Open(ctx, url, "svc", Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Lock(ctx, LockOptions{}); err != nil {
		b.Fatal(err)
	}
	if err := s.Load(ctx); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkLaunchRecord writes one launch record per batch, durably.
func BenchmarkLaunchRecord(b *testing.B) {
	for name, url := range benchKinds(b) {
		b.Run(name, func(b *testing.B) {
			s := openBench(b, url)
			i := 0
			for b.Loop() {
				var bt record.Batch
				task := fmt.Sprintf("pod-%d-server", i%1000)
				bt.PutTask(task, record.Task{Info: benchInfo, Status: benchStatus})
				bt.PutIntent("plan/deploy/step/"+task, benchIntent)
				if err := s.Apply(ctx, &bt); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkColdLoad10k loads a store of 10,000 task records, as a
// restarted scheduler does, and reports the heap it holds afterwards.
func BenchmarkColdLoad10k(b *testing.B) {
	for name, url := range benchKinds(b) {
		b.Run(name, func(b *testing.B) {
			s := openBench(b, url)
			for chunk := 0; chunk < 40; chunk++ {
				var bt record.Batch
				for i := 0; i < 250; i++ {
					bt.PutTask(fmt.Sprintf("pod%d-%d-server", chunk, i), record.Task{Info: benchInfo, Status: benchStatus})
				}
				if err := s.Apply(ctx, &bt); err != nil {
					b.Fatal(err)
				}
			}
			var heap uint64
			for b.Loop() {
				fresh, err := Open(ctx, url, "svc", Options{})
				if err != nil {
					b.Fatal(err)
				}
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				start := time.Now()
				if err := fresh.Load(ctx); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/load")
				runtime.GC()
				runtime.ReadMemStats(&after)
				heap = after.HeapAlloc - before.HeapAlloc
				if n := len(fresh.TaskNames()); n != 10_000 {
					b.Fatalf("%d tasks", n)
				}
				fresh.Close()
			}
			b.ReportMetric(float64(heap)/(1<<20), "MiB-heap")
		})
	}
}
