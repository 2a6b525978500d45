package brokers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/examples/kafka/move"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/runtime"
)

// The actions of the Kafka plans move-broker and drain-brokers (svc.yml),
// by the names their phases give.
const (
	ActionMoveAway      = "move-away"
	ActionReplaceBroker = "replace-broker"
	ActionMoveBack      = "move-back"
	ActionDrain         = "drain"
)

// Plan parameters of move-broker and drain-brokers.
const (
	ParamBroker   = "BROKER_ID"
	ParamBrokers  = "BROKER_IDS"
	ParamThrottle = "THROTTLE"
)

// DefaultThrottle is the replication throttle of a move or drain without
// THROTTLE, in bytes/s: 50 MiB/s keeps a reassignment well inside a 1 Gb/s
// link beside the clients' traffic.
const DefaultThrottle = 50 << 20

// Actions are the Kafka scheduler's plan actions (runtime.Action):
// moving a broker's replicas away and back with a replication throttle,
// replacing its pod in between, and draining brokers before a scale-down.
func Actions() map[string]runtime.Action {
	return map[string]runtime.Action{
		ActionMoveAway:      reassignAction{plan: planAway},
		ActionMoveBack:      reassignAction{plan: planBack},
		ActionDrain:         reassignAction{plan: planDrain},
		ActionReplaceBroker: replaceAction{},
	}
}

// reassignProgress is what a reassigning step keeps between runs: its
// moves, stored before any of them is asked for (so that a cleanup knows
// which throttles to clear, and a restarted scheduler resumes them).
type reassignProgress struct {
	// Stage is "planned" until the reassignment is asked for, then
	// "reassigning".
	Stage    string      `json:"stage"`
	Brokers  []int32     `json:"brokers"`
	Moves    []move.Move `json:"moves"`
	Throttle int64       `json:"throttle"`
}

const (
	stagePlanned     = "planned"
	stageReassigning = "reassigning"
)

// planner plans a step's moves from the cluster: done (with why) when
// there is nothing to do, waiting (with why) when it cannot plan yet.
type planner func(req runtime.ActionRequest, brokers []int32, c move.Cluster) (moves []move.Move, why string, wait bool, err error)

// reassignAction is a step that reassigns partitions under a replication
// throttle: it plans (and stores) the moves, sets the throttle, asks for
// the reassignment and reports its progress until every move is done.
// Every run sets the throttle again (a cleanup may have cleared it when
// the scheduler restarted); its cleanup clears it.
type reassignAction struct{ plan planner }

