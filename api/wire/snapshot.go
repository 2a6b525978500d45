package wire

import (
	"encoding/json"
	"sync"

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

// PlanView is a plan's PlanInfo and, encoded once on first use, its JSON.
type PlanView struct {
	Info plans.PlanInfo
	once sync.Once
	body []byte
}

// NewPlanView wraps info, which the view then owns.
func NewPlanView(info plans.PlanInfo) *PlanView { return &PlanView{Info: info} }

// JSON is the pretty-printed body of GET /v1/plans/{plan}.
func (p *PlanView) JSON() []byte {
	p.once.Do(func() {
		p.body, _ = json.MarshalIndent(p.Info, "", "  ")
		p.body = append(p.body, '\n')
	})
	return p.body
}
