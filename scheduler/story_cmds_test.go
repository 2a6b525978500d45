package scheduler

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/cockroachdb/datadriven"
	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	sched "github.com/mesos/mesos-go/api/v1/lib/scheduler"

	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/servicespec"
	"github.com/kennel-sdk/kennel/taskstate"
)

// The story language, one command per block:
//
//	start [spec=NAME] [permanent-failure-timeout=D] [backoff=I,F,M|off] [sweep=D] [uninstall-agent-timeout=D]
//	                         the spec is testdata/specs/NAME.yml or the input; resolves it
//	                         against the store and builds the core
//	config [spec=NAME]       a scheduler restarted with a new spec
//	                         (start also takes env=quorum: storyQuorum as the
//	                         EnvSource, and seed=NAME:VALUE)
//	                         (start also takes gates=on and gate-interval=D)
//	                         (start and config take in-place=KEY[,KEY…]: env
//	                         keys the service applies to running tasks)
//	gate KIND INSTANCE pass|wait   a gate's verdict (KIND before-restart or
//	                         after-ready); the reason of a wait in the input
//	gate-holds               what each instance's restart waits for
//	env INSTANCE             what the EnvSource now gives for the instance
//	task-env TASK            the EnvSource's variables in the stored task's
//	                         command environment
//	restart [uninstall] [OPTION=V…]   a fresh core from the stored state alone
//	                         (options as for start)
//	agent ID k=v…            declare agents (cpus, mem, disk, mounts=512,512, zone, host);
//	                         more lines of "ID k=v…" in the input
//	subscribe [fw=ID]        SUBSCRIBED
//	offer ID… [lost]         one OFFERS event, an offer of everything each agent has free
//	                         and not in an outstanding offer (an agent with nothing left
//	                         offers nothing); lost: the batch is written, the calls never
//	                         reach Mesos
//	rescind OFFER…           RESCIND of outstanding offers
//	                         (after each event, "holding O…" lists the offers the core
//	                         holds when they changed)
//	continue                 Core.Continue: the offers kept for launches the write cap
//	                         left (a decision printing MORE asks for it)
//	status TASK=STATE…       status updates of the tasks' current launches, one event each;
//	                         options: ready (readiness passed), reason=R, message=M
//	status-id ID=STATE agent=A   a status of a task id, known or not
//	                         (reason=REASON_RECONCILIATION: the master's answer to
//	                         reconciliation, without a uuid, so not acknowledged)
//	killed                   TASK_KILLED for every task a KILL was sent for,
//	                         unless its agent is down
//	tick [D]                 the clock moves D, then a Tick
//	agent-lost ID            the agent is unreachable: TASK_UNREACHABLE for its tasks
//	agent-back ID            the agent offers again (its tasks report with status-id)
//	pod VERB INSTANCE [TASK…]   restart, replace, pause, resume
//	plan VERB PLAN [phase=P] [step=S]   start, stop, interrupt/pause, continue/resume,
//	                         force-complete, restart; "phase P"/"step S" lines in the input
//	                         for names with spaces, "param K=V" lines the start's parameters
//	action STEP run|cleanup [done] [failed] [progress=P] [replace=POD-INDEX]
//	                         the result of an action step's run or cleanup, the reason in the input
//	plans [PLAN…] [reasons]  the plan trees
//	tasks                    the stored tasks
//	cluster                  the agents and what they hold
//	uninstall-plan           the uninstall plan with reasons
func (s *story) run(td *datadriven.TestData) (string, error) {
	args := td.CmdArgs
	switch td.Cmd {
	case "start", "config":
		yaml := td.Input
		for _, a := range args {
			if a.Key == "spec" {
				data, err := os.ReadFile(filepath.Join("testdata", "specs", a.Vals[0]+".yml"))
				if err != nil {
					return "", fmt.Errorf("%s: %w", td.Cmd, err)
				}
				yaml = string(data)
				continue
			}
			if a.Key == "in-place" {
				s.inPlace = a.Vals
				continue
			}
			if td.Cmd == "config" {
				return "", fmt.Errorf("config takes only spec=NAME and in-place=KEYS")
			}
			if err := s.configure(a); err != nil {
				return "", err
			}
		}
		return s.startWith(yaml)
	case "restart":
		s.cfg.Uninstall = hasArg(args, "uninstall")
		for _, a := range args {
			if a.Key != "uninstall" {
				if err := s.configure(a); err != nil {
					return "", err
				}
			}
		}
		return s.start(nil)
	case "agent":
		var lines []string
		if len(args) > 0 {
			lines = append(lines, argLine(args))
		}
		for _, l := range strings.Split(td.Input, "\n") {
			if strings.TrimSpace(l) != "" {
				lines = append(lines, l)
			}
		}
		for _, l := range lines {
			fields := strings.Fields(l)
			opts := map[string]string{}
			for _, f := range fields[1:] {
				k, v, _ := strings.Cut(f, "=")
				opts[k] = v
			}
			if err := s.cluster.addAgent(fields[0], opts); err != nil {
				return "", err
			}
		}
		return "", nil
	}
	if s.core == nil {
		return "", fmt.Errorf("%s before start", td.Cmd)
	}
	switch td.Cmd {
	case "subscribe":
		// Mesos discards the framework's outstanding offers.
		s.offered = map[string]offerOf{}
		fw := "fw-1"
		if v := argValue(args, "fw"); v != "" {
			fw = v
		}
		return s.decide(s.core.Subscribed(fw, s.now)), nil
	case "offer":
		return s.offer(args)
	case "continue":
		return s.decide(s.core.Continue(s.now)), nil
	case "rescind":
		for _, a := range args {
			if _, ok := s.offered[a.Key]; !ok {
				return "", fmt.Errorf("rescind: %s is not outstanding", a.Key)
			}
			delete(s.offered, a.Key)
			s.core.Rescinded(a.Key)
		}
		return s.heldChange(), nil
	case "status":
		return s.statuses(args)
	case "status-id":
		return s.statusByID(args)
	case "killed":
		var outs []string
		for _, id := range slices.Sorted(maps.Keys(s.pendingKills)) {
			agent := s.pendingKills[id]
			if a := s.cluster.agents[agent]; a != nil && a.down {
				continue // the kill waits for the agent
			}
			delete(s.pendingKills, id)
			if s.cluster.agentOf(id) == "" {
				continue
			}
			outs = append(outs, s.deliver(s.status(id, agent, mesos.TASK_KILLED, "", "", false)))
		}
		return strings.Join(outs, "\n"), nil
	case "tick":
		if len(args) > 0 {
			d, err := parseDuration(args[0].Key)
			if err != nil {
				return "", err
			}
			s.now = s.now.Add(d)
		}
		return s.decide(s.core.Tick(s.now)), nil
	case "agent-lost":
		return s.agentLost(args[0].Key)
	case "agent-reregister":
		if len(args) != 2 {
			return "", fmt.Errorf("agent-reregister OLD NEW")
		}
		return "", s.cluster.reregister(args[0].Key, args[1].Key)
	case "agent-back":
		a := s.cluster.agents[args[0].Key]
		if a == nil {
			return "", fmt.Errorf("no agent %s", args[0].Key)
		}
		a.down = false
		return "", nil
	case "pod":
		return s.pod(args)
	case "plan":
		return s.plan(args, td.Input)
	case "plans":
		var names []string
		for _, a := range args {
			if a.Key != "reasons" {
				names = append(names, a.Key)
			}
		}
		return printPlans(s.core.Plans(), names, hasArg(args, "reasons")), nil
	case "gate":
		return s.gateVerdict(args, td.Input)
	case "action":
		return s.actionResult(args, td.Input)
	case "gate-holds":
		return printEnv(s.core.GateHolds()), nil
	case "env":
		return s.instanceEnv(args)
	case "task-env":
		return s.taskEnv(args)
	case "tasks":
		l, err := s.loaded()
		if err != nil {
			return "", err
		}
		var lines []string
		for _, name := range slices.Sorted(maps.Keys(l.Tasks)) {
			lines = append(lines, describeTask(name, l.Tasks[name]))
		}
		return strings.Join(lines, "\n"), nil
	case "cluster":
		return s.cluster.describe(), nil
	case "uninstall-plan":
		info := s.core.UninstallPlan(s.now)
		var b strings.Builder
		fmt.Fprintf(&b, "uninstall %s\n", info.Status)
		for _, ph := range info.Phases {
			fmt.Fprintf(&b, "  %s %s\n", ph.Name, ph.Status)
			for _, st := range ph.Steps {
				fmt.Fprintf(&b, "    %s %s: %s\n", st.Name, st.Status, st.Message)
			}
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("unknown command %q", td.Cmd)
}

func (s *story) configure(a datadriven.CmdArg) error {
	if len(a.Vals) == 0 {
		return fmt.Errorf("start: %s needs a value", a.Key)
	}
	v := a.Vals[0]
	var err error
	switch a.Key {
	case "permanent-failure-timeout":
		s.cfg.PermanentFailureTimeout, err = parseDuration(v)
	case "backoff":
		s.cfg.Backoff, err = backoffOf(v)
	case "sweep":
		s.cfg.SweepWindow, err = parseDuration(v)
	case "uninstall-agent-timeout":
		s.cfg.UninstallAgentTimeout, err = parseDuration(v)
	case "env":
		err = s.envSource(v)
	case "gates":
		s.cfg.Gates = v == "on"
	case "gate-interval":
		s.cfg.GateInterval, err = parseDuration(v)
	case "action-interval":
		s.cfg.ActionInterval, err = parseDuration(v)
	case "seed":
		name, value, _ := strings.Cut(v, ":")
		if s.cfg.Seeds == nil {
			s.cfg.Seeds = map[string]string{}
		}
		s.cfg.Seeds[name] = value
	default:
		err = fmt.Errorf("start: unknown option %s", a.Key)
	}
	return err
}

func (s *story) startWith(yaml string) (string, error) {
	spec, err := servicespec.Load("svc.yml", []byte(yaml), servicespec.LoadOptions{})
	if err != nil {
		return "", err
	}
	return s.start(spec)
}

func argLine(args []datadriven.CmdArg) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.Key
		if len(a.Vals) > 0 {
			parts[i] += "=" + strings.Join(a.Vals, ",")
		}
	}
	return strings.Join(parts, " ")
}