func (a reassignAction) Run(ctx context.Context, req runtime.ActionRequest) (runtime.ActionResult, error) {
	var p reassignProgress
	if req.Progress != "" {
		if err := json.Unmarshal([]byte(req.Progress), &p); err != nil {
			return runtime.ActionResult{Failed: true, Reason: "stored progress is unreadable: " + err.Error()}, nil
		}
	}
	brokers, rate, err := params(req.Parameters)
	if err != nil {
		return runtime.ActionResult{Failed: true, Reason: err.Error()}, nil
	}
	r, addrs, sec, err := reassigner(ctx, req.View, brokers[0])
	if err != nil {
		return runtime.ActionResult{}, err
	}
	defer r.Close()
	as, err := r.Assignment(ctx)
	if err != nil {
		return runtime.ActionResult{}, err
	}
	c := model(as)
	if p.Stage == "" {
		moves, why, wait, err := a.plan(req, brokers, c)
		switch {
		case errors.Is(err, move.ErrNoRoom):
			return runtime.ActionResult{Failed: true, Reason: err.Error()}, nil
		case err != nil:
			return runtime.ActionResult{}, err
		case wait:
			return runtime.ActionResult{Reason: why}, nil
		case len(moves) == 0:
			return runtime.ActionResult{Done: true, Reason: why}, nil
		}
		b, err := json.Marshal(reassignProgress{Stage: stagePlanned, Brokers: brokers, Moves: moves, Throttle: rate})
		if err != nil {
			return runtime.ActionResult{}, err
		}
		return runtime.ActionResult{Progress: string(b), Reason: fmt.Sprintf("planned: %s (%s)", describeMoves(moves), why)}, nil
	}
	if err := throttle(ctx, r, sec, addrs, as.Brokers, p.Moves, p.Throttle); err != nil {
		return runtime.ActionResult{}, err
	}
	targets := targetsOf(p.Moves)
	if p.Stage == stagePlanned {
		if err := r.Reassign(ctx, targets); err != nil {
			return runtime.ActionResult{}, err
		}
		p.Stage = stageReassigning
		b, err := json.Marshal(p)
		if err != nil {
			return runtime.ActionResult{}, err
		}
		return runtime.ActionResult{Progress: string(b),
			Reason: fmt.Sprintf("reassigning %d partitions, throttled to %s/s", len(p.Moves), move.Bytes(p.Throttle))}, nil
	}
	// What is in progress is read before the replicas: a reassignment
	// that finishes in between then reads in progress, never as a
	// replica set that missed its target.
	in, err := r.Reassigning(ctx, targets)
	if err != nil {
		return runtime.ActionResult{}, err
	}
	if as, err = r.Assignment(ctx); err != nil {
		return runtime.ActionResult{}, err
	}
	c = model(as)
	sizes, err := r.ReplicaSizes(ctx, targets)
	if err != nil {
		return runtime.ActionResult{}, err
	}
	prog, err := move.Check(c, p.Moves, in, sizes)
	if err != nil {
		return runtime.ActionResult{Failed: true, Reason: err.Error()}, nil
	}
	if prog.Finished() {
		return runtime.ActionResult{Done: true, Reason: prog.String()}, nil
	}
	return runtime.ActionResult{Reason: fmt.Sprintf("%s, throttled to %s/s", prog, move.Bytes(p.Throttle))}, nil
}

// Cleanup clears the throttle the step's moves set: the throttled
// replicas of their topics and the rates of their brokers.
func (a reassignAction) Cleanup(ctx context.Context, req runtime.ActionRequest) error {
	if req.Progress == "" {
		return nil
	}
	var p reassignProgress
	if err := json.Unmarshal([]byte(req.Progress), &p); err != nil {
		return fmt.Errorf("stored progress is unreadable: %w", err)
	}
	first := int32(-1)
	if len(p.Brokers) > 0 {
		first = p.Brokers[0]
	}
	return unthrottle(ctx, req.View, first, p.Moves)
}

// unthrottle removes the throttle of moves, reading the cluster through
// broker first's listener first.
func unthrottle(ctx context.Context, view scheduler.EnvView, first int32, moves []move.Move) error {
	if len(moves) == 0 {
		return nil
	}
	r, addrs, sec, err := reassigner(ctx, view, first)
	if err != nil {
		return err
	}
	defer r.Close()
	var errs []error
	if err := r.UnthrottleTopics(ctx, move.Topics(moves)); err != nil {
		errs = append(errs, err)
	}
	for _, b := range move.Throttles(moves).Brokers {
		addr, ok := addrs[b]
		if !ok {
			continue // not placed: nothing runs there to throttle
		}
		if err := kafkaclient.BrokerThrottle(ctx, sec, addr, b, 0); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("clearing the replication throttle: %w", errors.Join(errs...))
	}
	return nil
}

// throttle sets the throttle of moves: the rate on each live broker in
// them, the throttled replicas on their topics.
func throttle(ctx context.Context, r *kafkaclient.Reassigner, sec kafkaclient.Security, addrs map[int32]string, live []int32, moves []move.Move, rate int64) error {
	th := move.Throttles(moves)
	for _, b := range th.Brokers {
		addr, ok := addrs[b]
		if !ok || !slices.Contains(live, b) {
			continue // a broker that is gone sends and receives nothing
		}
		if err := kafkaclient.BrokerThrottle(ctx, sec, addr, b, rate); err != nil {
			return err
		}
	}
	for _, topic := range move.Topics(moves) {
		if err := r.ThrottleTopic(ctx, topic, th.Leaders[topic], th.Followers[topic]); err != nil {
			return fmt.Errorf("topic %s: %w", topic, err)
		}
	}
	return nil
}

