package plans

import (
	"encoding/json"
	"time"
)

// marshalStep encodes a step's intent exactly as encoding/json does, without
// its reflection: a plan of 10,000 steps has its entries encoded after every
// event that changes a task (Set.IntentEntries), and json.Marshal of the
// steps was most of that. A step whose encoding could differ (an action's
// progress, a task id that JSON escapes, a time JSON refuses) goes through
// json.Marshal.
func marshalStep(st *StepIntent) ([]byte, error) {
	if st == nil || st.Action != nil || !plainTime(st.Prepared) || !plainTime(st.Started) || !plainTime(st.Completed) {
		return json.Marshal(st)
	}
	size := 2
	for _, id := range st.Launched {
		if !plainString(id) {
			return json.Marshal(st)
		}
		size += len(id) + 3
	}
	b := make([]byte, 0, size+len(`"forced":true,"restart":true,"launched":[],`)+3*len(`"completed":"2006-01-02T15:04:05.999999999-07:00",`))
	b = append(b, '{')
	if st.Forced {
		b = append(b, `"forced":true,`...)
	}
	if st.Restart {
		b = append(b, `"restart":true,`...)
	}
	b = appendTime(b, "prepared", st.Prepared)
	if len(st.Launched) > 0 {
		b = append(b, `"launched":[`...)
		for i, id := range st.Launched {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = append(b, id...)
			b = append(b, '"')
		}
		b = append(b, "],"...)
	}
	b = appendTime(b, "started", st.Started)
	b = appendTime(b, "completed", st.Completed)
	if b[len(b)-1] == ',' {
		b = b[:len(b)-1]
	}
	return append(b, '}'), nil
}

// appendTime appends "name":"<t>", when t is set.
func appendTime(b []byte, name string, t *time.Time) []byte {
	if t == nil {
		return b
	}
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, `":"`...)
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, `",`...)
}

// plainTime: t is unset, or Time.MarshalJSON writes it as RFC 3339 with
// nanoseconds (a four-digit year, a zone offset of whole minutes under
// 24 hours).
func plainTime(t *time.Time) bool {
	if t == nil {
		return true
	}
	if y := t.Year(); y < 0 || y > 9999 {
		return false
	}
	_, offset := t.Zone()
	return offset%60 == 0 && offset > -24*3600 && offset < 24*3600
}

// plainString: JSON writes s as it is, between quotes (printable ASCII
// that needs no escape, HTML's included).
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
