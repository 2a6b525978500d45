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
			f.settle()
			got := f.set.rendering()
			w := f.set.world
			w.Tasks = map[string]*Task{}
			for name, task := range f.set.world.Tasks {
				c := *task
				w.Tasks[name] = &c
			}
			if want := New(w, f.set.Intent()).rendering(); got != want {
				t.Fatalf("settled Set differs from one computed from scratch:\n%s\nvs\n%s\nafter:\n  %s", got, want, strings.Join(history, "\n  "))
			}
		}
	})
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
