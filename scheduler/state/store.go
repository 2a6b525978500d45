package state

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kennel-sdk/kennel/scheduler/record"
)

// Errors callers branch on.
var (
	// ErrTooLarge: a value or a batch exceeds what one ZooKeeper write holds.
	ErrTooLarge = errors.New("state: too large")
	// ErrInvalidName: a task, configuration, property or intent name that
	// cannot be stored (record.ErrInvalidName).
	ErrInvalidName = record.ErrInvalidName
	// ErrStale: a write's outcome is unknown, or the store lost its lock;
	// nothing more is written until Reload.
	ErrStale = errors.New("state: store is stale; reload it")
	// ErrLeaseLost: the write was refused because the lock is no longer held.
	ErrLeaseLost = errors.New("state: the lock is no longer held")
	// ErrSchema: the store was written by a newer version of Kennel.
	ErrSchema = errors.New("state: unsupported schema version")
	// ErrLockTimeout: another scheduler held the lock for the whole wait.
	ErrLockTimeout = errors.New("state: lock is held by another scheduler")
	// ErrCorrupt: the stored data is damaged beyond a torn last write;
	// nothing is dropped, an operator must look.
	ErrCorrupt = errors.New("state: corrupt")
	// ErrNotLoaded: Load must succeed before the store is used.
	ErrNotLoaded = errors.New("state: store not loaded")
)

// Limits: ZooKeeper refuses a request over 1 MiB (jute.maxbuffer); DC/OS
// Commons caps values and transactions at 1,000,000 bytes for that reason.
const (
	MaxValueSize = 1_000_000
	MaxBatchSize = 1_000_000
	// SchemaVersion is the layout this package reads and writes.
	SchemaVersion = 1
)

// Entry directories and keys: the layout package record writes.
const (
	dirConfigs    = record.DirConfigs
	dirTasks      = record.DirTasks
	dirProperties = record.DirProperties
	dirIntent     = record.DirIntent

	keySchema      = record.KeySchema
	keyFrameworkID = record.KeyFrameworkID
	keyTarget      = record.KeyTarget
)

var dirs = []string{dirConfigs, dirTasks, dirProperties, dirIntent}

// op is one write of a batch. key is "Name" or "Dir/name".
type op struct {
	key    string
	value  []byte
	delete bool
}

// backend is where entries live: ZooKeeper or files. It knows nothing of
// what entries mean.
type backend interface {
	// load reads every entry.
	load(ctx context.Context) (map[string][]byte, error)
	// commit applies ops all-or-nothing. exists tells which keys exist now.
	// fence is the lease that must still be held, if any. An error wraps
	// errNeedsReload when the ops may have been applied, or when the store
	// turned out to differ from the cache.
	commit(ctx context.Context, ops []op, exists func(string) bool, fence *Lease) error
	lock(ctx context.Context, opts LockOptions) (*Lease, error)
	close() error
}

var errNeedsReload = errors.New("the store must be reloaded")

// compacter is a backend that wants, now and then, the whole state to
// rewrite its files compactly.
type compacter interface {
	shouldCompact() bool
	compact(entries map[string][]byte) error
}

// Options configure Open.
type Options struct {
	// Auth is a ZooKeeper digest credential, user:password. Nodes are then
	// created readable by all and writable by that user only.
	Auth string
	// SessionTimeout is the ZooKeeper session timeout (default 10s).
	SessionTimeout time.Duration
	// Logger receives connection events (default slog.Default()).
	Logger *slog.Logger
}

// check validates a batch's names and sizes before anything is written.
func check(b *record.Batch) error {
	if err := b.Err(); err != nil {
		return err
	}
	total := 0
	for _, o := range b.Ops() {
		if len(o.Value) > MaxValueSize {
			return fmt.Errorf("%w: %s is %d bytes; a value holds at most %d", ErrTooLarge, o.Key, len(o.Value), MaxValueSize)
		}
		total += len(o.Key) + len(o.Value) + opOverhead
	}
	if total > MaxBatchSize {
		return fmt.Errorf("%w: the batch writes %d bytes in %d entries; a batch holds at most %d", ErrTooLarge, total, b.Len(), MaxBatchSize)
	}
	return nil
}

// opOverhead is what one write costs in a ZooKeeper multi request beyond
// its key and value: the operation header, the store's root path before
// the key (at most maxRootLength), the ACL and the version check.
const opOverhead = 96 + maxRootLength

// Store is a scheduler's state. Reads come from a cache loaded by Load;
// writes go through Apply. Methods are safe for concurrent use, though a
// scheduler writes from one goroutine.
type Store struct {
	b      backend
	url    string
	mu     sync.RWMutex
	cache  map[string][]byte
	loaded bool
	stale  bool
	lease  *Lease
}

// Open connects to the store at rawURL for service. It reads and writes
// nothing: take the lock (Lock), then Load.
func Open(ctx context.Context, rawURL, service string, opts Options) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("state: %q is not a URL: %w", rawURL, err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.SessionTimeout == 0 {
		opts.SessionTimeout = 10 * time.Second
	}
	root := rootPath(u.Path, service)
	if len(root) > maxRootLength {
		return nil, fmt.Errorf("state: the store's path %s is longer than %d bytes", root, maxRootLength)
	}
	var b backend
	switch u.Scheme {
	case "zk":
		b, err = openZK(ctx, u.Host, root, opts)
	case "file":
		b, err = openFile(root)
	default:
		return nil, fmt.Errorf("state: unknown store %q: use zk://host:port[,host:port]/path or file:///path", rawURL)
	}
	if err != nil {
		return nil, err
	}
	return &Store{b: b, url: rawURL}, nil
}