func hasArg(args []datadriven.CmdArg, key string) bool {
	for _, a := range args {
		if a.Key == key {
			return true
		}
	}
	return false
}

func argValue(args []datadriven.CmdArg, key string) string {
	for _, a := range args {
		if a.Key == key && len(a.Vals) > 0 {
			return a.Vals[0]
		}
	}
	return ""
}

// offer sends one OFFERS event with an offer of each agent named.
func (s *story) offer(args []datadriven.CmdArg) (string, error) {
	var offers []mesos.Offer
	lost := false
	for _, a := range args {
		if a.Key == "lost" {
			lost = true
			continue
		}
		ag := s.cluster.agents[a.Key]
		if ag == nil {
			return "", fmt.Errorf("no agent %s", a.Key)
		}
		if ag.down {
			return "", fmt.Errorf("agent %s is down and offers nothing", a.Key)
		}
		// What the scheduler still holds of the agent is not offered
		// again (Mesos offers only unallocated resources).
		var outstanding mesos.Resources
		for _, id := range slices.Sorted(maps.Keys(s.offered)) {
			if o := s.offered[id]; o.agent == a.Key {
				outstanding = outstanding.Plus(o.res.Clone().Unallocate()...)
			}
		}
		o, err := s.cluster.offer(a.Key, fmt.Sprintf("o%d", s.offers+1), outstanding)
		if err != nil {
			return "", err
		}
		if len(o.Resources) == 0 {
			continue // all of it is in an outstanding offer
		}
		s.offers++
		id := o.ID.Value
		s.offerAgent[id] = a.Key
		s.offered[id] = offerOf{agent: a.Key, res: o.Resources}
		offers = append(offers, o)
	}
	d := s.core.Offers(offers, s.now)
	if lost {
		// The scheduler died after writing the batch, before its calls
		// reached Mesos.
		// Its offers are gone with it (or were no longer valid): none
		// is outstanding any more, nor held.
		s.apply(d.Batch)
		for _, o := range offers {
			delete(s.offered, o.ID.Value)
			s.core.Rescinded(o.ID.Value)
		}
		s.holding = ""
		return s.printDecisions(d) + "\n(calls lost: the scheduler died before sending them)", nil
	}
	return s.decide(d), nil
}

