package state

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// fileBackend keeps entries in a directory: a snapshot of every entry and
// a log of the batches applied since. A batch is one log record, appended
// with one write and made durable with fsync before commit returns. When
// the log outgrows the snapshot, the state is written to a new snapshot
// (temporary file, fsync, rename, directory fsync) and a new log begins.
//
// Loading reads the snapshot and replays its log up to the first record
// that is incomplete or fails its checksum: the batch a crash interrupted,
// which therefore never happened.
type fileBackend struct {
	dir string

	mu       sync.Mutex
	gen      uint64
	log      *os.File
	logSize  int64
	snapSize int64
	lockFile *os.File
	lease    *Lease // the current lease on lockFile
}

const (
	snapshotMagic = "KENNEL-SNAPSHOT-1\n"
	logMagic      = "KENNEL-LOG-1\n"
	// minCompactLog is the log size under which no compaction happens.
	minCompactLog = 4 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func openFile(root string) (*fileBackend, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	return &fileBackend{dir: root}, nil
}

func (f *fileBackend) logPath(gen uint64) string {
	return filepath.Join(f.dir, "log."+strconv.FormatUint(gen, 10))
}

func (f *fileBackend) load(ctx context.Context) (map[string][]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.log != nil {
		f.log.Close()
		f.log = nil
	}
	entries, gen, size, err := readSnapshot(filepath.Join(f.dir, "snapshot"))
	if err != nil {
		return nil, err
	}
	f.gen, f.snapSize = gen, size
	if err := f.removeOtherLogs(); err != nil {
		return nil, err
	}
	if err := f.replay(entries); err != nil {
		return nil, err
	}
	return entries, nil
}

// readSnapshot reads the snapshot, or returns an empty state of generation
// 0 if there is none.
func readSnapshot(path string) (map[string][]byte, uint64, int64, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string][]byte{}, 0, 0, nil
	}
	if err != nil {
		return nil, 0, 0, err
	}
	if len(data) < len(snapshotMagic)+4 || string(data[:len(snapshotMagic)]) != snapshotMagic {
		return nil, 0, 0, fmt.Errorf("%s is not a Kennel snapshot", path)
	}
	body, sum := data[:len(data)-4], binary.BigEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, 0, 0, fmt.Errorf("%s is corrupt (checksum mismatch)", path)
	}
	r := bytes.NewReader(body[len(snapshotMagic):])
	gen, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	ops, err := readOps(r)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	entries := make(map[string][]byte, len(ops))
	for _, o := range ops {
		entries[o.key] = o.value
	}
	return entries, gen, int64(len(data)), nil
}

// removeOtherLogs deletes logs of older generations, left by a crash
// during compaction.
func (f *fileBackend) removeOtherLogs() error {
	names, err := filepath.Glob(filepath.Join(f.dir, "log.*"))
	if err != nil {
		return err
	}
	for _, n := range names {
		if n != f.logPath(f.gen) {
			if err := os.Remove(n); err != nil {
				return err
			}
		}
	}
	return nil
}

