package state

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/scheduler/record"
)

// TestSlowDisk: while the slow-disk file names a delay, each write of the
// file store waits at least that long; without the file it does not wait.
func TestSlowDisk(t *testing.T) {
	slow := filepath.Join(t.TempDir(), "slow")
	old := slowDiskFile
	slowDiskFile = slow
	t.Cleanup(func() { slowDiskFile = old })
	s := open(t, "file://"+t.TempDir())
	defer s.Close()
	const delay = 300 * time.Millisecond
	tests := []struct {
		name    string
		content string // "" removes the file
		slow    bool
	}{
		{"no file", "", false},
		{"a delay", delay.String(), true},
		{"not a duration", "soon", false},
		{"removed again", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.content == "" {
				_ = os.Remove(slow)
			} else if err := os.WriteFile(slow, []byte(tt.content+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			mustApply(t, s, func(b *record.Batch) { b.PutProperty("k", []byte(tt.name)) })
			// Only the lower bound is certain: a slow write took at least
			// the delay. A fast one is not timed (the machine may be
			// loaded); it must just not have read the delay.
			if took := time.Since(start); tt.slow && took < delay {
				t.Errorf("the write took %s with the disk slowed by %s", took, delay)
			}
		})
	}
}
