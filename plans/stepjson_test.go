package plans

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// TestMarshalStepIsJSON: the step encoder writes what json.Marshal writes.
func TestMarshalStepIsJSON(t *testing.T) {
	at := time.Date(2026, 12, 7, 1, 56, 53, 819338661, time.UTC)
	ptr := func(t time.Time) *time.Time { return &t }
	for name, st := range map[string]*StepIntent{
		"empty":              {},
		"nil":                nil,
		"started":            {Started: ptr(at)},
		"completed":          {Started: ptr(at), Completed: ptr(at.Add(time.Minute))},
		"whole seconds":      {Started: ptr(at.Truncate(time.Second))},
		"every field":        {Forced: true, Restart: true, Prepared: ptr(at), Launched: []string{"a", "b"}, Started: ptr(at), Completed: ptr(at)},
		"empty launched":     {Launched: []string{}},
		"launched only":      {Launched: []string{"hello-0-server__4f1c"}},
		"empty task id":      {Launched: []string{""}},
		"zone":               {Started: ptr(at.In(time.FixedZone("x", -(5*3600 + 30*60))))},
		"zone of seconds":    {Started: ptr(at.In(time.FixedZone("x", 3600+7)))},
		"zone of a day":      {Started: ptr(at.In(time.FixedZone("x", 24*3600)))},
		"year 0":             {Started: ptr(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC))},
		"zero time":          {Started: &time.Time{}},
		"escaped id":         {Launched: []string{`a"b`, `c\d`, "<&>", "é", "\u2028", "\x01"}},
		"invalid UTF-8 id":   {Launched: []string{"\xff"}},
		"action":             {Started: ptr(at), Action: &ActionIntent{Progress: `{"x":1}`, Live: true}},
		"forced and restart": {Forced: true, Restart: true},
	} {
		t.Run(name, func(t *testing.T) { sameAsJSON(t, st) })
	}
}

// sameAsJSON fails unless marshalStep and json.Marshal agree on st.
func sameAsJSON(t *testing.T, st *StepIntent) {
	t.Helper()
	want, wantErr := json.Marshal(st)
	got, err := marshalStep(st)
	if (err != nil) != (wantErr != nil) || string(got) != string(want) {
		t.Errorf("marshalStep(%+v) = %s, %v\njson.Marshal:      %s, %v", st, got, err, want, wantErr)
	}
}

// TestMarshalStepIsJSONRandomly compares the two on random steps.
func TestMarshalStepIsJSONRandomly(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pick := func() *time.Time {
		if r.IntN(3) == 0 {
			return nil
		}
		tm := time.Unix(r.Int64N(1<<36)-1<<35, r.Int64N(1e9)*int64(r.IntN(2)))
		zones := []*time.Location{time.UTC, time.Local, time.FixedZone("a", r.IntN(48*3600)-24*3600), time.FixedZone("b", 60*(r.IntN(2*24*60)-24*60))}
		tm = tm.In(zones[r.IntN(len(zones))])
		return &tm
	}
	ids := []string{"hello-0-server__0a1b", "", "x y", `"`, "<", "é", "\t"}
	for range 2000 {
		st := &StepIntent{Forced: r.IntN(2) == 0, Restart: r.IntN(2) == 0, Prepared: pick(), Started: pick(), Completed: pick()}
		for range r.IntN(4) {
			st.Launched = append(st.Launched, ids[r.IntN(len(ids))])
		}
		sameAsJSON(t, st)
	}
}

func FuzzMarshalStep(f *testing.F) {
	f.Add(true, false, int64(1796608613), int64(819338661), 0, "hello-0-server__0a1b", "")
	f.Add(false, true, int64(-62167219200), int64(0), 3600+7, `a"b`, "<&>")
	f.Fuzz(func(t *testing.T, forced, restart bool, sec, nsec int64, offset int, id1, id2 string) {
		tm := time.Unix(sec, nsec).In(time.FixedZone("z", offset))
		st := &StepIntent{Forced: forced, Restart: restart, Started: &tm, Launched: []string{id1, id2}}
		if sec%2 == 0 {
			st.Completed, st.Prepared = &tm, nil
		}
		sameAsJSON(t, st)
	})
}