// status builds a status update of task id on agent.
func (s *story) status(id, agent string, st mesos.TaskState, reason, message string, ready bool) mesos.TaskStatus {
	s.updates++
	ts := float64(s.now.UnixNano()) / 1e9
	status := mesos.TaskStatus{TaskID: mesos.TaskID{Value: id}, State: st.Enum(), AgentID: &mesos.AgentID{Value: agent},
		Timestamp: &ts, UUID: []byte(fmt.Sprintf("uuid-%d", s.updates)), Source: mesos.SOURCE_EXECUTOR.Enum()}
	if reason != "" {
		r := mesos.TaskStatus_Reason(mesos.TaskStatus_Reason_value[reason])
		status.Reason = &r
		if r == mesos.REASON_RECONCILIATION {
			// The master's answer to reconciliation: unreliable, no uuid,
			// never acknowledged.
			status.UUID, status.Source = nil, mesos.SOURCE_MASTER.Enum()
		}
	}
	if message != "" {
		status.Message = proto.String(message)
	}
	if ready {
		status.CheckStatus = &mesos.CheckStatusInfo{Type: mesos.CheckInfo_COMMAND.Enum(),
			Command: &mesos.CheckStatusInfo_Command{ExitCode: proto.Int32(0)}}
	}
	if st == mesos.TASK_UNREACHABLE {
		since := s.now
		if a := s.cluster.agents[agent]; a != nil && a.down {
			since = a.downSince
		}
		status.UnreachableTime = &mesos.TimeInfo{Nanoseconds: since.UnixNano()}
	}
	return status
}

