package state

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Batch is a set of writes applied all or nothing by Store.Apply, in
// order: a later write to the same entry wins. Build it with the methods
// below; the zero Batch is empty.
type Batch struct {
	ops []op
	err error
}

func (b *Batch) put(dir, name string, value []byte) {
	if b.err == nil {
		b.err = checkName(dir, name)
	}
	// The batch keeps its own copy: the caller may reuse value.
	b.ops = append(b.ops, op{key: dir + "/" + name, value: append([]byte(nil), value...)})
}

func (b *Batch) del(dir, name string) {
	if b.err == nil {
		b.err = checkName(dir, name)
	}
	b.ops = append(b.ops, op{key: dir + "/" + name, delete: true})
}

// SetFrameworkID stores the FrameworkID Mesos assigned.
func (b *Batch) SetFrameworkID(id string) {
	b.ops = append(b.ops, op{key: keyFrameworkID, value: []byte(id)})
}

// ClearFrameworkID removes the stored FrameworkID (after a teardown).
func (b *Batch) ClearFrameworkID() { b.ops = append(b.ops, op{key: keyFrameworkID, delete: true}) }

// ClearTarget removes the target configuration id.
func (b *Batch) ClearTarget() { b.ops = append(b.ops, op{key: keyTarget, delete: true}) }

// SetTarget makes configuration id the target.
func (b *Batch) SetTarget(id string) { b.ops = append(b.ops, op{key: keyTarget, value: []byte(id)}) }

// PutConfig stores a configuration.
func (b *Batch) PutConfig(id string, data []byte) { b.put(dirConfigs, id, data) }

// DeleteConfig removes a configuration.
func (b *Batch) DeleteConfig(id string) { b.del(dirConfigs, id) }

// PutTask stores a task record.
func (b *Batch) PutTask(name string, r TaskRecord) { b.put(dirTasks, name, encodeTask(r)) }

// DeleteTask forgets a task.
func (b *Batch) DeleteTask(name string) { b.del(dirTasks, name) }

// PutProperty stores a property.
func (b *Batch) PutProperty(key string, value []byte) { b.put(dirProperties, key, value) }

// DeleteProperty removes a property.
func (b *Batch) DeleteProperty(key string) { b.del(dirProperties, key) }

// PutIntent stores one entry of plan intent.
func (b *Batch) PutIntent(key string, value []byte) { b.put(dirIntent, key, value) }

// DeleteIntent removes one entry of plan intent.
func (b *Batch) DeleteIntent(key string) { b.del(dirIntent, key) }

// Len is the number of writes in the batch.
func (b *Batch) Len() int { return len(b.ops) }

// check validates names and sizes before anything is written.
func (b *Batch) check() error {
	if b.err != nil {
		return b.err
	}
	total := 0
	for _, o := range b.ops {
		if len(o.value) > MaxValueSize {
			return fmt.Errorf("%w: %s is %d bytes; a value holds at most %d", ErrTooLarge, o.key, len(o.value), MaxValueSize)
		}
		total += len(o.key) + len(o.value) + opOverhead
	}
	if total > MaxBatchSize {
		return fmt.Errorf("%w: the batch writes %d bytes in %d entries; a batch holds at most %d", ErrTooLarge, total, len(b.ops), MaxBatchSize)
	}
	return nil
}

// opOverhead is what one write costs in a ZooKeeper multi request beyond
// its key and value: the operation header, the store's root path before
// the key (at most maxRootLength), the ACL and the version check.
const opOverhead = 96 + maxRootLength

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
	case dir != dirIntent && strings.Contains(name, "/"):
		return fmt.Errorf("%w: %s name %q contains '/'", ErrInvalidName, strings.ToLower(dir), name)
	}
	return nil
}
