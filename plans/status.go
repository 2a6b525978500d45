package plans

// Status is the status of a step, phase or plan, named as DC/OS Commons
// names them so that existing tools read them the same way.
type Status string

// Statuses. WAITING and IN_PROGRESS are never a step's own status: a step
// reads WAITING when it is interrupted while PENDING or PREPARED, and
// IN_PROGRESS only results from aggregation.
const (
	Error      Status = "ERROR"
	Waiting    Status = "WAITING"
	Pending    Status = "PENDING"
	Prepared   Status = "PREPARED"
	Starting   Status = "STARTING"
	Started    Status = "STARTED"
	Complete   Status = "COMPLETE"
	InProgress Status = "IN_PROGRESS"
	Delayed    Status = "DELAYED"
)

// Display statuses a step shows instead of its status when every task of
// its pod instance is paused (see Task.Paused).
const (
	Pausing = "PAUSING"
	Paused  = "PAUSED"
)

// Running reports whether work is under way: PREPARED, STARTING, STARTED or
// IN_PROGRESS.
func (s Status) Running() bool {
	switch s {
	case Prepared, Starting, Started, InProgress:
		return true
	}
	return false
}

// stepRank orders the statuses a step's tasks can have: a step has the
// status of its least advanced task, with ERROR > DELAYED > PENDING >
// PREPARED > STARTING > STARTED > COMPLETE.
var stepRank = map[Status]int{Error: 0, Delayed: 1, Pending: 2, Prepared: 3, Starting: 4, Started: 5, Complete: 6}

// lessAdvanced returns the less advanced of two task statuses; a step
// has the least advanced status of its tasks.
func lessAdvanced(a, b Status) Status {
	if stepRank[b] < stepRank[a] {
		return b
	}
	return a
}

// aggregate is the status of a phase or plan from its children's statuses
// and those of the children its strategy would work on now (candidates).
// The order of the rules is DC/OS Commons' and matters: the first that
// holds wins.
func aggregate(children, candidates []Status, hasErrors, interrupted bool) Status {
	switch {
	case hasErrors || anyIs(children, Error):
		return Error
	case allAre(children, Complete):
		return Complete
	case interrupted:
		return Waiting
	case allAre(candidates, Delayed) && allAre(children, Delayed):
		return Delayed
	case anyIs(children, Prepared):
		return InProgress
	case anyIs(candidates, Waiting):
		return Waiting
	case anyIs(candidates, InProgress):
		return InProgress
	case anyIs(children, Complete) && (anyIs(candidates, Pending) || anyIs(candidates, Starting) || anyIs(candidates, Started)):
		return InProgress
	case anyIs(candidates, Pending):
		return Pending
	case anyIs(children, Waiting):
		return Waiting
	case anyIs(candidates, Starting):
		return Starting
	case anyIs(candidates, Started):
		return Started
	case anyIs(candidates, Delayed):
		// Kennel's one addition, reached only where DC/OS Commons falls
		// through to ERROR: a serial phase whose current step is backing
		// off while later steps wait is DELAYED, not broken.
		return Delayed
	}
	return Error // no rule applies: DC/OS Commons logs "unexpected state"
}

func anyIs(statuses []Status, s Status) bool {
	for _, x := range statuses {
		if x == s {
			return true
		}
	}
	return false
}

// all is true for an empty list, as Java's allMatch is.
func allAre(statuses []Status, s Status) bool {
	for _, x := range statuses {
		if x != s {
			return false
		}
	}
	return true
}
