package plans

import "time"

// Command is an operator action on a plan, addressed as the request
// addressed it (phases and steps by name or id): what the API receives and
// the scheduler applies on its own goroutine.
type Command struct {
	// Verb is start, stop, interrupt, continue, forceComplete or restart.
	Verb              string
	Plan, Phase, Step string
	Parameters        map[string]string
}

// Apply runs the command on the plans at now.
func (c Command) Apply(s *Set, now time.Time) Result {
	switch c.Verb {
	case "start":
		return s.Start(c.Plan, c.Parameters, now)
	case "stop":
		return s.Stop(c.Plan, now)
	case "interrupt":
		return s.Interrupt(c.Plan, c.Phase)
	case "continue":
		return s.Continue(c.Plan, c.Phase)
	case "forceComplete":
		return s.ForceComplete(c.Plan, c.Phase, c.Step, now)
	case "restart":
		return s.Restart(c.Plan, c.Phase, c.Step, now)
	}
	return Result{Outcome: BadRequest, Message: "Unknown command " + c.Verb}
}
