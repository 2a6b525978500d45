package scheduler

import (
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler/offer"
	"github.com/kennel-sdk/kennel/scheduler/record"
	"github.com/kennel-sdk/kennel/taskstate"
)

// Labels Kennel keeps on stored TaskInfos.
const (
	// labelPermanentlyFailed marks a task to be replaced elsewhere (DC/OS
	// Commons' permanently-failed).
	labelPermanentlyFailed = "permanently-failed"
	// labelConfirmed marks a TaskInfo whose reservations are known to
	// exist: Mesos reported its launch, or it reuses the reservations of
	// an earlier confirmed launch. An unconfirmed launch that Mesos does
	// not know is redone on fresh resources.
	labelConfirmed = "footprint-confirmed"
	// labelKnown lists, on a launch not confirmed yet, the resource ids
	// (comma-separated) it reuses that are known to exist: they were held
	// by a confirmed launch when it was written. Its other resources are
	// only known once Mesos reports the launch; until then a relaunch
	// reserves them afresh.
	labelKnown = "footprint-known"
	// labelLaunchedAt is when the scheduler sent the launch (RFC 3339),
	// for step reasons; statuses overwrite the launch's own timestamp.
	labelLaunchedAt = "launched-at"
)

// Goal overrides a task record may carry.
const (
	goalPaused         = "PAUSED"
	goalDecommissioned = "DECOMMISSIONED"
)

// task is the core's copy of one stored task record.
//
// The core keeps a task's TaskInfo encoded (info) with a decoded head of
// what it reads on its hot paths, and decodes the whole TaskInfo only
// where it needs more (decodeInfo): a decoded TaskInfo takes about twice
// the memory of its bytes, and the store holds those bytes anyway. For a
// task of Core.tasks, info is a sub-slice of the very record the store
// keeps (put, New): the core, the batch that wrote it and the store's
// cache share that one allocation, so nobody may modify info. A task
// whose TaskInfo changes is a new task (newTask, withInfo). The latest
// TaskStatus is kept the same way: encoded in status (nil if none), shared
// with the record once put, with what the core reads of it in stat.
type task struct {
	name   string
	info   []byte
	head   taskHead
	status []byte
	stat   statusHead
	goal   string
	// ids are offer.ResourceIDs of the TaskInfo, so releases need not
	// decode every TaskInfo per offer.
	ids []string
}

// taskHead is what the core reads of a TaskInfo on its hot paths: every
// field set by headOf from the decoded TaskInfo.
type taskHead struct {
	id, agent string
	// executor is the executor's id when hasExecutor.
	executor    string
	hasExecutor bool
	hasCheck    bool
	// pausedLaunch: the command is offer.PauseCommand; bootstraps: it
	// runs `kennel bootstrap` (offer.RunsBootstrap).
	pausedLaunch, bootstraps bool
	// The labels the core reads (label).
	pod, target, known, launchedAt   string
	hostname, zone, region, attrs    string
	index                            int
	confirmed, permanentlyFailedMark bool
}

func headOf(info *mesos.TaskInfo) taskHead {
	h := taskHead{id: info.TaskID.Value, agent: info.AgentID.Value, hasCheck: info.Check != nil}
	if info.Executor != nil {
		h.executor, h.hasExecutor = info.Executor.ExecutorID.Value, true
	}
	if cmd := info.GetCommand(); cmd != nil {
		h.pausedLaunch = cmd.GetValue() == offer.PauseCommand
		h.bootstraps = offer.RunsBootstrap(cmd.GetValue())
	}
	h.pod, h.target = label(info, offer.LabelTaskType), label(info, offer.LabelTargetConfig)
	h.index, _ = strconv.Atoi(label(info, offer.LabelIndex))
	h.known, h.launchedAt = label(info, labelKnown), label(info, labelLaunchedAt)
	h.hostname, h.zone = label(info, offer.LabelHostname), label(info, offer.LabelZone)
	h.region, h.attrs = label(info, offer.LabelRegion), label(info, offer.LabelAttributes)
	h.confirmed = label(info, labelConfirmed) == "true"
	h.permanentlyFailedMark = label(info, labelPermanentlyFailed) == "true"
	return h
}