// replay applies the log's complete records to entries and truncates a
// torn tail so that appends start clean.
func (f *fileBackend) replay(entries map[string][]byte) error {
	file, err := os.OpenFile(f.logPath(f.gen), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	info, err := file.Stat()
	if err != nil {
		file.Close()
		return err
	}
	if info.Size() < int64(len(logMagic)) {
		// New (or torn before its header was complete): start it.
		if err := startLog(file, f.dir); err != nil {
			file.Close()
			return err
		}
		f.log, f.logSize = file, int64(len(logMagic))
		return nil
	}
	r := bufio.NewReader(io.NewSectionReader(file, 0, info.Size()))
	magic := make([]byte, len(logMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != logMagic {
		file.Close()
		return fmt.Errorf("%s is not a Kennel log", f.logPath(f.gen))
	}
	good := int64(len(logMagic))
	for {
		ops, n, ok := readRecord(r)
		if !ok {
			break
		}
		applyOps(entries, ops)
		good += n
	}
	if good < info.Size() {
		if torn, err := tornTail(file, good, info.Size()); err != nil || !torn {
			file.Close()
			if err == nil {
				err = fmt.Errorf("%w: %s has a bad record at offset %d followed by more records; refusing to drop them", ErrCorrupt, f.logPath(f.gen), good)
			}
			return err
		}
		if err := file.Truncate(good); err != nil {
			file.Close()
			return err
		}
		if err := file.Sync(); err != nil {
			file.Close()
			return err
		}
	}
	f.log, f.logSize = file, good
	return nil
}

// tornTail reports whether the bytes of the log from offset good on are
// what a crash during an append leaves: a record cut short (its declared
// end at or past the end of the file), or zeros the file system allocated.
// Anything else is corruption of records that were durable.
func tornTail(file *os.File, good, size int64) (bool, error) {
	rest := make([]byte, size-good)
	if _, err := file.ReadAt(rest, good); err != nil {
		return false, err
	}
	if len(rest) < 8 {
		return true, nil
	}
	if good+8+int64(binary.BigEndian.Uint32(rest[:4])) >= size {
		return true, nil
	}
	return !slices.ContainsFunc(rest, func(b byte) bool { return b != 0 }), nil
}

// startLog writes a log's header durably.
func startLog(file *os.File, dir string) error {
	if err := file.Truncate(0); err != nil {
		return err
	}
	if _, err := file.WriteAt([]byte(logMagic), 0); err != nil {
		return err
	}
	if err := file.Sync(); err != nil {
		return err
	}
	return syncDir(dir)
}

func applyOps(entries map[string][]byte, ops []op) {
	for _, o := range ops {
		if o.delete {
			delete(entries, o.key)
		} else {
			entries[o.key] = o.value
		}
	}
}

// readRecord reads one log record: length, CRC-32C and payload. ok is
// false at the end of the log or at a torn or corrupt record.
func readRecord(r *bufio.Reader) (ops []op, n int64, ok bool) {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, 0, false
	}
	length, sum := binary.BigEndian.Uint32(hdr[:4]), binary.BigEndian.Uint32(hdr[4:])
	if length > 2*MaxBatchSize {
		return nil, 0, false
	}
	payload := make([]byte, length)
	if _, err := io.ReadFull(r, payload); err != nil || crc32.Checksum(payload, castagnoli) != sum {
		return nil, 0, false
	}
	ops, err := readOps(bytes.NewReader(payload))
	if err != nil {
		return nil, 0, false
	}
	return ops, int64(8 + length), true
}

// encodeOps writes a count then each op: kind (0 put, 1 delete), key and,
// for puts, value, each with a uvarint length.
func encodeOps(ops []op) []byte {
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(ops)))
	for _, o := range ops {
		kind := byte(0)
		if o.delete {
			kind = 1
		}
		b = append(b, kind)
		b = binary.AppendUvarint(b, uint64(len(o.key)))
		b = append(b, o.key...)
		if !o.delete {
			b = binary.AppendUvarint(b, uint64(len(o.value)))
			b = append(b, o.value...)
		}
	}
	return b
}

// errBadRecord: a log record that does not decode.
var errBadRecord = errors.New("malformed task record")

func readOps(r *bytes.Reader) ([]op, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil || n > uint64(r.Len()) {
		return nil, errBadRecord
	}
	ops := make([]op, 0, n)
	for i := uint64(0); i < n; i++ {
		kind, err := r.ReadByte()
		if err != nil || kind > 1 {
			return nil, errBadRecord
		}
		key, err := readBytes(r)
		if err != nil {
			return nil, err
		}
		o := op{key: string(key), delete: kind == 1}
		if !o.delete {
			if o.value, err = readBytes(r); err != nil {
				return nil, err
			}
		}
		ops = append(ops, o)
	}
	if r.Len() != 0 {
		return nil, errBadRecord
	}
	return ops, nil
}

func readBytes(r *bytes.Reader) ([]byte, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil || n > uint64(r.Len()) {
		return nil, errBadRecord
	}
	b := make([]byte, n)
	_, err = io.ReadFull(r, b)
	return b, err
}

func (f *fileBackend) commit(ctx context.Context, ops []op, _ func(string) bool, fence *Lease) error {
	if fence != nil && !fence.Held() {
		return ErrLeaseLost
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	payload := encodeOps(ops)
	rec := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint32(rec[:4], uint32(len(payload)))
	binary.BigEndian.PutUint32(rec[4:], crc32.Checksum(payload, castagnoli))
	rec = append(rec, payload...)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.log == nil {
		return ErrNotLoaded
	}
	diskDelay()
	_, err := f.log.WriteAt(rec, f.logSize)
	if err == nil {
		err = f.log.Sync()
	}
	if err != nil {
		// After a failed write or fsync the kernel may have dropped the
		// record's pages: cut the log back to its last durable record, or
		// close it if even that fails, so that nothing is appended after a
		// record of unknown fate.
		if f.log.Truncate(f.logSize) != nil || f.log.Sync() != nil {
			f.log.Close()
			f.log = nil
		}
		return fmt.Errorf("%w: %w", errNeedsReload, err)
	}
	f.logSize += int64(len(rec))
	return nil
}

func (f *fileBackend) shouldCompact() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.logSize > minCompactLog && f.logSize > 2*f.snapSize
}

