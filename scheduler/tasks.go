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
type task struct {
	name   string
	info   mesos.TaskInfo
	status *mesos.TaskStatus
	goal   string
	// ids caches offer.ResourceIDs(&info) for a task in Core.tasks: put
	// and New set it (a task value copied to change its info is put
	// again), so releases need not read every TaskInfo per offer.
	ids []string
}

// resourceIDs is offer.ResourceIDs(&t.info), cached for the tasks of
// Core.tasks.
func (t *task) resourceIDs() []string {
	if t.ids != nil {
		return t.ids
	}
	return offer.ResourceIDs(&t.info)
}

func decodeTask(name string, rec record.Task) (*task, error) {
	t := &task{name: name, goal: rec.Goal}
	if err := proto.Unmarshal(rec.Info, &t.info); err != nil {
		return nil, err
	}
	if rec.Status != nil {
		t.status = &mesos.TaskStatus{}
		if err := proto.Unmarshal(rec.Status, t.status); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *task) record() record.Task {
	rec := record.Task{Goal: t.goal}
	rec.Info, _ = proto.Marshal(&t.info)
	if t.status != nil {
		rec.Status, _ = proto.Marshal(t.status)
	}
	return rec
}

// put stores t and mirrors it in memory.
func (c *Core) put(d *Decisions, t *task) {
	d.Batch.PutTask(t.name, t.record())
	if old := c.tasks[t.name]; old != nil {
		c.instances.remove(old)
	}
	t.ids = offer.ResourceIDs(&t.info)
	c.tasks[t.name] = t
	c.instances.add(t)
	c.byID[t.info.TaskID.Value] = t.name
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

func (t *task) pod() string      { return label(&t.info, offer.LabelTaskType) }
func (t *task) index() int       { i, _ := strconv.Atoi(label(&t.info, offer.LabelIndex)); return i }
func (t *task) instance() string { return t.pod() + "-" + strconv.Itoa(t.index()) }

// specName is the task's name in the spec: its name after <pod>-<index>-.
func (t *task) specName() string {
	return strings.TrimPrefix(t.name, t.instance()+"-")
}

func (t *task) state() mesos.TaskState {
	if t.status == nil {
		return mesos.TASK_STAGING
	}
	return t.status.GetState()
}

// live reports whether the task may be running: launched and not known to
// have ended.
func (t *task) live() bool {
	if t.info.TaskID.Value == "" {
		return false
	}
	return !taskstate.Ended(t.state())
}

func (t *task) confirmed() bool { return label(&t.info, labelConfirmed) == "true" }

// knownResources are the ids of the reservations of tasks that are known
// to exist: all those of a confirmed launch, and those an unconfirmed
// launch reused from a confirmed one (labelKnown).
func knownResources(tasks map[string]*task) map[string]bool {
	known := map[string]bool{}
	for _, t := range tasks {
		if t.confirmed() {
			for _, id := range offer.ResourceIDs(&t.info) {
				known[id] = true
			}
			continue
		}
		for _, id := range strings.Split(label(&t.info, labelKnown), ",") {
			if id != "" {
				known[id] = true
			}
		}
	}
	return known
}

// onlyKnown is a copy of info without the resources (its own and its
// executor's) whose ids are not in known.
func onlyKnown(info *mesos.TaskInfo, known map[string]bool) *mesos.TaskInfo {
	out := proto.Clone(info).(*mesos.TaskInfo)
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
	return out
}

func (t *task) permanentlyFailed() bool {
	return label(&t.info, labelPermanentlyFailed) == "true" || t.state() == mesos.TASK_GONE_BY_OPERATOR
}

// planTask is what the plans package knows of a task.
func (c *Core) planTask(t *task) *plans.Task {
	pt := &plans.Task{
		Name: t.name, Pod: t.pod(), Index: t.index(), Spec: t.specName(), ID: t.info.TaskID.Value,
		ConfigID: label(&t.info, offer.LabelTargetConfig), State: plans.TaskState(t.state().String()),
		PermanentlyFailed: t.permanentlyFailed(), Paused: t.goal == goalPaused,
		PausedLaunch: t.info.GetCommand().GetValue() == offer.PauseCommand,
	}
	if t.status != nil {
		pt.Message = offer.ExplainStatus(&t.info, t.status.GetMessage())
		if ts := t.status.GetTimestamp(); ts > 0 {
			pt.UpdatedAt = time.Unix(0, int64(ts*1e9)).UTC()
		}
	}
	if at, err := time.Parse(time.RFC3339Nano, label(&t.info, labelLaunchedAt)); err == nil {
		pt.LaunchedAt = at
	}
	pt.Ready = c.isReady(t)
	if !pt.Ready {
		pt.CheckNote = c.checkNotes[t.info.TaskID.Value]
	}
	for _, id := range offer.ResourceIDs(&t.info) {
		pt.Resources = append(pt.Resources, plans.Resource{ID: id, Reserved: true})
	}
	return pt
}

// isReady: the task passed its readiness check in its latest launch, or
// has none and runs.
func (c *Core) isReady(t *task) bool {
	if t.info.Check == nil {
		return t.state() == mesos.TASK_RUNNING
	}
	return c.ready[t.name] == t.info.TaskID.Value
}

// instanceTasks are the stored tasks of a pod instance, by spec name.
func (c *Core) instanceTasks(instance string) map[string]*task {
	out := map[string]*task{}
	if in := c.instances[instance]; in != nil {
		maps.Copy(out, in.tasks)
	}
	return out
}
