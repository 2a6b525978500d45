package state

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFileRecoversFromTornWrites simulates the states a crash can leave:
// a log whose last record is cut short, and an interrupted compaction.
func TestFileRecoversFromTornWrites(t *testing.T) {
	dir := t.TempDir()
	url := "file://" + dir
	s := open(t, url)
	mustApply(t, s, func(b *Batch) { b.PutProperty("a", []byte("1")) })
	mustApply(t, s, func(b *Batch) { b.PutProperty("a", []byte("2")); b.PutProperty("b", []byte("2")) })
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
	mustApply(t, s, func(b *Batch) { b.PutProperty("c", []byte("3")) })
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
		mustApply(t, s, func(b *Batch) {
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
