package scheduler

import (
	"errors"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// Field numbers of TaskInfo (mesos.proto).
const (
	taskInfoCommand = 7
	taskInfoLabels  = 10
)

// storedLabel is label of a stored TaskInfo, read from its bytes without
// decoding the rest (resources, executor, command): a start reads a label
// of every stored task, and decoding whole TaskInfos twice (here and in
// New) was a third of the rebuild's CPU after a restart.
func storedLabel(info []byte, key string) (string, error) {
	v, err := storedField(info, taskInfoLabels)
	if err != nil {
		return "", err
	}
	var labels mesos.Labels
	if err := labels.Unmarshal(v); err != nil {
		return "", err
	}
	for _, l := range labels.Labels {
		if l.Key == key {
			return l.GetValue(), nil
		}
	}
	return "", nil
}

// storedCommand is the command of a stored TaskInfo (nil if it has none),
// decoded without the rest: EnvView reads the environment of every
// stored task.
func storedCommand(info []byte) (*mesos.CommandInfo, error) {
	v, err := storedField(info, taskInfoCommand)
	if err != nil || v == nil {
		return nil, err
	}
	cmd := &mesos.CommandInfo{}
	if err := cmd.Unmarshal(v); err != nil {
		return nil, err
	}
	return cmd, nil
}

// storedField is the value of message field num of the encoded message
// msg, nil if absent. Occurrences of a message field merge, and the
// concatenation of encoded messages decodes as their merge: a field that
// occurs more than once is their concatenation (a new slice); one that
// occurs once is a sub-slice of msg.
func storedField(msg []byte, num uint64) ([]byte, error) {
	var out []byte
	found := 0
	for len(msg) > 0 {
		tag, n := proto.DecodeVarint(msg)
		if n == 0 {
			return nil, errTruncated
		}
		msg = msg[n:]
		fieldNum, typ := tag>>3, tag&7
		if fieldNum == num && typ == wireBytes {
			v, rest, err := lengthDelimited(msg)
			if err != nil {
				return nil, err
			}
			switch found++; found {
			case 1:
				out = v
			case 2:
				out = append(append([]byte{}, out...), v...)
			default:
				out = append(out, v...)
			}
			msg = rest
			continue
		}
		rest, err := skipValue(msg, fieldNum, typ)
		if err != nil {
			return nil, err
		}
		msg = rest
	}
	return out, nil
}

// Protocol buffers' wire types.
const (
	wireVarint     = 0
	wireFixed64    = 1
	wireBytes      = 2
	wireStartGroup = 3
	wireEndGroup   = 4
	wireFixed32    = 5
)

var errTruncated = errors.New("protobuf: truncated or malformed field")

// lengthDelimited splits a length-delimited value from what follows it.
func lengthDelimited(b []byte) (value, rest []byte, err error) {
	l, n := proto.DecodeVarint(b)
	if n == 0 || l > uint64(len(b)-n) {
		return nil, nil, errTruncated
	}
	return b[n : n+int(l)], b[n+int(l):], nil
}

// skipValue returns what follows the value of field num, of wire type typ,
// at the start of b.
func skipValue(b []byte, num, typ uint64) ([]byte, error) {
	switch typ {
	case wireVarint:
		if _, n := proto.DecodeVarint(b); n > 0 {
			return b[n:], nil
		}
	case wireFixed64:
		if len(b) >= 8 {
			return b[8:], nil
		}
	case wireBytes:
		_, rest, err := lengthDelimited(b)
		return rest, err
	case wireFixed32:
		if len(b) >= 4 {
			return b[4:], nil
		}
	case wireStartGroup:
		for {
			tag, n := proto.DecodeVarint(b)
			if n == 0 {
				return nil, errTruncated
			}
			b = b[n:]
			if tag&7 == wireEndGroup {
				if tag>>3 != num {
					return nil, errTruncated
				}
				return b, nil
			}
			var err error
			if b, err = skipValue(b, tag>>3, tag&7); err != nil {
				return nil, err
			}
		}
	}
	return nil, errTruncated
}
