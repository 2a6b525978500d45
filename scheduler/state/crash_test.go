package state

import (
	"bufio"
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/scheduler/record"
	"github.com/kennel-sdk/kennel/scheduler/state/zktest"
)

// The crash-safety test runs this test binary as a writer process (see
// TestMain) and kills it with SIGKILL at random points.
const (
	writerURLEnv  = "KENNEL_CRASH_WRITER"
	writerSizeEnv = "KENNEL_CRASH_VALUE_SIZE"
	crashKeys     = 10
)

func TestMain(m *testing.M) {
	if url := os.Getenv(writerURLEnv); url != "" {
		size, _ := strconv.Atoi(os.Getenv(writerSizeEnv))
		os.Exit(crashWriter(url, size))
	}
	if url := os.Getenv(holderURLEnv); url != "" {
		os.Exit(lockHolder(url, os.Getenv(holderMarkerEnv)))
	}
	os.Exit(m.Run())
}

// crashWriter writes batches forever: batch i sets k0..k9 to values that
// begin with "i:" and seq to i, and prints "acked i" once Apply returns.
func crashWriter(url string, size int) int {
	bg := context.Background()
	s, err := Open(bg, url, "svc", Options{SessionTimeout: time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if _, err := s.Lock(bg, LockOptions{Holder: fmt.Sprint("writer ", os.Getpid()), Wait: time.Minute}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := s.Load(bg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	seq, _ := s.Property("seq")
	next, _ := strconv.Atoi(string(seq))
	pad := strings.Repeat("x", size)
	fmt.Println("ready")
	for i := next + 1; ; i++ {
		var b record.Batch
		for k := 0; k < crashKeys; k++ {
			b.PutProperty(fmt.Sprintf("k%d", k), []byte(fmt.Sprintf("%d:%s", i, pad)))
		}
		b.PutProperty("seq", []byte(strconv.Itoa(i)))
		if err := s.Apply(bg, &b); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 3
		}
		fmt.Printf("acked %d\n", i)
	}
}

// TestCrashSafety kills a writer at random points, many times, and checks
// after each kill that the store holds exactly the state after some batch:
// the last acknowledged one or the one in flight, never a mix.
func TestCrashSafety(t *testing.T) {
	t.Run("file", func(t *testing.T) {
		crashSafety(t, "file://"+t.TempDir(), 60, 40_000)
	})
	t.Run("zookeeper", func(t *testing.T) {
		srv := zktest.Start(t)
		crashSafety(t, "zk://"+srv.Addr+"/crash", 15, 8_000)
	})
}

func crashSafety(t *testing.T, url string, rounds, size int) {
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	verified := 0
	batches := 0
	for round := 0; round < rounds; round++ {
		acked, err := runAndKill(url, size, time.Duration(rng.Intn(40))*time.Millisecond)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		acked = max(acked, verified) // no acknowledgement this round: the last known batch
		got := readConsistent(t, url)
		if got < acked || got > acked+1 {
			t.Fatalf("round %d: the store holds batch %d; %d was acknowledged, %d verified before", round, got, acked, verified)
		}
		batches += got - verified
		verified = got
	}
	t.Logf("%d kill points tried, %d batches committed across them, every restart consistent", rounds, batches)
}

// runAndKill starts a writer, lets it write for delay after it is ready,
// kills it with SIGKILL and returns the last batch it acknowledged.
func runAndKill(url string, size int, delay time.Duration) (int, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), writerURLEnv+"="+url, writerSizeEnv+"="+strconv.Itoa(size))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	var mu sync.Mutex
	acked := 0
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if line == "ready" {
				close(ready)
				continue
			}
			if n, err := strconv.Atoi(strings.TrimPrefix(line, "acked ")); err == nil {
				mu.Lock()
				acked = n
				mu.Unlock()
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		return 0, fmt.Errorf("the writer never got ready")
	}
	time.Sleep(delay) // the random point of the writes at which to crash: what is tested
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
	_ = cmd.Wait()
	mu.Lock()
	defer mu.Unlock()
	return acked, nil
}

// readConsistent loads the store and returns the batch it holds, failing
// if the keys come from different batches.
func readConsistent(t *testing.T, url string) int {
	t.Helper()
	s, err := Open(ctx, url, "svc", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	seqValue, _ := s.Property("seq")
	seq, _ := strconv.Atoi(string(seqValue))
	for k := 0; k < crashKeys; k++ {
		v, ok := s.Property(fmt.Sprintf("k%d", k))
		batch := 0
		if ok {
			batch, _ = strconv.Atoi(strings.SplitN(string(v), ":", 2)[0])
		}
		if batch != seq {
			t.Fatalf("mixed state: seq is %d but k%d is from batch %d", seq, k, batch)
		}
	}
	return seq
}
