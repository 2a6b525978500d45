package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/scheduler/record"
	"github.com/kennel-sdk/kennel/scheduler/state/zktest"
)

// storeKind opens stores of one implementation. newURL returns the URL of
// a fresh, empty store; every Open of that URL sees the same state.
type storeKind struct {
	name   string
	newURL func(t *testing.T) string
}

func fileKind() storeKind {
	return storeKind{"file", func(t *testing.T) string { return "file://" + t.TempDir() }}
}

// zkKind shares one server among the tests that use it; each URL has its
// own base path.
func zkKind(t *testing.T) storeKind {
	srv := zktest.Start(t)
	n := 0
	return storeKind{"zookeeper", func(t *testing.T) string {
		n++
		return fmt.Sprintf("zk://%s/kennel-test/%s-%d", srv.Addr, strings.ReplaceAll(t.Name(), "/", "-"), n)
	}}
}

var ctx = context.Background()

// open opens, locks and loads the store at url for service "svc".
func open(t *testing.T, url string) *Store {
	t.Helper()
	return openWith(t, url, Options{SessionTimeout: 4 * time.Second})
}

// openWith opens the store of service svc at url with opts, takes its lock
// and loads it; the store is closed when the test ends.
func openWith(t *testing.T, url string, opts Options) *Store {
	t.Helper()
	s, err := Open(ctx, url, "svc", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Lock(ctx, LockOptions{Holder: t.Name(), Wait: 20 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func apply(t *testing.T, s *Store, fill func(b *record.Batch)) error {
	t.Helper()
	var b record.Batch
	fill(&b)
	return s.Apply(ctx, &b)
}

func mustApply(t *testing.T, s *Store, fill func(b *record.Batch)) {
	t.Helper()
	if err := apply(t, s, fill); err != nil {
		t.Fatal(err)
	}
}

// snapshot is everything a store holds, for comparisons.
func snapshot(t *testing.T, s *Store) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "framework=%q target=%q\n", s.FrameworkID(), s.Target())
	for _, id := range s.ConfigIDs() {
		v, _ := s.Config(id)
		fmt.Fprintf(&b, "config %s=%q\n", id, v)
	}
	for _, n := range s.TaskNames() {
		r, _, err := s.Task(n)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "task %s=%q/%q/%q\n", n, r.Info, r.Status, r.Goal)
	}
	for _, k := range s.PropertyKeys() {
		v, _ := s.Property(k)
		fmt.Fprintf(&b, "property %s=%q\n", k, v)
	}
	intent := s.Intent()
	for _, k := range slices.Sorted(maps.Keys(intent)) {
		fmt.Fprintf(&b, "intent %s=%q\n", k, intent[k])
	}
	return b.String()
}

// TestConformance runs the same suite on every implementation.
func TestConformance(t *testing.T) {
	for _, kind := range []storeKind{fileKind(), zkKind(t)} {
		t.Run(kind.name, func(t *testing.T) { conformance(t, kind) })
	}
}

func conformance(t *testing.T, kind storeKind) {
	t.Run("empty store", func(t *testing.T) {
		s := open(t, kind.newURL(t))
		if s.FrameworkID() != "" || s.Target() != "" || len(s.TaskNames()) != 0 || len(s.ConfigIDs()) != 0 || len(s.Intent()) != 0 {
			t.Errorf("a new store is not empty:\n%s", snapshot(t, s))
		}
	})
	t.Run("round trip and reopen", func(t *testing.T) {
		url := kind.newURL(t)
		s := open(t, url)
		mustApply(t, s, func(b *record.Batch) {
			b.SetFrameworkID("fw-1")
			b.PutConfig("cfg-a", []byte(`{"name":"a"}`))
			b.PutConfig("cfg-b", []byte(`{"name":"b"}`))
			b.SetTarget("cfg-b")
			b.PutTask("hello-0-server", record.Task{Info: []byte{0, 1, 2}, Status: []byte("status"), Goal: "PAUSED"})
			b.PutTask("hello-1-server", record.Task{Info: []byte("info")})
			b.PutProperty("last-completed-update-type", []byte("DEPLOY"))
			b.PutProperty("odd key %2F ü", nil)
			b.PutIntent("plan/deploy/step/1234", []byte(`{"forced":true}`))
			b.PutIntent("backoff/hello-0-server", []byte(`{}`))
		})
		want := snapshot(t, s)
		s.Close()
		again := open(t, url)
		if got := snapshot(t, again); got != want {
			t.Errorf("reopened store differs:\n%s\nwant:\n%s", got, want)
		}
		r, ok, err := again.Task("hello-1-server")
		if err != nil || !ok || r.Status != nil || !bytes.Equal(r.Info, []byte("info")) {
			t.Errorf("task without status: %+v %v %v", r, ok, err)
		}
	})
	t.Run("a large store reloads whole", func(t *testing.T) {
		// More entries than one ZooKeeper session reads in flight: the
		// load reads over several sessions.
		url := kind.newURL(t)
		s := open(t, url)
		for chunk := range 4 {
			mustApply(t, s, func(b *record.Batch) {
				for i := range 100 {
					name := fmt.Sprintf("pod-%d-server", chunk*100+i)
					b.PutTask(name, record.Task{Info: []byte("info " + name), Status: []byte("status")})
					b.PutIntent("plan/deploy/step/"+name, []byte(`{"started":"2026-12-07T00:00:00Z"}`))
				}
			})
		}
		mustApply(t, s, func(b *record.Batch) { b.DeleteTask("pod-7-server"); b.DeleteIntent("plan/deploy/step/pod-7-server") })
		want := snapshot(t, s)
		s.Close()
		again := open(t, url)
		if got := snapshot(t, again); got != want {
			t.Errorf("reopened store differs:\n%s\nwant:\n%s", got, want)
		}
		if n := len(again.TaskNames()); n != 399 {
			t.Errorf("%d tasks, want 399", n)
		}
	})
	t.Run("later writes win and deletes remove", func(t *testing.T) {
		url := kind.newURL(t)
		s := open(t, url)
		mustApply(t, s, func(b *record.Batch) {
			b.PutProperty("a", []byte("1"))
			b.PutProperty("b", []byte("1"))
		})
		mustApply(t, s, func(b *record.Batch) {
			b.PutProperty("a", []byte("2"))
			b.PutProperty("a", []byte("3"))
			b.DeleteProperty("b")
			b.PutProperty("c", []byte("new"))
			b.DeleteProperty("c")
			b.DeleteProperty("never-existed")
			b.DeleteIntent("never/existed")
		})
		s.Close()
		s = open(t, url)
		if got := s.PropertyKeys(); !reflect.DeepEqual(got, []string{"a"}) {
			t.Errorf("keys %v", got)
		}
		if v, _ := s.Property("a"); string(v) != "3" {
			t.Errorf("a = %q", v)
		}
	})
	t.Run("batches are all or nothing", func(t *testing.T) {
		url := kind.newURL(t)
		s := open(t, url)
		mustApply(t, s, func(b *record.Batch) { b.PutProperty("kept", []byte("1")) })
		before := snapshot(t, s)
		for name, fill := range map[string]func(b *record.Batch){
			"bad name":   func(b *record.Batch) { b.PutProperty("x", []byte("2")); b.PutTask("a/b", record.Task{}) },
			"empty name": func(b *record.Batch) { b.PutProperty("", nil) },
			"value too big": func(b *record.Batch) {
				b.PutProperty("x", []byte("2"))
				b.PutConfig("big", make([]byte, MaxValueSize+1))
			},
			"batch too big": func(b *record.Batch) {
				b.PutConfig("a", make([]byte, 600_000))
				b.PutConfig("b", make([]byte, 600_000))
			},
			"dot dot":        func(b *record.Batch) { b.PutIntent("..", nil) },
			"newline in key": func(b *record.Batch) { b.PutProperty("a\nb", nil) },
		} {
			err := apply(t, s, fill)
			if !errors.Is(err, ErrInvalidName) && !errors.Is(err, ErrTooLarge) {
				t.Errorf("%s: %v", name, err)
			}
		}
		s.Close()
		if got := snapshot(t, open(t, url)); got != before {
			t.Errorf("a refused batch changed the store:\n%s", got)
		}
	})
	t.Run("concurrent writers", func(t *testing.T) {
		url := kind.newURL(t)
		s := open(t, url)
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 10; i++ {
					var b record.Batch
					b.PutProperty(fmt.Sprintf("w%d-%d", w, i), []byte("x"))
					if err := s.Apply(ctx, &b); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		s.Close()
		if got := len(open(t, url).PropertyKeys()); got != 80 {
			t.Errorf("%d properties, want 80", got)
		}
	})
	t.Run("many tasks reload", func(t *testing.T) {
		url := kind.newURL(t)
		s := open(t, url)
		for chunk := 0; chunk < 4; chunk++ {
			mustApply(t, s, func(b *record.Batch) {
				for i := 0; i < 250; i++ {
					b.PutTask(fmt.Sprintf("pod-%d-task", chunk*250+i), record.Task{Info: bytes.Repeat([]byte{byte(i)}, 500), Status: []byte("RUNNING")})
				}
			})
		}
		s.Close()
		if got := len(open(t, url).TaskNames()); got != 1000 {
			t.Errorf("%d tasks after reload", got)
		}
	})
	t.Run("reads need a load", func(t *testing.T) {
		s, err := Open(ctx, kind.newURL(t), "svc", Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := apply(t, s, func(b *record.Batch) { b.PutProperty("a", nil) }); !errors.Is(err, ErrNotLoaded) {
			t.Errorf("write before load: %v", err)
		}
	})
	t.Run("newer schema refused", func(t *testing.T) {
		url := kind.newURL(t)
		s := open(t, url)
		s.mu.Lock()
		err := s.applyLocked(ctx, []op{{key: keySchema, value: []byte("2")}})
		s.mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		s2, err := Open(ctx, url, "svc", Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		if err := s2.Load(ctx); !errors.Is(err, ErrSchema) {
			t.Errorf("load of schema 2: %v", err)
		}
	})
	t.Run("services are separate", func(t *testing.T) {
		url := kind.newURL(t)
		a := open(t, url)
		mustApply(t, a, func(b *record.Batch) { b.SetFrameworkID("a") })
		other, err := Open(ctx, url, "other/folder", Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		if err := other.Load(ctx); err != nil || other.FrameworkID() != "" {
			t.Errorf("another service sees %q (%v)", other.FrameworkID(), err)
		}
	})
	t.Run("one lock holder", func(t *testing.T) { lockConformance(t, kind) })
}

func lockConformance(t *testing.T, kind storeKind) {
	url := kind.newURL(t)
	a, err := Open(ctx, url, "svc", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	leaseA, err := a.Lock(ctx, LockOptions{Holder: "scheduler-a on host-1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Load(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, url, "svc", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var seen []string
	_, err = b.Lock(ctx, LockOptions{Holder: "scheduler-b", Wait: 500 * time.Millisecond, OnWait: func(h string) { seen = append(seen, h) }})
	if !errors.Is(err, ErrLockTimeout) || !strings.Contains(err.Error(), "scheduler-a on host-1") {
		t.Fatalf("second lock: %v", err)
	}
	if len(seen) == 0 || seen[0] != "scheduler-a on host-1" {
		t.Errorf("OnWait saw %q", seen)
	}
	acquired := make(chan time.Time, 1)
	waiting := make(chan struct{})
	var once sync.Once
	go func() {
		onWait := func(string) { once.Do(func() { close(waiting) }) }
		if _, err := b.Lock(ctx, LockOptions{Holder: "scheduler-b", Wait: 30 * time.Second, OnWait: onWait}); err != nil {
			t.Error(err)
		}
		acquired <- time.Now()
	}()
	select {
	case <-waiting: // the second scheduler found the lock held and waits
	case <-acquired:
		t.Fatal("the second scheduler took the lock while the first held it")
	}
	released := time.Now()
	if err := leaseA.Release(); err != nil {
		t.Fatal(err)
	}
	if got := <-acquired; got.Before(released) {
		t.Error("the second scheduler took the lock while the first held it")
	}
	if err := apply(t, a, func(b *record.Batch) { b.PutProperty("x", nil) }); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("write after release: %v", err)
	}
}
