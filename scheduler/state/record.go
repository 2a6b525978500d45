package state

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// TaskRecord is what a store keeps of one task.
type TaskRecord struct {
	// Info is the TaskInfo as launched (protobuf bytes).
	Info []byte
	// Status is the latest TaskStatus (protobuf bytes), or nil.
	Status []byte
	// Goal is the goal override: "", "PAUSED" or "DECOMMISSIONED".
	Goal string
}

// taskRecordVersion is the first byte of an encoded record.
const taskRecordVersion = 1

// encodeTask frames a record: version byte, then Info, Status and Goal,
// each as a uvarint length followed by the bytes.
func encodeTask(r TaskRecord) []byte {
	out := make([]byte, 0, 1+3*binary.MaxVarintLen32+len(r.Info)+len(r.Status)+len(r.Goal))
	out = append(out, taskRecordVersion)
	for _, part := range [][]byte{r.Info, r.Status, []byte(r.Goal)} {
		out = binary.AppendUvarint(out, uint64(len(part)))
		out = append(out, part...)
	}
	return out
}

var errBadRecord = errors.New("malformed task record")

func decodeTask(data []byte) (TaskRecord, error) {
	if len(data) == 0 || data[0] != taskRecordVersion {
		return TaskRecord{}, fmt.Errorf("%w: unknown version", errBadRecord)
	}
	rest := data[1:]
	var parts [3][]byte
	for i := range parts {
		n, size := binary.Uvarint(rest)
		if size <= 0 || n > uint64(len(rest)-size) {
			return TaskRecord{}, fmt.Errorf("%w: part %d truncated", errBadRecord, i)
		}
		rest = rest[size:]
		parts[i], rest = rest[:n:n], rest[n:]
	}
	if len(rest) != 0 {
		return TaskRecord{}, fmt.Errorf("%w: %d trailing bytes", errBadRecord, len(rest))
	}
	r := TaskRecord{Info: parts[0], Status: parts[1], Goal: string(parts[2])}
	if len(r.Status) == 0 {
		r.Status = nil
	}
	return r, nil
}
