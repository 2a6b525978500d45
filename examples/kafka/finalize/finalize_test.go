package finalize

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// b is a broker of a release supporting lo..hi, finalized at fin.
func b(name string, lo, hi, fin Level) Broker {
	return Broker{Name: name, Min: lo, Max: hi, Finalized: fin}
}

func TestDecide(t *testing.T) {
	down := errors.New("connection refused")
	tests := []struct {
		name    string
		brokers []Broker
		want    Level
		action  Action
		level   Level
		lag     []int
		reason  string
	}{
		{"no brokers", nil, 0, Wait, 0, nil, "no broker"},
		{"a broker does not answer",
			[]Broker{b("kafka-0", 7, 27, 25), {Name: "kafka-1", Err: down}}, 0, Wait, 0, nil,
			"waiting for kafka-1 to report its metadata.version: connection refused"},
		{"mid-roll: one broker still runs 4.0, the target is 4.1's",
			[]Broker{b("kafka-0", 7, 27, 25), b("kafka-1", 7, 25, 25), b("kafka-2", 7, 27, 25)}, 27, Wait, 27, nil,
			"waiting for kafka-1 to run a release that supports metadata.version 27 (4.1-IV1): it supports 7 (3.3-IV3) to 25 (4.0-IV3)"},
		{"mid-roll with no explicit target: the common level is the current one",
			[]Broker{b("kafka-0", 7, 27, 25), b("kafka-1", 7, 25, 25), b("kafka-2", 7, 27, 25)}, 0, Done, 25, nil,
			"metadata.version is 25 (4.0-IV3) on every broker"},
		{"all on 4.1, finalized at 4.0's: finalize every broker to 4.1's",
			[]Broker{b("kafka-0", 7, 27, 25), b("kafka-1", 7, 27, 25), b("kafka-2", 7, 27, 25)}, 0, Finalize, 27, []int{0, 1, 2},
			"raising metadata.version from 25 (4.0-IV3) to 27 (4.1-IV1)"},
		{"one broker already learned the new level: the laggards are asked",
			[]Broker{b("kafka-0", 7, 27, 27), b("kafka-1", 7, 27, 25), b("kafka-2", 7, 27, 27)}, 27, Finalize, 27, []int{1},
			"raising metadata.version from 25 (4.0-IV3) to 27 (4.1-IV1)"},
		{"done",
			[]Broker{b("kafka-0", 7, 27, 27), b("kafka-1", 7, 27, 27)}, 27, Done, 27, nil, "on every broker"},
		{"explicit target below the latest: finalize to it",
			[]Broker{b("kafka-0", 7, 29, 25), b("kafka-1", 7, 29, 25)}, 26, Finalize, 26, []int{0, 1}, "to 26 (4.1-IV0)"},
		{"safe downgrade: 4.1-IV1 to 4.0-IV3 changes no metadata",
			[]Broker{b("kafka-0", 7, 27, 27), b("kafka-1", 7, 27, 27)}, 25, Finalize, 25, []int{0, 1},
			"lowering (a safe downgrade) metadata.version from 27 (4.1-IV1) to 25 (4.0-IV3)"},
		{"downgrade across 4.0-IV1, which changed the metadata: refused",
			[]Broker{b("kafka-0", 7, 27, 27), b("kafka-1", 7, 27, 27)}, 22, Refuse, 22, nil,
			"Kafka refuses a downgrade to 22 (4.0-IV0), which crosses a level that changed the metadata format"},
		{"downgrade across 4.3-IV0: refused",
			[]Broker{b("kafka-0", 7, 30, 30)}, 29, Refuse, 29, nil, "metadata.version is 30 (4.3-IV0)"},
		{"a target below what a broker runs: refused",
			[]Broker{b("kafka-0", 7, 27, 0), b("kafka-1", 9, 27, 0)}, 8, Refuse, 8, nil,
			"metadata.version 8 (3.4-IV0) is below what kafka-1 supports (9 (3.5-IV0) to 27 (4.1-IV1))"},
		{"a target no broker supports: wait",
			[]Broker{b("kafka-0", 7, 27, 27)}, 40, Wait, 40, nil, "to run a release that supports metadata.version 40"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.brokers, tc.want)
			if d.Action != tc.action || d.Level != tc.level || !slices.Equal(d.Brokers, tc.lag) {
				t.Errorf("Decide = %v level %d brokers %v (%s), want %v level %d brokers %v", d.Action, d.Level, d.Brokers, d.Reason, tc.action, tc.level, tc.lag)
			}
			if !strings.Contains(d.Reason, tc.reason) {
				t.Errorf("reason %q, want it to contain %q", d.Reason, tc.reason)
			}
			if d.Action == Finalize && d.Downgrade != (d.Level < tc.brokers[0].Finalized) {
				t.Errorf("Downgrade = %v", d.Downgrade)
			}
		})
	}
}

