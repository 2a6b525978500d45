package state

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kennel-sdk/kennel/scheduler/record"
)

// TestFileRecoversFromTornWrites simulates the states a crash can leave:
// a log whose last record is cut short, and an interrupted compaction.
func TestFileRecoversFromTornWrites(t *testing.T) {
	dir := t.TempDir()
	url := "file://" + dir
	s := open(t, url)
	mustApply(t, s, func(b *record.Batch) { b.PutProperty("a", []byte("1")) })
	mustApply(t, s, func(b *record.Batch) { b.PutProperty("a", []byte("2")); b.PutProperty("b", []byte("2")) })
	s.Close()
	root := filepath.Join(dir, "svc")
	log := filepath.Join(root, "log.0")
	info, err := os.Stat(log)
	if err != nil {
		t.Fatal(err)
	}
	// Cut the last record in the middle: the second batch never happened.
	if err := os.Truncate(log, info.Size()-3); err != nil {
		t.Fatal(err)
	}
	s = open(t, url)
	if v, _ := s.Property("a"); string(v) != "1" {
		t.Errorf("after a torn record a = %q, want 1", v)
	}
	if _, ok := s.Property("b"); ok {
		t.Error("half of a torn batch was applied")
	}
	mustApply(t, s, func(b *record.Batch) { b.PutProperty("c", []byte("3")) })
	s.Close()
	s = open(t, url)
	if v, _ := s.Property("c"); string(v) != "3" {
		t.Errorf("a batch appended after the repair is lost: %q", v)
	}
	s.Close()
	// A compaction interrupted after writing its temporary snapshot.
	if err := os.WriteFile(filepath.Join(root, "snapshot.tmp"), []byte("half a snapshot"), 0o600); err != nil {
		t.Fatal(err)
	}
	s = open(t, url)
	if got := len(s.PropertyKeys()); got != 2 {
		t.Errorf("%d properties after an interrupted compaction", got)
	}
}

// TestFileCompaction fills the log past the compaction threshold and
// checks that the state survives the switch to a new generation.
func TestFileCompaction(t *testing.T) {
	dir := t.TempDir()
	url := "file://" + dir
	s := open(t, url)
	big := make([]byte, 500_000)
	for i := 0; i < 20; i++ {
		mustApply(t, s, func(b *record.Batch) {
			b.PutConfig("c", append(big[:len(big)-1], byte(i)))
			b.PutProperty("i", []byte{byte(i)})
		})
	}
	s.Close()
	logs, _ := filepath.Glob(filepath.Join(dir, "svc", "log.*"))
	if len(logs) != 1 || logs[0] == filepath.Join(dir, "svc", "log.0") {
		t.Errorf("no compaction happened: %v", logs)
	}
	s = open(t, url)
	if v, _ := s.Property("i"); len(v) != 1 || v[0] != 19 {
		t.Errorf("i = %v after compaction", v)
	}
	if c, _ := s.Config("c"); len(c) != len(big) || c[len(c)-1] != 19 {
		t.Error("config lost in compaction")
	}
}

// TestFileRefusesMidLogCorruption: a damaged record followed by good ones
// is not a torn write; dropping the later records would lose committed
// state, so the store refuses to load.
func TestFileRefusesMidLogCorruption(t *testing.T) {
	dir := t.TempDir()
	url := "file://" + dir
	s := open(t, url)
	for _, v := range []string{"1", "2", "3"} {
		mustApply(t, s, func(b *record.Batch) { b.PutProperty("k"+v, []byte(v)) })
	}
	s.Close()
	log := filepath.Join(dir, "svc", "log.0")
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	// Flip a payload byte of the first record (after the magic and its
	// 8-byte header).
	data[len(logMagic)+9] ^= 0xff
	if err := os.WriteFile(log, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(ctx, url, "svc", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.Lock(ctx, LockOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s2.Load(ctx); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("loading a log with a corrupt middle record: %v", err)
	}
	if after, _ := os.ReadFile(log); len(after) != len(data) {
		t.Errorf("the corrupt log was cut from %d to %d bytes", len(data), len(after))
	}
}

// TestFileZeroFilledTailIsTorn: zeros past the last record (space the file
// system allocated before a crash) are a torn write, not corruption.
func TestFileZeroFilledTailIsTorn(t *testing.T) {
	dir := t.TempDir()
	url := "file://" + dir
	s := open(t, url)
	mustApply(t, s, func(b *record.Batch) { b.PutProperty("a", []byte("1")) })
	s.Close()
	f, err := os.OpenFile(filepath.Join(dir, "svc", "log.0"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	s = open(t, url)
	if v, _ := s.Property("a"); string(v) != "1" {
		t.Fatalf("a = %q", v)
	}
}

// TestLockMakesTheStoreStale: another scheduler may have written while
// the lock was not held, so the cache must be reloaded before writing.
func TestLockMakesTheStoreStale(t *testing.T) {
	s := open(t, "file://"+t.TempDir())
	if _, err := s.Lock(ctx, LockOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := apply(t, s, func(b *record.Batch) { b.PutProperty("x", nil) }); !errors.Is(err, ErrStale) {
		t.Fatalf("a write after re-locking without a reload: %v", err)
	}
	if err := s.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	mustApply(t, s, func(b *record.Batch) { b.PutProperty("x", nil) })
}