// planAway plans moving every replica off the broker.
func planAway(_ runtime.ActionRequest, brokers []int32, c move.Cluster) ([]move.Move, string, bool, error) {
	moves, err := move.Away(c, brokers)
	if len(moves) == 0 {
		return nil, fmt.Sprintf("broker %d holds no replicas: nothing to move", brokers[0]), false, err
	}
	return moves, fmt.Sprintf("broker %d holds %d replicas", brokers[0], len(moves)), false, err
}

// planDrain plans moving every replica off the brokers.
func planDrain(_ runtime.ActionRequest, brokers []int32, c move.Cluster) ([]move.Move, string, bool, error) {
	moves, err := move.Away(c, brokers)
	who := "brokers " + ids(brokers) + " hold"
	if len(brokers) == 1 {
		who = fmt.Sprintf("broker %d holds", brokers[0])
	}
	if len(moves) == 0 {
		return nil, who + " no replicas: nothing to move", false, err
	}
	return moves, fmt.Sprintf("%s replicas of %d partitions", who, len(moves)), false, err
}

// planBack plans moving back what the plan's move-away step moved, once
// the broker is back in the cluster.
func planBack(req runtime.ActionRequest, brokers []int32, c move.Cluster) ([]move.Move, string, bool, error) {
	var away reassignProgress
	if prev := req.PlanProgress[ActionMoveAway]; prev != "" {
		if err := json.Unmarshal([]byte(prev), &away); err != nil {
			return nil, "", false, fmt.Errorf("the progress of %s is unreadable: %w", ActionMoveAway, err)
		}
	}
	if len(away.Moves) == 0 {
		return nil, fmt.Sprintf("%s moved nothing: nothing to move back", ActionMoveAway), false, nil
	}
	if !slices.Contains(c.Brokers, brokers[0]) {
		return nil, fmt.Sprintf("waiting for broker %d to rejoin the cluster", brokers[0]), true, nil
	}
	moves, gone := move.Back(c, away.Moves)
	why := fmt.Sprintf("moving back what %s moved off broker %d", ActionMoveAway, brokers[0])
	if len(gone) > 0 {
		why += "; gone since: " + strings.Join(gone, ", ")
	}
	if len(moves) == 0 {
		why = "every partition is back where it was"
		if len(gone) > 0 {
			why += "; gone since: " + strings.Join(gone, ", ")
		}
	}
	return moves, why, false, nil
}

// replaceProgress is what the replace step keeps: the launch it
// replaced.
type replaceProgress struct {
	Task string `json:"task"`
}

// replaceAction replaces the broker's pod (as `pod replace`), in the same
// write as the launch it replaces, then waits until a new launch runs and
// is ready.
type replaceAction struct{}

func (replaceAction) Run(_ context.Context, req runtime.ActionRequest) (runtime.ActionResult, error) {
	brokers, _, err := params(req.Parameters)
	if err != nil {
		return runtime.ActionResult{Failed: true, Reason: err.Error()}, nil
	}
	inst := scheduler.Instance{Pod: Pod, Index: int(brokers[0])}
	task := inst.String() + "-" + Task
	placed, ok := req.View.Placed[task]
	if req.Progress == "" {
		if !ok {
			return runtime.ActionResult{Failed: true, Reason: fmt.Sprintf("%s is not placed: nothing to replace", inst)}, nil
		}
		b, err := json.Marshal(replaceProgress{Task: placed.TaskID})
		if err != nil {
			return runtime.ActionResult{}, err
		}
		return runtime.ActionResult{Progress: string(b), Replace: []scheduler.Instance{inst},
			Reason: fmt.Sprintf("replacing %s (launch %s)", inst, placed.TaskID)}, nil
	}
	var p replaceProgress
	if err := json.Unmarshal([]byte(req.Progress), &p); err != nil {
		return runtime.ActionResult{Failed: true, Reason: "stored progress is unreadable: " + err.Error()}, nil
	}
	switch {
	case !ok || placed.TaskID == p.Task:
		return runtime.ActionResult{Reason: fmt.Sprintf("waiting for %s to relaunch on fresh resources", inst)}, nil
	case !placed.Ready:
		return runtime.ActionResult{Reason: fmt.Sprintf("waiting for %s (launch %s) to be ready", inst, placed.TaskID)}, nil
	}
	return runtime.ActionResult{Done: true, Reason: fmt.Sprintf("%s replaced: launch %s is ready", inst, placed.TaskID)}, nil
}

