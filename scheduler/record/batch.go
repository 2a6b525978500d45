package record

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrInvalidName: a task, configuration, property or intent name that
// cannot be stored.
var ErrInvalidName = errors.New("state: invalid name")

// The layout of a store's entries: a key is a name ("FrameworkID") or a
// directory and a name ("Tasks/hello-0-server").
const (
	DirConfigs    = "Configurations"
	DirTasks      = "Tasks"
	DirProperties = "Properties"
	DirIntent     = "Intent"

	KeySchema      = "SchemaVersion"
	KeyFrameworkID = "FrameworkID"
	KeyTarget      = "ConfigTarget"
)

// Op is one write of a batch: Value stored at Key, or Key deleted.
type Op struct {
	Key    string
	Value  []byte
	Delete bool
}

// Batch is a set of writes a store applies all or nothing, in order: a
// later write to the same entry wins. Build it with the methods below; the
// zero Batch is empty.
type Batch struct {
	ops []Op
	err error
}

// put adds a write of a copy of value: the caller may reuse value.
func (b *Batch) put(dir, name string, value []byte) {
	b.own(dir, name, append([]byte(nil), value...))
}

// own adds a write of value, which the batch takes as it is: nobody may
// modify it afterwards.
func (b *Batch) own(dir, name string, value []byte) {
	if b.err == nil {
		b.err = checkName(dir, name)
	}
	b.ops = append(b.ops, Op{Key: dir + "/" + name, Value: value})
}

func (b *Batch) del(dir, name string) {
	if b.err == nil {
		b.err = checkName(dir, name)
	}
	b.ops = append(b.ops, Op{Key: dir + "/" + name, Delete: true})
}

// SetFrameworkID stores the FrameworkID Mesos assigned.
func (b *Batch) SetFrameworkID(id string) {
	b.ops = append(b.ops, Op{Key: KeyFrameworkID, Value: []byte(id)})
}

// ClearFrameworkID removes the stored FrameworkID (after a teardown).
func (b *Batch) ClearFrameworkID() { b.ops = append(b.ops, Op{Key: KeyFrameworkID, Delete: true}) }

// ClearTarget removes the target configuration id.
func (b *Batch) ClearTarget() { b.ops = append(b.ops, Op{Key: KeyTarget, Delete: true}) }

// SetTarget makes configuration id the target.
func (b *Batch) SetTarget(id string) { b.ops = append(b.ops, Op{Key: KeyTarget, Value: []byte(id)}) }

// PutConfig stores a configuration.
func (b *Batch) PutConfig(id string, data []byte) { b.put(DirConfigs, id, data) }

// DeleteConfig removes a configuration.
func (b *Batch) DeleteConfig(id string) { b.del(DirConfigs, id) }

// PutTask stores a task record. It returns the record as written: its
// Info and Status are sub-slices of the encoded value the batch holds,
// which a store keeps as it is (the state store's cache holds it until the
// task is written again). A caller that keeps the returned slices thus
// shares that one allocation with the store instead of holding a second
// copy; neither it nor anyone else may modify them.
func (b *Batch) PutTask(name string, r Task) Task {
	value, stored := encodeTask(r)
	b.own(DirTasks, name, value)
	return stored
}

// DeleteTask forgets a task.
func (b *Batch) DeleteTask(name string) { b.del(DirTasks, name) }

// SecretPrefix starts the keys of properties that hold secrets (the
// service's CA): the API neither lists nor serves them, the core is not
// given them, and nothing logs their values.
const SecretPrefix = "secret:"

// PutProperty stores a property.
func (b *Batch) PutProperty(key string, value []byte) { b.put(DirProperties, key, value) }

// DeleteProperty removes a property.
func (b *Batch) DeleteProperty(key string) { b.del(DirProperties, key) }

// PutIntent stores one entry of plan intent.
func (b *Batch) PutIntent(key string, value []byte) { b.put(DirIntent, key, value) }

// DeleteIntent removes one entry of plan intent.
func (b *Batch) DeleteIntent(key string) { b.del(DirIntent, key) }

// Len is the number of writes in the batch.
func (b *Batch) Len() int { return len(b.ops) }

// Size is the bytes of the keys and values the batch writes.
func (b *Batch) Size() int {
	n := 0
	for _, o := range b.ops {
		n += len(o.Key) + len(o.Value)
	}
	return n
}

// Ops returns the writes in order. The slice and its values belong to the
// batch: callers must not modify them.
func (b *Batch) Ops() []Op { return b.ops }

// Err is the first invalid name given to the batch (wrapping
// ErrInvalidName), or nil. A store refuses a batch with an error whole.
func (b *Batch) Err() error { return b.err }

// maxNameLength bounds entry names (ZooKeeper paths have no hard limit,
// file systems and people do).
const maxNameLength = 512

func checkName(dir, name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("%w: %s name %q", ErrInvalidName, strings.ToLower(dir), name)
	case len(name) > maxNameLength:
		return fmt.Errorf("%w: %s name of %d bytes (at most %d)", ErrInvalidName, strings.ToLower(dir), len(name), maxNameLength)
	case !utf8.ValidString(name) || strings.ContainsAny(name, "\x00\n"):
		return fmt.Errorf("%w: %s name %q", ErrInvalidName, strings.ToLower(dir), name)
	case dir != DirIntent && strings.Contains(name, "/"):
		return fmt.Errorf("%w: %s name %q contains '/'", ErrInvalidName, strings.ToLower(dir), name)
	}
	return nil
}
