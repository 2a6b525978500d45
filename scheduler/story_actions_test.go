package scheduler

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/cockroachdb/datadriven"

	"github.com/kennel-sdk/kennel/plans"
)

// actionResult delivers the result of an action step's run or cleanup:
// action STEP run|cleanup [done] [failed] [progress=P] [replace=POD-INDEX],
// the reason in the input. STEP is the step's name (the action's name).
func (s *story) actionResult(args []datadriven.CmdArg, input string) (string, error) {
	if len(args) < 2 || (args[1].Key != "run" && args[1].Key != "cleanup") {
		return "", fmt.Errorf("action STEP run|cleanup [done] [failed] [progress=P] [replace=POD-INDEX]")
	}
	id := ""
	for _, p := range s.core.Plans().Plans() {
		for _, ph := range p.Phases {
			for _, st := range ph.Steps {
				if st.Kind == plans.StepAction && st.Name == args[0].Key {
					id = st.ID
				}
			}
		}
	}
	if id == "" {
		return "", fmt.Errorf("action: no action step %s", args[0].Key)
	}
	r := ActionResult{Step: id, Cleanup: args[1].Key == "cleanup", Reason: strings.TrimSpace(input)}
	for _, a := range args[2:] {
		switch a.Key {
		case "done":
			r.Done = true
		case "failed":
			r.Failed = true
		case "progress":
			r.Progress = a.Vals[0]
		case "replace":
			cut := strings.LastIndex(a.Vals[0], "-")
			index, err := strconv.Atoi(a.Vals[0][cut+1:])
			if cut < 0 || err != nil {
				return "", fmt.Errorf("action: replace=%s: want POD-INDEX", a.Vals[0])
			}
			r.Replace = append(r.Replace, Instance{Pod: a.Vals[0][:cut], Index: index})
		default:
			return "", fmt.Errorf("action: unknown argument %s", a.Key)
		}
	}
	return s.decide(s.core.ActionResult(r, s.now)), nil
}

// describeActionAsk prints an ask: ACTION run|cleanup PLAN/STEP, with the
// parameters and progress it carries.
func describeActionAsk(a ActionAsk) string {
	verb := "run"
	if a.Cleanup {
		verb = "cleanup"
	}
	line := fmt.Sprintf("ACTION %s %s/%s", verb, a.Plan, a.Name)
	if len(a.Parameters) > 0 {
		line += " params=" + printParams(a.Parameters)
	}
	if a.Progress != "" {
		line += " progress=" + a.Progress
	}
	return line
}

func printParams(m map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, ",")
}
