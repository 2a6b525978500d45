package wire

import (
	"encoding/json"
	"io"
	"sync"
	"sync/atomic"

	"github.com/kennel-sdk/kennel/plans"
)

// Snapshot is the scheduler's plans as of its last event, published after
// that event's state was written. It is immutable once published.
type Snapshot struct {
	// FrameworkID is the id Mesos gave, or "" before the first
	// subscription.
	FrameworkID string
	// PlanNames in the order GET /v1/plans lists them.
	PlanNames []string
	Plans     map[string]*PlanView
}

// PlanView is a published plan: its status and errors at hand, and its
// PlanInfo and GET /v1/plans/{plan} body, the latter as JSON and gzip-
// compressed, each made once on first use from its steps' JSON. A step's
// JSON is encoded, and its chunk's compressed, on the first read after the
// step changed, not at each publication or request: a Publisher shares
// what did not change with the view it made before. A PlanView is
// immutable and safe for concurrent use.
type PlanView struct {
	// Status and Errors are the plan's, as in its PlanInfo.
	Status plans.Status
	Errors []string

	strategy string
	phases   []phaseView
	// from is the PlanInfo a view made by NewPlanView was made of; its
	// phases are built on first use.
	from *plans.PlanInfo

	bodyOnce sync.Once
	parts    [][]byte // the body in pieces: skeleton text and step chunks
	// partChunks[i] is the chunk whose JSON parts[i] is, nil for text.
	partChunks []*stepChunk
	size       int

	// gz is the gzip body assembled last (PlanView.gzip); gzReads counts
	// its assemblies. textGz are the text parts deflated, made once.
	gz       atomic.Pointer[gzipBody]
	gzReads  atomic.Int32
	textOnce sync.Once
	textGz   []deflated

	infoOnce sync.Once
	info     plans.PlanInfo

	countsOnce sync.Once
	counts     map[string]int
}

// phaseView is a phase of a PlanView; its steps are in chunks of
// chunkSteps.
type phaseView struct {
	id, name, strategy string
	status             plans.Status
	nilSteps           bool // the PlanInfo's Steps was nil (JSON null)
	chunks             []*stepChunk
}

// chunkSteps is how many consecutive steps of a phase a chunk holds: a
// changed step costs the copy of its chunk's JSON, a publication one
// pointer per chunk.
const chunkSteps = 64

// stepChunk is consecutive steps of a phase and, made on first read,
// their StepInfos and JSON as it sits in the plan's body. It is immutable
// once made and shared by the views of successive publications until one
// of its steps changes. A publication only compares and copies keys: the
// JSON of a chunk no request reads is never encoded.
type stepChunk struct {
	sep  bool      // a step precedes the chunk in its phase
	keys []stepKey // what each step's StepInfo is made of; nil if made from a PlanInfo
	// base, until the chunk is encoded, is an encoded chunk of the same
	// place in the plan whose unchanged steps' JSON it copies.
	base atomic.Pointer[stepChunk]
	once sync.Once
	done atomic.Bool // infos, body, starts and ends are made
	// infos are the steps' StepInfos. body is their JSON, each indented
	// as in the plan's body and separated by ",\n", preceded by ",\n"
	// when sep. Step i's JSON is body[starts[i]:ends[i]].
	infos        []plans.StepInfo
	body         []byte
	starts, ends []int

	// gzReads counts the chunk's gzip reads; at the deflateAtRead-th,
	// gz is made: body deflated alone, and gzDone set. sum is body's
	// checksum, for the reads before, when body goes stored.
	gzReads     atomic.Int32
	deflateOnce sync.Once
	gz          deflated
	gzDone      atomic.Bool
	sumOnce     sync.Once
	sum         deflated
}

// The indentation of the body's elements: json.MarshalIndent of a
// PlanInfo with prefix "" and indent "  ".
const (
	stepIndent = "        "
	stepSep    = ",\n"
)

