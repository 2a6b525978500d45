// Package wiretest builds the large plans that the API's tests and
// benchmarks publish and serve.
package wiretest

import (
	"fmt"
	"time"

	"github.com/kennel-sdk/kennel/plans"
)

// BigPlan is a deploy plan of one parallel phase of n steps, the even ones
// COMPLETE (started at start, completed 3 s later) and the odd ones
// PENDING, waiting for an offer: a large deploy half way through.
func BigPlan(n int, start time.Time) *plans.Plan {
	ph := &plans.Phase{Name: "web", ID: "0f3c2a1e-5b7d-8e9f-a0b1-c2d3e4f5a6b7", Strategy: "parallel", Status: plans.InProgress}
	completed := start.Add(3 * time.Second)
	for i := range n {
		st := &plans.Step{ID: fmt.Sprintf("%08x-5b7d-8e9f-a0b1-c2d3e4f5a6b7", i), Name: fmt.Sprintf("web-%d:[server]", i),
			Display: "PENDING", Reason: "waits for an offer: no offer has 4 MB of ROOT disk left"}
		if i%2 == 0 {
			st.Display, st.Reason, st.Started, st.Completed = "COMPLETE", "", &start, &completed
		}
		ph.Steps = append(ph.Steps, st)
	}
	return &plans.Plan{Name: "deploy", Strategy: "serial", Status: plans.InProgress, Phases: []*plans.Phase{ph}}
}
