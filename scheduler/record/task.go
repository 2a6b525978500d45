package record

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Task is what a store keeps of one task.
type Task struct {
	// Info is the TaskInfo as launched (protobuf bytes).
	Info []byte
	// Status is the latest TaskStatus (protobuf bytes), or nil. A
	// reconciliation answer that only repeats it is not stored.
	Status []byte
	// Goal is the goal override: "", "PAUSED" or "DECOMMISSIONED".
	Goal string
}

// taskVersion is the first byte of an encoded record.
const taskVersion = 1

// EncodeTask frames a record as it is stored: version byte, then Info,
// Status and Goal, each as a uvarint length followed by the bytes.
func EncodeTask(r Task) []byte {
	out, _ := encodeTask(r)
	return out
}

// encodeTask is EncodeTask, and the record as DecodeTask reads it from
// the encoded bytes: Info and Status are sub-slices of out.
func encodeTask(r Task) (out []byte, stored Task) {
	out = make([]byte, 0, 1+3*binary.MaxVarintLen32+len(r.Info)+len(r.Status)+len(r.Goal))
	out = append(out, taskVersion)
	var parts [2][]byte
	for i, part := range [][]byte{r.Info, r.Status} {
		out = binary.AppendUvarint(out, uint64(len(part)))
		start := len(out)
		out = append(out, part...)
		parts[i] = out[start:len(out):len(out)]
	}
	out = binary.AppendUvarint(out, uint64(len(r.Goal)))
	out = append(out, r.Goal...)
	stored = Task{Info: parts[0], Status: parts[1], Goal: r.Goal}
	if len(stored.Status) == 0 {
		stored.Status = nil
	}
	return out, stored
}

var errBadRecord = errors.New("malformed task record")

// DecodeTask reads a record framed by EncodeTask. The record's slices
// share data's memory.
func DecodeTask(data []byte) (Task, error) {
	if len(data) == 0 || data[0] != taskVersion {
		return Task{}, fmt.Errorf("%w: unknown version", errBadRecord)
	}
	rest := data[1:]
	var parts [3][]byte
	for i := range parts {
		n, size := binary.Uvarint(rest)
		if size <= 0 || n > uint64(len(rest)-size) {
			return Task{}, fmt.Errorf("%w: part %d truncated", errBadRecord, i)
		}
		rest = rest[size:]
		parts[i], rest = rest[:n:n], rest[n:]
	}
	if len(rest) != 0 {
		return Task{}, fmt.Errorf("%w: %d trailing bytes", errBadRecord, len(rest))
	}
	r := Task{Info: parts[0], Status: parts[1], Goal: string(parts[2])}
	if len(r.Status) == 0 {
		r.Status = nil
	}
	return r, nil
}
