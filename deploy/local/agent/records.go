package agent

import (
	"bytes"
	"encoding/binary"
	"fmt"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// A task.updates file is a sequence of records, each a kind byte, a
// big-endian uint32 length and that many bytes: an update record holds a
// TaskStatus (binary protobuf), an acknowledgement record the uuid of the
// update acknowledged.
const (
	recordUpdate byte = 'U'
	recordAck    byte = 'A'
	recordHeader      = 5
)

func record(kind byte, payload []byte) []byte {
	r := make([]byte, recordHeader, recordHeader+len(payload))
	r[0] = kind
	binary.BigEndian.PutUint32(r[1:], uint32(len(payload)))
	return append(r, payload...)
}

func updateRecord(st *mesos.TaskStatus) []byte { return record(recordUpdate, marshal(st)) }

func ackRecord(uuid []byte) []byte { return record(recordAck, uuid) }

// replayUpdates applies the records of data to t as the agent applied
// them: an update joins the queue and becomes the latest status, an
// acknowledgement of the update in flight removes it. It returns the
// length of the whole records read: a last record cut short (a crash
// while appending it) is not applied. A whole record that does not decode
// is an error.
func replayUpdates(data []byte, t *taskState) (int, error) {
	off := 0
	for len(data)-off >= recordHeader {
		kind, n := data[off], int(binary.BigEndian.Uint32(data[off+1:]))
		if len(data)-off-recordHeader < n {
			break
		}
		payload := data[off+recordHeader : off+recordHeader+n]
		switch kind {
		case recordUpdate:
			var st mesos.TaskStatus
			if err := st.Unmarshal(payload); err != nil {
				return off, fmt.Errorf("record at byte %d: %w", off, err)
			}
			t.state, t.latest = st.GetState(), &st
			t.queue = append(t.queue, st)
		case recordAck:
			if len(t.queue) > 0 && bytes.Equal(t.queue[0].UUID, payload) {
				t.queue = t.queue[1:]
			}
		default:
			return off, fmt.Errorf("record at byte %d: unknown kind %q", off, kind)
		}
		off += recordHeader + n
	}
	return off, nil
}
