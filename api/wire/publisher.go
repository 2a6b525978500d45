package wire

import (
	"time"

	"github.com/kennel-sdk/kennel/plans"
)

// Publisher makes the Snapshots of a scheduler's plans. Each view it
// makes of a plan shares, with the view it made of the same plan before,
// the chunks of steps in which no step changed, and copies the JSON of
// the unchanged steps of the others: a publication costs a comparison per
// step and an encoding per changed step. The zero value is ready to use;
// a Publisher is not safe for concurrent use (the scheduler's loop owns
// it), the Snapshots it makes are.
type Publisher struct {
	prev map[string]*PlanView
}

// Snapshot makes the Snapshot of ps, in the order the API lists them.
// The plans are read now, not later: they may change once it returns.
func (p *Publisher) Snapshot(frameworkID string, ps []*plans.Plan) *Snapshot {
	s := &Snapshot{FrameworkID: frameworkID, PlanNames: make([]string, 0, len(ps)), Plans: make(map[string]*PlanView, len(ps))}
	for _, pl := range ps {
		s.PlanNames = append(s.PlanNames, pl.Name)
		s.Plans[pl.Name] = viewOf(pl, p.prev[pl.Name])
	}
	p.prev = s.Plans
	return s
}

// viewOf makes the view of pl, sharing what it can with old (nil for
// none).
func viewOf(pl *plans.Plan, old *PlanView) *PlanView {
	v := &PlanView{Status: pl.Status, Errors: append([]string{}, pl.Errors...), strategy: pl.Strategy,
		phases: make([]phaseView, len(pl.Phases))}
	for i, ph := range pl.Phases {
		pv := phaseView{id: ph.ID, name: ph.Name, strategy: ph.Strategy, status: ph.Status,
			chunks: make([]*stepChunk, 0, (len(ph.Steps)+chunkSteps-1)/chunkSteps)}
		var oldChunks []*stepChunk
		if old != nil && i < len(old.phases) && old.phases[i].id == ph.ID {
			oldChunks = old.phases[i].chunks
		}
		for c, start := 0, 0; start < len(ph.Steps); c, start = c+1, start+chunkSteps {
			steps := ph.Steps[start:min(start+chunkSteps, len(ph.Steps))]
			var oc *stepChunk
			if c < len(oldChunks) {
				oc = oldChunks[c]
			}
			pv.chunks = append(pv.chunks, chunkOf(start > 0, steps, oc))
		}
		v.phases[i] = pv
	}
	return v
}

// chunkOf returns old if steps are what it was made of, else a new chunk
// of steps to be made on first read, copying what it can of old's JSON (or
// of the chunk old would have copied, if old was never read). sep says
// steps come after others in their phase.
func chunkOf(sep bool, steps []*plans.Step, old *stepChunk) *stepChunk {
	if old != nil && len(old.keys) == len(steps) {
		same := true
		for i, st := range steps {
			if keyOf(st) != old.keys[i] {
				same = false
				break
			}
		}
		if same {
			return old
		}
	}
	c := &stepChunk{sep: sep, keys: make([]stepKey, len(steps))}
	for i, st := range steps {
		c.keys[i] = keyOf(st)
	}
	if old != nil {
		if old.done.Load() {
			c.base.Store(old)
		} else if b := old.base.Load(); b != nil {
			c.base.Store(b)
		}
	}
	return c
}

// stepKey is all that a step's StepInfo is made of (plans.Step.Info):
// equal keys make equal StepInfos. Times are Unix seconds, the precision
// StepInfo renders them at, or noTime when unset.
type stepKey struct {
	id, name, display, reason string
	started, completed, until int64
}

const noTime = -1 << 63

func keyOf(st *plans.Step) stepKey {
	return stepKey{id: st.ID, name: st.Name, display: st.Display, reason: st.Reason,
		started: unixOf(st.Started), completed: unixOf(st.Completed), until: unixOf(st.Until)}
}

// info is the StepInfo k was made of, as plans.Step.Info makes it.
func (k stepKey) info() plans.StepInfo {
	return plans.StepInfo{ID: k.id, Status: k.display, Name: k.name, Message: k.reason,
		Started: rfc3339(k.started), Completed: rfc3339(k.completed), Delayed: rfc3339(k.until)}
}

func rfc3339(unix int64) string {
	if unix == noTime {
		return ""
	}
	return time.Unix(unix, 0).UTC().Format(time.RFC3339)
}

func unixOf(t *time.Time) int64 {
	if t == nil {
		return noTime
	}
	return t.Unix()
}
