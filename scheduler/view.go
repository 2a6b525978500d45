package scheduler

import (
	"sort"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// TaskView is a stored task as the API shows it. It owns copies of the
// TaskInfo and TaskStatus, so it may be read on any goroutine once
// returned.
type TaskView struct {
	Name     string
	PodType  string
	Instance string
	Info     *mesos.TaskInfo
	// Status is the latest status; nil before the first update.
	Status *mesos.TaskStatus
	// Goal is the operator's override: "", "PAUSED" or "DECOMMISSIONED".
	Goal string
	// Live: the task was launched and is not known to have ended.
	Live bool
	// PausedLaunch is set when the stored launch runs the pause command
	// instead of the task's own.
	PausedLaunch bool
}

// Goal overrides as TaskView.Goal reports them.
const (
	GoalPaused         = goalPaused
	GoalDecommissioned = goalDecommissioned
)

// TaskViews are copies of the stored tasks, sorted by name.
func (c *Core) TaskViews() []TaskView {
	out := make([]TaskView, 0, len(c.tasks))
	for _, t := range c.tasks {
		v := TaskView{Name: t.name, PodType: t.pod(), Instance: t.instance(), Goal: t.goal, Live: t.live(),
			Info: t.decodeInfo(), PausedLaunch: t.head.pausedLaunch}
		v.Status = t.decodeStatus()
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// View is where the service's pod instances are placed, as an EnvSource
// sees them.
func (c *Core) View() EnvView { return c.envView(nil) }