// statusHead is what the core reads of a task's latest TaskStatus.
type statusHead struct {
	state     mesos.TaskState
	message   string
	timestamp float64
	// unreachable is the status's unreachable_time in nanoseconds, when
	// hasUnreachable.
	unreachable    int64
	hasUnreachable bool
	// healthy is the status's healthy field, when hasHealthy.
	healthy, hasHealthy bool
	// check is the status's check result, nil if none.
	check *mesos.CheckStatusInfo
}

func statusHeadOf(st *mesos.TaskStatus) statusHead {
	h := statusHead{state: st.GetState(), message: st.GetMessage(), timestamp: st.GetTimestamp()}
	if ut := st.GetUnreachableTime(); ut != nil {
		h.unreachable, h.hasUnreachable = ut.Nanoseconds, true
	}
	if st.Healthy != nil {
		h.healthy, h.hasHealthy = *st.Healthy, true
	}
	h.check = st.CheckStatus
	return h
}

// newTask is a task of TaskInfo info, without a status.
func newTask(name string, info *mesos.TaskInfo, goal string) *task {
	b, _ := proto.Marshal(info)
	return &task{name: name, info: b, head: headOf(info), goal: goal, ids: offer.ResourceIDs(info)}
}

// setStatus makes st the task's latest status.
func (t *task) setStatus(st *mesos.TaskStatus) {
	t.status, _ = proto.Marshal(st)
	t.stat = statusHeadOf(st)
}

// decodeStatus is the task's latest status, decoded afresh (nil if none).
func (t *task) decodeStatus() *mesos.TaskStatus {
	if t.status == nil {
		return nil
	}
	st := &mesos.TaskStatus{}
	_ = proto.Unmarshal(t.status, st) // written by setStatus or checked by decodeTask
	return st
}

// decodeInfo is the task's whole TaskInfo, decoded afresh: the caller
// may modify it. info was written by proto.Marshal or checked by
// decodeTask, so it decodes.
func (t *task) decodeInfo() *mesos.TaskInfo {
	info := &mesos.TaskInfo{}
	_ = proto.Unmarshal(t.info, info)
	return info
}

// withInfo is a copy of t whose TaskInfo is t's as edit changes it.
func (t *task) withInfo(edit func(info *mesos.TaskInfo)) *task {
	info := t.decodeInfo()
	edit(info)
	next := newTask(t.name, info, t.goal)
	next.status, next.stat = t.status, t.stat
	return next
}

// resourceIDs is offer.ResourceIDs of the task's TaskInfo.
func (t *task) resourceIDs() []string { return t.ids }

// decodeTask is the task of a stored record, and its status decoded (nil
// if none). The task keeps rec.Info and rec.Status: the store's memory
// when rec comes from the store.
func decodeTask(name string, rec record.Task) (*task, *mesos.TaskStatus, error) {
	var info mesos.TaskInfo
	if err := proto.Unmarshal(rec.Info, &info); err != nil {
		return nil, nil, err
	}
	t := &task{name: name, info: rec.Info, head: headOf(&info), goal: rec.Goal, ids: offer.ResourceIDs(&info)}
	var st *mesos.TaskStatus
	if rec.Status != nil {
		st = &mesos.TaskStatus{}
		if err := proto.Unmarshal(rec.Status, st); err != nil {
			return nil, nil, err
		}
		t.status, t.stat = rec.Status, statusHeadOf(st)
	}
	return t, st, nil
}

// put stores t and mirrors it in memory. t's info and status become the
// record's as the batch holds it (record.Batch.PutTask), which the store
// keeps.
func (c *Core) put(d *Decisions, t *task) {
	stored := d.Batch.PutTask(t.name, record.Task{Info: t.info, Status: t.status, Goal: t.goal})
	t.info, t.status = stored.Info, stored.Status
	if old := c.tasks[t.name]; old != nil {
		c.instances.remove(old)
	}
	c.tasks[t.name] = t
	c.instances.add(t)
	c.byID[t.head.id] = t.name
}

func label(info *mesos.TaskInfo, key string) string {
	for _, l := range info.GetLabels().GetLabels() {
		if l.Key == key {
			return l.GetValue()
		}
	}
	return ""
}

