package scheduler

import (
	"testing"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// fullInfo is a TaskInfo with the fields around labels set.
func fullInfo() *mesos.TaskInfo {
	cpus := 0.5
	return &mesos.TaskInfo{Name: "hello-0-server", TaskID: mesos.TaskID{Value: "t"}, AgentID: mesos.AgentID{Value: "a"},
		Resources: []mesos.Resource{{Name: "cpus", Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: cpus}}},
		Executor:  &mesos.ExecutorInfo{ExecutorID: mesos.ExecutorID{Value: "e"}, Command: &mesos.CommandInfo{Value: proto.String("run")}},
		Labels: &mesos.Labels{Labels: []mesos.Label{{Key: "a", Value: proto.String("1")}, {Key: "target", Value: proto.String("cfg-1")},
			{Key: "a", Value: proto.String("second")}, {Key: "empty"}}},
		Data: []byte("data after the labels"),
	}
}

func TestStoredLabel(t *testing.T) {
	info, err := proto.Marshal(fullInfo())
	if err != nil {
		t.Fatal(err)
	}
	noLabels, _ := proto.Marshal(&mesos.TaskInfo{Name: "n", TaskID: mesos.TaskID{Value: "t"}})
	for _, tc := range []struct {
		name, key, want string
		info            []byte
		ok              bool
	}{
		{"a label among other fields", "target", "cfg-1", info, true},
		{"the first of two with the key", "a", "1", info, true},
		{"no value", "empty", "", info, true},
		{"absent", "missing", "", info, true},
		{"no labels at all", "target", "", noLabels, true},
		{"labels in two occurrences of the field merge", "b", "2", append(append([]byte{}, info...), labelsField(t, "b", "2")...), true},
		{"truncated", "target", "", info[:len(info)-3], false},
		{"not protobuf", "target", "", []byte{0xff, 0xff, 0xff}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := storedLabel(tc.info, tc.key)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("storedLabel = %q, %v; want %q, ok %v", got, err, tc.want, tc.ok)
			}
			if !tc.ok {
				return
			}
			var full mesos.TaskInfo
			if err := proto.Unmarshal(tc.info, &full); err == nil && label(&full, tc.key) != got {
				t.Errorf("a full decode says %q", label(&full, tc.key))
			}
		})
	}
}

// labelsField is a TaskInfo.labels field on its own, as bytes.
func labelsField(t *testing.T, key, value string) []byte {
	t.Helper()
	b, err := proto.Marshal(&mesos.TaskInfo{Labels: &mesos.Labels{Labels: []mesos.Label{{Key: key, Value: proto.String(value)}}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzStoredLabel: whatever a full decode reads, storedLabel reads the
// same label.
func FuzzStoredLabel(f *testing.F) {
	info, _ := proto.Marshal(fullInfo())
	f.Add(info, "target")
	f.Add([]byte{0x52, 0x00}, "a")
	f.Fuzz(func(t *testing.T, data []byte, key string) {
		got, err := storedLabel(data, key)
		var full mesos.TaskInfo
		if proto.Unmarshal(data, &full) != nil {
			return
		}
		if err != nil || got != label(&full, key) {
			t.Fatalf("storedLabel = %q, %v; a full decode says %q", got, err, label(&full, key))
		}
	})
}

func TestStoredCommand(t *testing.T) {
	withCmd := fullInfo()
	withCmd.Command = &mesos.CommandInfo{Value: proto.String("run"), Environment: &mesos.Environment{
		Variables: []mesos.Environment_Variable{{Name: "A", Value: proto.String("1")}}}}
	info, err := proto.Marshal(withCmd)
	if err != nil {
		t.Fatal(err)
	}
	noCmd, _ := proto.Marshal(fullInfo())
	emptyCmd, _ := proto.Marshal(&mesos.TaskInfo{Name: "n", Command: &mesos.CommandInfo{}})
	second, _ := proto.Marshal(&mesos.TaskInfo{Command: &mesos.CommandInfo{User: proto.String("nobody")}})
	for _, tc := range []struct {
		name string
		info []byte
		want *mesos.CommandInfo // nil: no command
		ok   bool
	}{
		{"a command among other fields", info, withCmd.Command, true},
		{"no command", noCmd, nil, true},
		{"an empty command", emptyCmd, &mesos.CommandInfo{}, true},
		{"two occurrences merge", append(append([]byte{}, info...), second...), &mesos.CommandInfo{Value: proto.String("run"),
			Environment: withCmd.Command.Environment, User: proto.String("nobody")}, true},
		{"truncated", info[:len(info)-3], nil, false},
		{"not protobuf", []byte{0xff, 0xff, 0xff}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := storedCommand(tc.info)
			if (err == nil) != tc.ok || !proto.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
				t.Errorf("storedCommand = %v, %v; want %v, ok %v", got, err, tc.want, tc.ok)
			}
		})
	}
}

// FuzzStoredCommand: whatever a full decode reads, storedCommand reads
// the same command.
func FuzzStoredCommand(f *testing.F) {
	info := fullInfo()
	info.Command = &mesos.CommandInfo{Value: proto.String("run")}
	b, _ := proto.Marshal(info)
	f.Add(b)
	f.Add([]byte{0x3a, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := storedCommand(data)
		var full mesos.TaskInfo
		if proto.Unmarshal(data, &full) != nil {
			return
		}
		if err != nil || !proto.Equal(got, full.Command) || (got == nil) != (full.Command == nil) {
			t.Fatalf("storedCommand = %v, %v; a full decode says %v", got, err, full.Command)
		}
	})
}
