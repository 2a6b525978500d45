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
