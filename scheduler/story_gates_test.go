package scheduler

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cockroachdb/datadriven"
)

// gateVerdict delivers a gate's verdict: gate KIND INSTANCE pass|wait,
// the reason (of a wait) in the input.
func (s *story) gateVerdict(args []datadriven.CmdArg, input string) (string, error) {
	if len(args) < 3 {
		return "", fmt.Errorf("gate KIND INSTANCE pass|wait [reason=R]")
	}
	kind := GateKind(args[0].Key)
	if kind != GateBeforeRestart && kind != GateAfterReady {
		return "", fmt.Errorf("gate: unknown kind %s", kind)
	}
	cut := strings.LastIndex(args[1].Key, "-")
	index, err := strconv.Atoi(args[1].Key[cut+1:])
	if cut < 0 || err != nil {
		return "", fmt.Errorf("gate: instance %q: want POD-INDEX", args[1].Key)
	}
	v := GateVerdict{Kind: kind, Instance: Instance{Pod: args[1].Key[:cut], Index: index}, Pass: args[2].Key == "pass"}
	if !v.Pass && args[2].Key != "wait" {
		return "", fmt.Errorf("gate: want pass or wait, not %s", args[2].Key)
	}
	v.Reason = strings.TrimSpace(input)
	return s.decide(s.core.GateVerdict(v, s.now)), nil
}
