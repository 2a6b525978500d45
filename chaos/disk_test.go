package chaos_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// stateFSBytes is the size of the tmpfs the file store's state lives on:
// a few hundred KB of records fit many times, and filling it is cheap.
const stateFSBytes = 8 << 20

// mountState gives the file store a disk of its own that the disk faults
// can fill for real: a tmpfs of stateFSBytes (mounting needs root; without
// it the state lives in the test's directory and the full-disk fault is
// left out of the schedule). The slow disk is the store's test hook
// (state.SlowDiskEnv), which reads e.slowFile.
func (e *env) mountState() {
	fs := filepath.Join(e.dir, "state-fs")
	if err := os.MkdirAll(fs, 0o755); err != nil {
		e.t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", stateFSBytes), "tmpfs", fs).CombinedOutput()
	if err != nil {
		e.t.Logf("no tmpfs for the file store (the full-disk fault is left out): mount: %v: %s", err, strings.TrimSpace(string(out)))
	} else {
		e.tmpfs = true
		e.t.Cleanup(func() { _ = exec.Command("umount", "-l", fs).Run() })
	}
	e.stateDir = filepath.Join(fs, "state")
}

// slowFile is where the slow-disk fault writes the file store's delay.
func (e *env) slowFile() string { return filepath.Join(e.dir, "slow-disk") }

// fillerPath is the file that fills the state's disk.
func (e *env) fillerPath() string { return filepath.Join(filepath.Dir(e.stateDir), "filler") }

// fillDisk allocates every free block of the state's tmpfs to a filler
// file, so that the store's next write fails with ENOSPC.
func (e *env) fillDisk() error {
	f, err := os.OpenFile(e.fillerPath(), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	var st syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(e.stateDir), &st); err != nil {
		return err
	}
	size := int64(st.Bavail) * st.Bsize
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if size > 0 {
		if err := syscall.Fallocate(int(f.Fd()), 0, info.Size(), size); err != nil {
			return fmt.Errorf("filling the state's disk: %w", err)
		}
	}
	if err := syscall.Statfs(filepath.Dir(e.stateDir), &st); err != nil {
		return err
	}
	if st.Bavail != 0 {
		return fmt.Errorf("the state's disk still has %d free blocks after filling it", st.Bavail)
	}
	return nil
}

// freeDisk removes the filler.
func (e *env) freeDisk() error {
	if err := os.Remove(e.fillerPath()); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

// copyState copies the file store's files to a new directory, so that the
// checkers can load them without touching the scheduler's (a load
// truncates a torn tail). The copy may catch a half-written record: a
// load drops it, as after a crash.
func (e *env) copyState() (string, error) {
	dst, err := os.MkdirTemp(e.dir, "state-copy")
	if err != nil {
		return "", err
	}
	src := filepath.Join(e.stateDir, e.s.name)
	names, err := os.ReadDir(src)
	if err != nil {
		return dst, err
	}
	if err := os.MkdirAll(filepath.Join(dst, e.s.name), 0o700); err != nil {
		return dst, err
	}
	for _, n := range names {
		if n.Name() == "snapshot" || strings.HasPrefix(n.Name(), "log.") {
			b, err := os.ReadFile(filepath.Join(src, n.Name()))
			if err != nil {
				return dst, err
			}
			if err := os.WriteFile(filepath.Join(dst, e.s.name, n.Name()), b, 0o600); err != nil {
				return dst, err
			}
		}
	}
	return dst, nil
}