// NewPlanView wraps info, which the view then owns; its JSON is encoded on
// first use.
func NewPlanView(info plans.PlanInfo) *PlanView {
	return &PlanView{Status: info.Status, Errors: info.Errors, strategy: info.Strategy, from: &info}
}

// Info is the plan's PlanInfo, made on first use; callers must not change
// it.
func (v *PlanView) Info() plans.PlanInfo {
	if v.from != nil {
		return *v.from
	}
	v.infoOnce.Do(func() {
		v.info = plans.PlanInfo{Phases: make([]plans.PhaseInfo, 0, len(v.phases)), Errors: v.Errors, Status: v.Status, Strategy: v.strategy}
		for _, ph := range v.phases {
			pi := plans.PhaseInfo{ID: ph.id, Name: ph.name, Status: ph.status, Strategy: ph.strategy}
			if !ph.nilSteps {
				n := 0
				for _, c := range ph.chunks {
					n += len(c.made().infos)
				}
				pi.Steps = make([]plans.StepInfo, 0, n)
				for _, c := range ph.chunks {
					pi.Steps = append(pi.Steps, c.infos...)
				}
			}
			v.info.Phases = append(v.info.Phases, pi)
		}
	})
	return v.info
}

// StepStatuses counts the plan's steps by their display status, counted
// on first use; callers must not change the map.
func (v *PlanView) StepStatuses() map[string]int {
	v.countsOnce.Do(func() {
		v.counts = map[string]int{}
		if v.from != nil {
			for _, ph := range v.from.Phases {
				for _, st := range ph.Steps {
					v.counts[st.Status]++
				}
			}
			return
		}
		for _, ph := range v.phases {
			for _, c := range ph.chunks {
				for _, k := range c.keys {
					v.counts[k.display]++
				}
			}
		}
	})
	return v.counts
}

// Len is the length of JSON's body.
func (v *PlanView) Len() int {
	v.assemble()
	return v.size
}

// WriteTo writes the body of GET /v1/plans/{plan}, as JSON returns it,
// without making it one slice: its pieces are gathered in a pooled buffer
// of writeSize, so that a socket gets a few large writes (many small ones
// cost twice the time of one over loopback TCP, measured).
func (v *PlanView) WriteTo(w io.Writer) (int64, error) {
	v.assemble()
	return writeParts(w, v.parts)
}

// writeParts writes parts to w in writes of writeSize, gathering small
// parts in a pooled buffer and writing large ones as they are.
func writeParts(w io.Writer, parts [][]byte) (int64, error) {
	bp := writeBuffers.Get().(*[]byte)
	defer writeBuffers.Put(bp)
	buf := (*bp)[:0]
	var n int64
	write := func(b []byte) error {
		m, err := w.Write(b)
		n += int64(m)
		return err
	}
	for _, p := range parts {
		if len(buf)+len(p) > cap(buf) && len(buf) > 0 {
			if err := write(buf); err != nil {
				return n, err
			}
			buf = buf[:0]
		}
		if len(p) >= cap(buf) {
			if err := write(p); err != nil {
				return n, err
			}
			continue
		}
		buf = append(buf, p...)
	}
	if len(buf) > 0 {
		if err := write(buf); err != nil {
			return n, err
		}
	}
	return n, nil
}

// writeSize is the size of WriteTo's writes.
const writeSize = 256 << 10

var writeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, writeSize); return &b }}

// JSON is the body of GET /v1/plans/{plan}: the PlanInfo as
// json.MarshalIndent(info, "", "  ") writes it, and a newline. It is a new
// slice at each call.
func (v *PlanView) JSON() []byte {
	v.assemble()
	out := make([]byte, 0, v.size)
	for _, p := range v.parts {
		out = append(out, p...)
	}
	return out
}