// compact writes entries as the snapshot of the next generation and starts
// its empty log. A crash at any point leaves either the old snapshot and
// log, or the new snapshot (whose log may be missing: it is empty).
func (f *fileBackend) compact(entries map[string][]byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	next := f.gen + 1
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ops := make([]op, len(keys))
	for i, k := range keys {
		ops[i] = op{key: k, value: entries[k]}
	}
	body := append([]byte(snapshotMagic), binary.AppendUvarint(nil, next)...)
	body = append(body, encodeOps(ops)...)
	body = binary.BigEndian.AppendUint32(body, crc32.Checksum(body, castagnoli))
	// The next generation's log must start empty: nothing may be replayed
	// on top of the snapshot that the cache does not hold.
	if err := os.Remove(f.logPath(next)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := writeFileAtomic(filepath.Join(f.dir, "snapshot"), body); err != nil {
		// The old snapshot and log stand; writes go on to the old log.
		return err
	}
	// From the rename on, the new generation is what a load reads.
	old := f.logPath(f.gen)
	f.log.Close()
	f.gen, f.snapSize, f.log = next, int64(len(body)), nil
	if err := f.replay(map[string][]byte{}); err != nil {
		return fmt.Errorf("%w: starting the log after a compaction: %w", errNeedsReload, err)
	}
	if err := os.Remove(old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err // harmless: the next load removes it
	}
	return nil
}

// writeFileAtomic replaces path with data durably: temporary file, fsync,
// rename, directory fsync.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	diskDelay()
	file, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := file.Write(data); err != nil {
		file.Close()
		return err
	}
	if err := file.Sync(); err != nil {
		file.Close()
		return err
	}
	if err := file.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// lock takes an exclusive flock on <root>/lock, polling while another
// process holds it; the holder's description is written into the file.
func (f *fileBackend) lock(ctx context.Context, opts LockOptions) (*Lease, error) {
	if opts.Wait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Wait)
		defer cancel()
	}
	path := filepath.Join(f.dir, "lock")
	f.mu.Lock()
	held, previous := f.lockFile, f.lease
	f.mu.Unlock()
	if held != nil {
		// Taken again by its holder: the lock stays, the old lease ends.
		previous.markLost()
		return f.newFileLease(held, opts.Holder), nil
	}
	file, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	reported := ""
	for {
		err := syscall.Flock(int(file.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			file.Close()
			return nil, fmt.Errorf("state: locking %s: %w", path, err)
		}
		holder, _ := os.ReadFile(path)
		if h := strings.TrimSpace(string(holder)); h != reported && opts.OnWait != nil {
			reported = h
			opts.OnWait(h)
		}
		select {
		case <-ctx.Done():
			file.Close()
			return nil, fmt.Errorf("%w: %s", ErrLockTimeout, describeHolder(holder))
		case <-time.After(100 * time.Millisecond):
		}
	}
	return f.newFileLease(file, opts.Holder), nil
}

// newFileLease records holder in the locked file and makes a new lease the
// current one; only the current lease's Release unlocks the file.
func (f *fileBackend) newFileLease(file *os.File, holder string) *Lease {
	if err := file.Truncate(0); err == nil {
		_, _ = file.WriteAt([]byte(holder+"\n"), 0)
	}
	var lease *Lease
	lease = newLease("", func() error {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.lockFile == nil || f.lease != lease {
			return nil
		}
		err := syscall.Flock(int(file.Fd()), syscall.LOCK_UN)
		file.Close()
		f.lockFile, f.lease = nil, nil
		return err
	})
	f.mu.Lock()
	f.lockFile, f.lease = file, lease
	f.mu.Unlock()
	return lease
}

func (f *fileBackend) close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lockFile != nil {
		f.lockFile.Close() // releases the flock
		f.lockFile = nil
	}
	if f.log != nil {
		err := f.log.Close()
		f.log = nil
		return err
	}
	return nil
}
