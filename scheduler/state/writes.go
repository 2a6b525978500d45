package state

// Write is one write of a Batch as a store applies it: Key is the entry's
// path under the service's root ("FrameworkID", "Target",
// "Configurations/<id>", "Tasks/<name>", "Properties/<key>",
// "Intent/<key>"); Value is what Apply stores (task records encoded);
// Delete removes the entry.
type Write struct {
	Key    string
	Value  []byte
	Delete bool
}

// Writes returns the batch's writes in order, for in-memory stores and
// tests; the values are the batch's own, not to be modified.
func (b *Batch) Writes() []Write {
	out := make([]Write, len(b.ops))
	for i, o := range b.ops {
		out[i] = Write{Key: o.key, Value: o.value, Delete: o.delete}
	}
	return out
}

// DecodeTaskRecord decodes a task record as a Write under "Tasks/" holds it.
func DecodeTaskRecord(data []byte) (TaskRecord, error) { return decodeTask(data) }