// maxRootLength bounds <base>/<service>, which prefixes every ZooKeeper
// path and so counts against the request size limit.
const maxRootLength = 256

// rootPath is <base>/<service>, base defaulting to /kennel; a service in a
// folder (a/b) is stored as a__b.
func rootPath(base, service string) string {
	base = strings.TrimRight(base, "/")
	if base == "" {
		base = "/kennel"
	}
	return base + "/" + strings.ReplaceAll(strings.Trim(service, "/"), "/", "__")
}

// Lock takes the service's lock, waiting as opts say. Every later write is
// fenced by the lease. Another scheduler may have written while the lock
// was not held, so the store is stale until the next Load.
func (s *Store) Lock(ctx context.Context, opts LockOptions) (*Lease, error) {
	l, err := s.b.lock(ctx, opts)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.lease, s.stale = l, true
	s.mu.Unlock()
	return l, nil
}

// Load reads the whole store into the cache and checks its schema; a new,
// empty store gets the current schema version. Load again (Reload) after
// ErrStale or after taking the lock back. A store of another schema
// version is not loaded. Load excludes Apply while it runs.
func (s *Store) Load(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	entries, err := s.b.load(ctx)
	if err != nil {
		return fmt.Errorf("state: loading %s: %w", s.url, err)
	}
	v, ok := entries[keySchema]
	if ok && string(v) != fmt.Sprint(SchemaVersion) {
		s.loaded = false
		return fmt.Errorf("%w %q (this Kennel reads %d): upgrade Kennel", ErrSchema, v, SchemaVersion)
	}
	s.cache, s.loaded, s.stale = entries, true, false
	if !ok {
		return s.applyLocked(ctx, []op{{key: keySchema, value: []byte(fmt.Sprint(SchemaVersion))}})
	}
	return nil
}

// Reload is Load: it replaces the cache with what the store holds.
func (s *Store) Reload(ctx context.Context) error { return s.Load(ctx) }

// Apply writes a batch, all or nothing, and then updates the cache. If the
// outcome cannot be known the store turns stale (ErrStale) until Reload.
func (s *Store) Apply(ctx context.Context, b *record.Batch) error {
	if err := check(b); err != nil {
		return err
	}
	ops := make([]op, len(b.Ops()))
	for i, o := range b.Ops() {
		ops[i] = op{key: o.Key, value: o.Value, delete: o.Delete}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.applyLocked(ctx, ops)
}

func (s *Store) applyLocked(ctx context.Context, ops []op) error {
	switch {
	case !s.loaded:
		return ErrNotLoaded
	case s.stale:
		return ErrStale
	case len(ops) == 0:
		return nil
	}
	exists := func(key string) bool { _, ok := s.cache[key]; return ok }
	if err := s.b.commit(ctx, ops, exists, s.lease); err != nil {
		if errors.Is(err, errNeedsReload) || errors.Is(err, ErrLeaseLost) {
			s.stale = true
		}
		return fmt.Errorf("state: write to %s: %w", s.url, err)
	}
	for _, o := range ops {
		if o.delete {
			delete(s.cache, o.key)
		} else {
			s.cache[o.key] = o.value
		}
	}
	if c, ok := s.b.(compacter); ok && c.shouldCompact() {
		// The batch is durable already; a compaction that fails before
		// its snapshot is in place leaves the longer log and is tried
		// again after the next batch. One that fails after needs a Reload.
		if err := c.compact(s.cache); errors.Is(err, errNeedsReload) {
			s.stale = true
		}
	}
	return nil
}

// Close releases the lock (if held) and the connection.
func (s *Store) Close() error { return s.b.close() }

// get returns the cached value of key.
func (s *Store) get(key string) ([]byte, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.cache[key]
	return v, ok
}

// names returns the sorted names of the entries of dir.
func (s *Store) names(dir string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	prefix := dir + "/"
	var out []string
	for k := range s.cache {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k[len(prefix):])
		}
	}
	sort.Strings(out)
	return out
}

// The reads below return the cached values; callers must not modify them.

// FrameworkID returns the stored FrameworkID, or "".
func (s *Store) FrameworkID() string { v, _ := s.get(keyFrameworkID); return string(v) }

// Target returns the id of the target configuration, or "".
func (s *Store) Target() string { v, _ := s.get(keyTarget); return string(v) }

// Config returns the configuration with id.
func (s *Store) Config(id string) ([]byte, bool) { return s.get(dirConfigs + "/" + id) }

// ConfigIDs returns the ids of the stored configurations, sorted.
func (s *Store) ConfigIDs() []string { return s.names(dirConfigs) }

// Task returns the record of task name.
func (s *Store) Task(name string) (record.Task, bool, error) {
	v, ok := s.get(dirTasks + "/" + name)
	if !ok {
		return record.Task{}, false, nil
	}
	r, err := record.DecodeTask(v)
	if err != nil {
		return record.Task{}, true, fmt.Errorf("state: task %s: %w", name, err)
	}
	return r, true, nil
}

// TaskNames returns the names of the stored tasks, sorted.
func (s *Store) TaskNames() []string { return s.names(dirTasks) }

// Property returns property key.
func (s *Store) Property(key string) ([]byte, bool) { return s.get(dirProperties + "/" + key) }

// PropertyKeys returns the property keys, sorted.
func (s *Store) PropertyKeys() []string { return s.names(dirProperties) }

// Intent returns every stored intent entry by key.
func (s *Store) Intent() map[string][]byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := map[string][]byte{}
	prefix := dirIntent + "/"
	for k, v := range s.cache {
		if strings.HasPrefix(k, prefix) {
			out[k[len(prefix):]] = v
		}
	}
	return out
}
