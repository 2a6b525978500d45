package record

import (
	"bytes"
	"errors"
	"testing"
)

func TestTaskRoundTrip(t *testing.T) {
	for _, r := range []Task{
		{Info: []byte("info"), Status: []byte("status"), Goal: "PAUSED"},
		{Info: []byte("info")},
		{},
	} {
		got, err := DecodeTask(EncodeTask(r))
		if err != nil {
			t.Fatalf("%+v: %v", r, err)
		}
		if !bytes.Equal(got.Info, r.Info) || !bytes.Equal(got.Status, r.Status) || got.Goal != r.Goal {
			t.Errorf("round trip of %+v gave %+v", r, got)
		}
	}
	if _, err := DecodeTask([]byte{taskVersion, 5, 'a'}); err == nil {
		t.Error("a truncated record decoded")
	}
}

func TestBatchRefusesBadNames(t *testing.T) {
	var b Batch
	b.PutTask("ok", Task{})
	if b.Err() != nil {
		t.Fatal(b.Err())
	}
	b.PutProperty("a/b", nil)
	if !errors.Is(b.Err(), ErrInvalidName) {
		t.Errorf("property a/b: %v", b.Err())
	}
	b.PutIntent("deploy/phase", nil)
	if b.Len() != 3 || len(b.Ops()) != 3 {
		t.Errorf("%d writes", b.Len())
	}
}

// PutTask writes the record it returns: the returned Info and Status are
// the bytes of the write's value (no copy), equal to what DecodeTask
// reads from it.
func TestPutTaskReturnsTheWrittenRecord(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Task
	}{
		{"info, status and goal", Task{Info: []byte("info"), Status: []byte("status"), Goal: "PAUSED"}},
		{"no status", Task{Info: []byte("info")}},
		{"no goal", Task{Info: []byte("info"), Status: []byte("s")}},
		{"empty", Task{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b Batch
			got := b.PutTask("t", tc.r)
			value := b.Ops()[0].Value
			decoded, err := DecodeTask(value)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Info, tc.r.Info) || !bytes.Equal(got.Status, tc.r.Status) || got.Goal != tc.r.Goal ||
				(got.Status == nil) != (tc.r.Status == nil) {
				t.Errorf("PutTask returned %+v for %+v", got, tc.r)
			}
			if !bytes.Equal(got.Info, decoded.Info) || !bytes.Equal(got.Status, decoded.Status) || got.Goal != decoded.Goal {
				t.Errorf("PutTask returned %+v; the write decodes as %+v", got, decoded)
			}
			for _, part := range [][]byte{got.Info, got.Status} {
				if len(part) > 0 && !within(part, value) {
					t.Errorf("%q is a copy, not part of the written value", part)
				}
				if cap(part) != len(part) {
					t.Errorf("%q has room to grow into the rest of the record", part)
				}
			}
			if !bytes.Equal(EncodeTask(tc.r), value) {
				t.Errorf("the write %q is not EncodeTask's %q", value, EncodeTask(tc.r))
			}
		})
	}
}

// within reports whether part lies in the memory of whole.
func within(part, whole []byte) bool {
	for i := range whole {
		if &whole[i] == &part[0] {
			return i+len(part) <= len(whole)
		}
	}
	return false
}