// Cleanup has nothing to undo: a replacement is not taken back.
func (replaceAction) Cleanup(context.Context, runtime.ActionRequest) error { return nil }

// params reads the broker ids (BROKER_ID, or BROKER_IDS for a drain) and
// the throttle (THROTTLE, bytes/s) of a plan's parameters.
func params(p map[string]string) ([]int32, int64, error) {
	var brokers []int32
	raw, key := p[ParamBroker], ParamBroker
	if raw == "" {
		raw, key = p[ParamBrokers], ParamBrokers
	}
	if raw == "" {
		return nil, 0, fmt.Errorf("parameter %s (or %s) is missing: which broker?", ParamBroker, ParamBrokers)
	}
	for _, f := range strings.Split(raw, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(f), 10, 32)
		if err != nil || n < 0 {
			return nil, 0, fmt.Errorf("parameter %s=%q: want broker ids (numbers from 0)", key, raw)
		}
		if !slices.Contains(brokers, int32(n)) {
			brokers = append(brokers, int32(n))
		}
	}
	rate := int64(DefaultThrottle)
	if v := p[ParamThrottle]; v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return nil, 0, fmt.Errorf("parameter %s=%q: want a rate in bytes per second, at least 1", ParamThrottle, v)
		}
		rate = n
	}
	return brokers, rate, nil
}

// reassigner is a Reassigner for the placed brokers, first's listener
// first; with the placed brokers' listeners by node id and how to reach
// them (TLS, SCRAM: see PlacedListeners).
func reassigner(ctx context.Context, view scheduler.EnvView, first int32) (*kafkaclient.Reassigner, map[int32]string, kafkaclient.Security, error) {
	seeds, sec, err := PlacedListeners(view, int(first))
	if err != nil {
		return nil, nil, sec, err
	}
	if len(seeds) == 0 {
		return nil, nil, sec, errors.New("no broker is placed")
	}
	bs, _, err := access(placedBrokers(view), view.CACert, view.SecretSeeds)
	if err != nil {
		return nil, nil, sec, err
	}
	addrs := map[int32]string{}
	for _, b := range bs {
		addrs[int32(b.id)] = b.addr
	}
	r, err := kafkaclient.NewReassigner(ctx, sec, seeds...)
	return r, addrs, sec, err
}

// model is the move rules' model of an assignment.
func model(a kafkaclient.Assignment) move.Cluster {
	c := move.Cluster{Brokers: a.Brokers}
	for _, p := range a.Partitions {
		c.Partitions = append(c.Partitions, move.Partition{Topic: p.Topic, ID: p.ID, Replicas: p.Replicas})
	}
	return c
}

func targetsOf(moves []move.Move) []kafkaclient.Target {
	out := make([]kafkaclient.Target, len(moves))
	for i, m := range moves {
		out[i] = kafkaclient.Target{Topic: m.Topic, Partition: m.ID, Replicas: m.To}
	}
	return out
}

// describeMoves lists the first moves ("t-0 [1 0]→[2 0]"), saying how
// many more there are.
func describeMoves(moves []move.Move) string {
	const shown = 3
	var parts []string
	for i, m := range moves {
		if i == shown {
			parts = append(parts, fmt.Sprintf("and %d more", len(moves)-shown))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %v→%v", m, m.From, m.To))
	}
	return fmt.Sprintf("move %d partitions: %s", len(moves), strings.Join(parts, ", "))
}

func ids(brokers []int32) string { return ids32(brokers, ",") }