// assemble lays out the body once: the skeleton of the plan and its
// phases around the chunks of encoded steps.
func (v *PlanView) assemble() {
	v.bodyOnce.Do(func() {
		if v.from != nil {
			v.phases = phasesOf(v.from.Phases)
		}
		var text []byte
		flush := func() {
			if len(text) > 0 {
				v.parts = append(v.parts, text)
				v.partChunks = append(v.partChunks, nil)
				v.size += len(text)
				text = nil
			}
		}
		text = append(text, "{\n  \"phases\": "...)
		if v.from != nil && v.from.Phases == nil {
			text = append(text, "null"...)
		} else if len(v.phases) == 0 {
			text = append(text, "[]"...)
		} else {
			text = append(text, "[\n"...)
			for i, ph := range v.phases {
				if i > 0 {
					text = append(text, ",\n"...)
				}
				text = append(text, "    {\n      \"id\": "...)
				text = appendString(text, ph.id)
				text = append(text, ",\n      \"name\": "...)
				text = appendString(text, ph.name)
				text = append(text, ",\n      \"steps\": "...)
				switch {
				case ph.nilSteps:
					text = append(text, "null"...)
				case len(ph.chunks) == 0:
					text = append(text, "[]"...)
				default:
					text = append(text, "[\n"...)
					flush()
					for _, c := range ph.chunks {
						v.parts = append(v.parts, c.made().body)
						v.partChunks = append(v.partChunks, c)
						v.size += len(c.body)
					}
					text = append(text, "\n      ]"...)
				}
				text = append(text, ",\n      \"status\": "...)
				text = appendString(text, string(ph.status))
				text = append(text, ",\n      \"strategy\": "...)
				text = appendString(text, ph.strategy)
				text = append(text, "\n    }"...)
			}
			text = append(text, "\n  ]"...)
		}
		text = append(text, ",\n  \"errors\": "...)
		errs, _ := json.MarshalIndent(v.Errors, "  ", "  ")
		text = append(text, errs...)
		text = append(text, ",\n  \"status\": "...)
		text = appendString(text, string(v.Status))
		text = append(text, ",\n  \"strategy\": "...)
		text = appendString(text, v.strategy)
		text = append(text, "\n}\n"...)
		flush()
	})
}

// appendString appends s as encoding/json writes a string.
func appendString(dst []byte, s string) []byte {
	b, _ := json.Marshal(s)
	return append(dst, b...)
}

// phasesOf makes the phases of a view from a PlanInfo's.
func phasesOf(infos []plans.PhaseInfo) []phaseView {
	phases := make([]phaseView, len(infos))
	for i, ph := range infos {
		phases[i] = phaseView{id: ph.ID, name: ph.Name, strategy: ph.Strategy, status: ph.Status, nilSteps: ph.Steps == nil}
		for start := 0; start < len(ph.Steps); start += chunkSteps {
			c := &stepChunk{sep: start > 0, infos: ph.Steps[start:min(start+chunkSteps, len(ph.Steps))]}
			phases[i].chunks = append(phases[i].chunks, c)
		}
	}
	return phases
}

// made makes the chunk's StepInfos and JSON, once, and returns c: the
// StepInfos of its keys (when it has them), the JSON of the steps whose
// key is its base's copied, the others' encoded.
func (c *stepChunk) made() *stepChunk {
	c.once.Do(func() {
		base := c.base.Load()
		if c.keys != nil {
			c.infos = make([]plans.StepInfo, len(c.keys))
		}
		c.starts, c.ends = make([]int, len(c.infos)), make([]int, len(c.infos))
		for i := range c.infos {
			if c.sep || i > 0 {
				c.body = append(c.body, stepSep...)
			}
			c.starts[i] = len(c.body)
			if base != nil && c.keys != nil && i < len(base.keys) && base.keys[i] == c.keys[i] {
				c.infos[i] = base.infos[i]
				c.body = append(c.body, base.body[base.starts[i]:base.ends[i]]...)
			} else {
				if c.keys != nil {
					c.infos[i] = c.keys[i].info()
				}
				b, _ := json.MarshalIndent(c.infos[i], stepIndent, "  ")
				c.body = append(c.body, stepIndent...)
				c.body = append(c.body, b...)
			}
			c.ends[i] = len(c.body)
		}
		c.base.Store(nil) // the base may go
		c.done.Store(true)
	})
	return c
}