// setLabel returns a copy of labels with key set to value ("" removes it).
func setLabel(labels *mesos.Labels, key, value string) *mesos.Labels {
	out := &mesos.Labels{}
	for _, l := range labels.GetLabels() {
		if l.Key != key {
			out.Labels = append(out.Labels, l)
		}
	}
	if value != "" {
		out.Labels = append(out.Labels, mesos.Label{Key: key, Value: proto.String(value)})
	}
	return out
}

func (t *task) pod() string      { return t.head.pod }
func (t *task) index() int       { return t.head.index }
func (t *task) instance() string { return t.pod() + "-" + strconv.Itoa(t.index()) }

// specName is the task's name in the spec: its name after <pod>-<index>-.
func (t *task) specName() string {
	return strings.TrimPrefix(t.name, t.instance()+"-")
}

func (t *task) state() mesos.TaskState {
	if t.status == nil {
		return mesos.TASK_STAGING
	}
	return t.stat.state
}

// live reports whether the task may be running: launched and not known to
// have ended.
func (t *task) live() bool {
	if t.head.id == "" {
		return false
	}
	return !taskstate.Ended(t.state())
}

func (t *task) confirmed() bool { return t.head.confirmed }

// knownResources are the ids of the reservations of tasks that are known
// to exist: all those of a confirmed launch, and those an unconfirmed
// launch reused from a confirmed one (labelKnown).
func knownResources(tasks map[string]*task) map[string]bool {
	known := map[string]bool{}
	for _, t := range tasks {
		if t.confirmed() {
			for _, id := range t.resourceIDs() {
				known[id] = true
			}
			continue
		}
		for _, id := range strings.Split(t.head.known, ",") {
			if id != "" {
				known[id] = true
			}
		}
	}
	return known
}

// keepKnown drops from info the resources (its own and its executor's)
// whose ids are not in known.
func keepKnown(out *mesos.TaskInfo, known map[string]bool) {
	keep := func(rs []mesos.Resource) []mesos.Resource {
		var kept []mesos.Resource
		for _, r := range rs {
			if known[resourceIDOf(r)] {
				kept = append(kept, r)
			}
		}
		return kept
	}
	out.Resources = keep(out.Resources)
	if out.Executor != nil {
		out.Executor.Resources = keep(out.Executor.Resources)
	}
}

func (t *task) permanentlyFailed() bool {
	return t.head.permanentlyFailedMark || t.state() == mesos.TASK_GONE_BY_OPERATOR
}

// planTask is what the plans package knows of a task.
func (c *Core) planTask(t *task) *plans.Task {
	pt := &plans.Task{
		Name: t.name, Pod: t.pod(), Index: t.index(), Spec: t.specName(), ID: t.head.id,
		ConfigID: t.head.target, State: plans.TaskState(t.state().String()),
		PermanentlyFailed: t.permanentlyFailed(), Paused: t.goal == goalPaused,
		PausedLaunch: t.head.pausedLaunch,
	}
	if t.status != nil {
		pt.Message = offer.ExplainBootstrapStatus(t.head.bootstraps, t.stat.message)
		if ts := t.stat.timestamp; ts > 0 {
			pt.UpdatedAt = time.Unix(0, int64(ts*1e9)).UTC()
		}
	}
	if at, err := time.Parse(time.RFC3339Nano, t.head.launchedAt); err == nil {
		pt.LaunchedAt = at
	}
	pt.Ready = c.isReady(t)
	if !pt.Ready {
		pt.CheckNote = c.checkNotes[t.head.id]
	}
	for _, id := range t.resourceIDs() {
		pt.Resources = append(pt.Resources, plans.Resource{ID: id, Reserved: true})
	}
	return pt
}

// isReady: the task passed its readiness check in its latest launch, or
// has none and runs.
func (c *Core) isReady(t *task) bool {
	if !t.head.hasCheck {
		return t.state() == mesos.TASK_RUNNING
	}
	return c.ready[t.name] == t.head.id
}

// instanceTasks are the stored tasks of a pod instance, by spec name.
func (c *Core) instanceTasks(instance string) map[string]*task {
	out := map[string]*task{}
	if in := c.instances[instance]; in != nil {
		maps.Copy(out, in.tasks)
	}
	return out
}