// deliver hands a status to the core and to the cluster.
func (s *story) deliver(st mesos.TaskStatus) string {
	if taskstate.Ended(st.GetState()) {
		s.cluster.ended(st.GetAgentID().GetValue(), st.TaskID.Value)
		delete(s.pendingKills, st.TaskID.Value)
	}
	head := fmt.Sprintf("> %s %s", shortID(st.TaskID.Value), st.GetState())
	body := s.decide(s.core.Update(st, s.now))
	if body == "" {
		return head
	}
	return head + "\n" + body
}

func stateOf(v string) (mesos.TaskState, error) {
	name := "TASK_" + strings.ToUpper(strings.TrimPrefix(v, "TASK_"))
	st, ok := mesos.TaskState_value[name]
	if !ok {
		return 0, fmt.Errorf("unknown task state %s", v)
	}
	return mesos.TaskState(st), nil
}

// statuses sends TASK=STATE updates for the tasks' current launches.
func (s *story) statuses(args []datadriven.CmdArg) (string, error) {
	reason, message, ready := argValue(args, "reason"), argValue(args, "message"), hasArg(args, "ready")
	check := argValue(args, "check")
	var outs []string
	for _, a := range args {
		if a.Key == "reason" || a.Key == "message" || a.Key == "ready" || a.Key == "check" {
			continue
		}
		if len(a.Vals) == 0 {
			return "", fmt.Errorf("status: %s needs =STATE", a.Key)
		}
		t := s.core.tasks[a.Key]
		if t == nil {
			return "", fmt.Errorf("status: no task %s", a.Key)
		}
		st, err := stateOf(a.Vals[0])
		if err != nil {
			return "", err
		}
		status := s.status(t.head.id, t.head.agent, st, reason, message, ready && st == mesos.TASK_RUNNING)
		if check != "" {
			// check=N: a COMMAND check result with exit code N.
			code, err := strconv.Atoi(check)
			if err != nil {
				return "", fmt.Errorf("status: check=%s: %w", check, err)
			}
			status.CheckStatus = &mesos.CheckStatusInfo{Type: mesos.CheckInfo_COMMAND.Enum(),
				Command: &mesos.CheckStatusInfo_Command{ExitCode: proto.Int32(int32(code))}}
		}
		outs = append(outs, s.deliver(status))
	}
	return strings.Join(outs, "\n"), nil
}

// statusByID sends a status of any task id: ID=STATE agent=A.
func (s *story) statusByID(args []datadriven.CmdArg) (string, error) {
	agent := argValue(args, "agent")
	for _, a := range args {
		if a.Key == "agent" {
			continue
		}
		if len(a.Vals) == 0 {
			return "", fmt.Errorf("status-id: %s needs =STATE", a.Key)
		}
		st, err := stateOf(a.Vals[0])
		if err != nil {
			return "", err
		}
		id := a.Key
		if !strings.HasPrefix(id, storyService+"__") {
			id = storyService + "__" + id
		}
		return s.deliver(s.status(id, agent, st, argValue(args, "reason"), "", hasArg(args, "ready"))), nil
	}
	return "", fmt.Errorf("status-id: no task")
}

// agentLost partitions an agent: Mesos reports its tasks unreachable.
func (s *story) agentLost(id string) (string, error) {
	a := s.cluster.agents[id]
	if a == nil {
		return "", fmt.Errorf("no agent %s", id)
	}
	a.down, a.downSince = true, s.now
	var outs []string
	// Mesos rescinds the agent's outstanding offers.
	for _, oid := range slices.Sorted(maps.Keys(s.offered)) {
		if s.offered[oid].agent == id {
			delete(s.offered, oid)
			s.core.Rescinded(oid)
			outs = append(outs, "> RESCIND "+oid)
		}
	}
	if h := s.heldChange(); h != "" {
		outs = append(outs, h)
	}
	for _, taskID := range slices.Sorted(maps.Keys(a.tasks)) {
		outs = append(outs, s.deliver(s.status(taskID, id, mesos.TASK_UNREACHABLE, "REASON_AGENT_REMOVED", "", false)))
	}
	return strings.Join(outs, "\n"), nil
}