func TestChanges(t *testing.T) {
	tests := []struct {
		from, to Level
		want     bool
	}{
		{27, 25, false}, // 4.1-IV1 → 4.0-IV3
		{27, 23, false}, // down to 4.0-IV1 itself: only 24..27 are undone
		{27, 22, true},  // undoes 4.0-IV1
		{21, 19, false}, // 3.9-IV0 → 3.7-IV4
		{19, 17, false},
		{19, 16, true}, // undoes 3.7-IV2
		{30, 29, true}, // undoes 4.3-IV0
		{40, 39, true}, // beyond the table: assumed changed
		{27, 27, false},
	}
	for _, tc := range tests {
		if got := Changes(tc.from, tc.to); got != tc.want {
			t.Errorf("Changes(%d, %d) = %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in   string
		want Level
		err  bool
	}{
		{"27", 27, false},
		{"4.1-IV1", 27, false},
		{"4.1", 27, false},
		{"4.0", 25, false},
		{"3.3-IV3", 7, false},
		{" 3.7 ", 19, false},
		{"0", 0, true},
		{"4.1-IV9", 0, true},
		{"five", 0, true},
		{"", 0, true},
	}
	for _, tc := range tests {
		got, err := ParseLevel(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseLevel(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.err)
		}
		if err != nil && !errors.Is(err, ErrBadLevel) {
			t.Errorf("ParseLevel(%q): %v does not wrap ErrBadLevel", tc.in, err)
		}
	}
}

func TestCheckRelease(t *testing.T) {
	tests := []struct {
		fin, lo, hi Level
		ok          bool
	}{
		{25, 7, 27, true},  // 4.0's level on 4.1: fine
		{27, 7, 25, false}, // 4.1 finalized, back to 4.0: its brokers would not start
		{0, 7, 25, true},   // nothing finalized yet
		{5, 7, 25, false},  // below the release's minimum
	}
	for _, tc := range tests {
		err := CheckRelease(tc.fin, tc.lo, tc.hi)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrUnsupportedRelease)) {
			t.Errorf("CheckRelease(%d, %d, %d) = %v, want ok %v", tc.fin, tc.lo, tc.hi, err, tc.ok)
		}
	}
}

func FuzzParseLevel(f *testing.F) {
	for _, s := range []string{"27", "4.1-IV1", "4.1", "x", "-1", "3.3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLevel(s)
		if err == nil && l < 1 {
			t.Fatalf("ParseLevel(%q) = %d without error", s, l)
		}
	})
}

func TestReleaseLevels(t *testing.T) {
	tests := []struct {
		in     string
		lo, hi Level
		err    bool
	}{
		{"2.13-4.0.0", 7, 25, false},
		{"4.1.1", 7, 27, false},
		{"2.13-4.2.0", 7, 29, false},
		{"3.9.0", 0, 0, true},
		{"", 0, 0, true},
		{"2.13-nine", 0, 0, true},
	}
	for _, tc := range tests {
		lo, hi, err := ReleaseLevels(tc.in)
		if lo != tc.lo || hi != tc.hi || (err != nil) != tc.err || (err != nil && !errors.Is(err, ErrUnknownRelease)) {
			t.Errorf("ReleaseLevels(%q) = %d, %d, %v; want %d, %d, error %v", tc.in, lo, hi, err, tc.lo, tc.hi, tc.err)
		}
	}
}
