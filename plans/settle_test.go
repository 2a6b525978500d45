package plans

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestSettleMatchesFullComputation: Settle computes again only what the
// events and its own intent changes can have changed (see Settle). After
// random events and a Settle, sometimes at a later time than the events',
// the Set must read exactly as a Set computed from scratch from the same
// tasks, intent and time: every status, display, reason, timestamp and the
// candidates.
func TestSettleMatchesFullComputation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := newFixture(t, rapid.SampledFrom(propertySpecs).Draw(t, "spec"))
		var history []string
		for i := 0; i < 60; i++ {
			history = append(history, driver(t, f))
			if rapid.Bool().Draw(t, "later?") {
				// The event's batch settles later than its events, past or
				// short of a backoff's end.
				d := time.Duration(rapid.IntRange(0, 90).Draw(t, "settle later")) * time.Second
				f.now = f.now.Add(d)
				history = append(history, fmt.Sprintf("settle %s later", d))
			}
			if rapid.Bool().Draw(t, "advance?") {
				// The clock alone moves (Advance computes nothing when no
				// backoff ends in between).
				d := time.Duration(rapid.IntRange(0, 90).Draw(t, "advance")) * time.Second
				f.now = f.now.Add(d)
				f.set.Advance(f.now)
				history = append(history, fmt.Sprintf("advance %s", d))
				if msg := differsFromScratch(f.set); msg != "" {
					t.Fatalf("advanced Set %s\nafter:\n  %s", msg, strings.Join(history, "\n  "))
				}
			}
			f.settle()
			if msg := differsFromScratch(f.set); msg != "" {
				t.Fatalf("settled Set %s\nafter:\n  %s", msg, strings.Join(history, "\n  "))
			}
		}
	})
}

// differsFromScratch compares s with a Set computed from s's tasks, intent
// and time; "" if they read the same.
func differsFromScratch(s *Set) string {
	got := s.rendering()
	w := s.world
	w.Tasks = map[string]*Task{}
	for name, task := range s.world.Tasks {
		c := *task
		w.Tasks[name] = &c
	}
	if want := New(w, s.Intent()).rendering(); got != want {
		return fmt.Sprintf("differs from one computed from scratch:\n%s\nvs\n%s", got, want)
	}
	return ""
}

// rendering is statuses with every step's timestamps and the candidates.
func (s *Set) rendering() string {
	var b strings.Builder
	b.WriteString(s.statuses())
	ts := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, p := range s.Plans() {
		for _, ph := range p.Phases {
			for _, st := range ph.Steps {
				fmt.Fprintf(&b, "%s started %s completed %s until %s\n", st.ID, ts(st.Started), ts(st.Completed), ts(st.Until))
			}
		}
	}
	for _, st := range s.Candidates() {
		fmt.Fprintf(&b, "candidate %s\n", st.ID)
	}
	return b.String()
}