func (s *story) pod(args []datadriven.CmdArg) (string, error) {
	if len(args) < 2 {
		return "", fmt.Errorf("pod VERB INSTANCE [TASK…]")
	}
	verb, inst := args[0].Key, args[1].Key
	var tasks []string
	for _, a := range args[2:] {
		tasks = append(tasks, a.Key)
	}
	var d Decisions
	var names []string
	var err error
	switch verb {
	case "restart":
		d, names, err = s.core.PodRestart(inst, s.now)
	case "replace":
		d, names, err = s.core.PodReplace(inst, s.now)
	case "pause":
		d, names, err = s.core.PodPause(inst, tasks, s.now)
	case "resume":
		d, names, err = s.core.PodResume(inst, tasks, s.now)
	default:
		return "", fmt.Errorf("pod: unknown verb %s", verb)
	}
	if err != nil {
		return "", err
	}
	return strings.TrimRight(fmt.Sprintf("pod %s %s: %s\n%s", verb, inst, strings.Join(names, ","), s.decide(d)), "\n"), nil
}

func (s *story) plan(args []datadriven.CmdArg, input string) (string, error) {
	if len(args) < 2 {
		return "", fmt.Errorf("plan VERB PLAN [phase=P] [step=S]")
	}
	verb, name := args[0].Key, args[1].Key
	phase, step := argValue(args, "phase"), argValue(args, "step")
	var params map[string]string
	for _, l := range strings.Split(input, "\n") {
		if v, ok := strings.CutPrefix(l, "phase "); ok {
			phase = v
		}
		if v, ok := strings.CutPrefix(l, "step "); ok {
			step = v
		}
		if v, ok := strings.CutPrefix(l, "param "); ok {
			k, val, _ := strings.Cut(v, "=")
			if params == nil {
				params = map[string]string{}
			}
			params[k] = val
		}
	}
	var action func(*plans.Set) plans.Result
	switch verb {
	case "start":
		action = func(set *plans.Set) plans.Result { return set.Start(name, params, s.now) }
	case "stop":
		action = func(set *plans.Set) plans.Result { return set.Stop(name, s.now) }
	case "interrupt", "pause":
		action = func(set *plans.Set) plans.Result { return set.Interrupt(name, phase) }
	case "continue", "resume":
		action = func(set *plans.Set) plans.Result { return set.Continue(name, phase) }
	case "force-complete":
		action = func(set *plans.Set) plans.Result { return set.ForceComplete(name, phase, step, s.now) }
	case "restart":
		action = func(set *plans.Set) plans.Result { return set.Restart(name, phase, step, s.now) }
	default:
		return "", fmt.Errorf("plan: unknown verb %s", verb)
	}
	if s.core.Uninstalling() {
		verbs := map[string]string{"force-complete": "forceComplete"}
		d, r := s.core.UninstallAction(verbs[verb], phase, step, s.now)
		return strings.TrimRight(fmt.Sprintf("%s: %s\n%s", outcomeName(r.Outcome), r.Message, s.decide(d)), "\n"), nil
	}
	d, r := s.core.PlanAction(s.now, action)
	return strings.TrimRight(fmt.Sprintf("%s: %s\n%s", outcomeName(r.Outcome), r.Message, s.decide(d)), "\n"), nil
}

func outcomeName(o plans.Outcome) string {
	switch o {
	case plans.Accepted:
		return "200"
	case plans.AlreadyReported:
		return "208"
	case plans.NotFound:
		return "404"
	}
	return "400"
}

// apply plays a call on the cluster: ACCEPTs change the agents, KILLs are
// remembered for `killed`.
func (c *storyCluster) apply(s *story, call *sched.Call) []string {
	switch call.Type {
	case sched.Call_ACCEPT:
		acc := call.GetAccept()
		if len(acc.OfferIDs) != 1 {
			return []string{fmt.Sprintf("!! ACCEPT of %d offers", len(acc.OfferIDs))}
		}
		o, ok := s.offered[acc.OfferIDs[0].Value]
		if !ok {
			return []string{"!! ACCEPT of an offer that is no longer valid: " + acc.OfferIDs[0].Value}
		}
		delete(s.offered, acc.OfferIDs[0].Value)
		return c.accept(o.agent, o.res, acc.Operations)
	case sched.Call_DECLINE:
		for _, id := range call.GetDecline().OfferIDs {
			delete(s.offered, id.Value)
		}
	case sched.Call_KILL:
		k := call.GetKill()
		s.pendingKills[k.TaskID.Value] = k.GetAgentID().GetValue()
	}
	return nil
}
