package master

import (
	"fmt"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/taskstate"
)

// Default executor minimums, as a Mesos 1.11 master enforces them.
const (
	minExecutorCPUs = 0.01
	minExecutorMem  = 32
)

// launch applies a LAUNCH: each task is validated and started on its own
// (a command task or one with a custom executor).
func (m *Master) launch(st *accepted, tasks []mesos.TaskInfo) {
	for i := range tasks {
		t := tasks[i]
		res, err := m.checkTask(st, &t, t.Executor)
		if err == nil && t.Executor != nil {
			if e := st.f.executors[st.a.id+"/"+t.Executor.ExecutorID.Value]; e == nil {
				res = plus(res, st.normalize(t.Executor.Resources)...)
			}
		}
		if err == nil && !containsAll(st.pool, res) {
			err = fmt.Errorf("task uses more resources %s than available %s", res, st.pool)
		}
		if err != nil {
			m.forward(st.f, masterUpdate(t.TaskID, st.a.id, mesos.TASK_ERROR, mesos.REASON_TASK_INVALID, err.Error()))
			continue
		}
		st.pool = minus(st.pool, res...)
		executorID := t.TaskID.Value
		if t.Executor != nil {
			executorID = t.Executor.ExecutorID.Value
			m.addExecutor(st, t.Executor)
		}
		m.addTask(st, t, executorID)
		info, conn, agentID := st.f.info, st.a.conn, st.a.id
		st.a.out.post(func() {
			err := conn.Launch(&info, &t)
			m.launchDone(info.GetID().GetValue(), agentID, executorID, []string{t.TaskID.Value}, err)
		})
	}
}

// launchGroup applies a LAUNCH_GROUP: all tasks of the group are valid and
// fit, or all fail with REASON_TASK_GROUP_INVALID.
func (m *Master) launchGroup(st *accepted, ex *mesos.ExecutorInfo, group mesos.TaskGroupInfo) {
	res, err := m.checkGroup(st, ex, group)
	if err != nil {
		for _, t := range group.Tasks {
			m.forward(st.f, masterUpdate(t.TaskID, st.a.id, mesos.TASK_ERROR, mesos.REASON_TASK_GROUP_INVALID, err.Error()))
		}
		return
	}
	st.pool = minus(st.pool, res...)
	info := proto.Clone(ex).(*mesos.ExecutorInfo)
	if info.FrameworkID == nil {
		info.FrameworkID = &mesos.FrameworkID{Value: st.f.id}
	}
	m.addExecutor(st, info)
	for _, t := range group.Tasks {
		m.addTask(st, t, info.ExecutorID.Value)
	}
	fw, conn, agentID := st.f.info, st.a.conn, st.a.id
	var ids []string
	for _, t := range group.Tasks {
		ids = append(ids, t.TaskID.Value)
	}
	st.a.out.post(func() {
		err := conn.LaunchGroup(&fw, info, &group)
		m.launchDone(fw.GetID().GetValue(), agentID, info.ExecutorID.Value, ids, err)
	})
}

func (m *Master) checkGroup(st *accepted, ex *mesos.ExecutorInfo, group mesos.TaskGroupInfo) (mesos.Resources, error) {
	if ex == nil {
		return nil, fmt.Errorf("'executor' is missing")
	}
	if err := m.checkExecutor(st, ex); err != nil {
		return nil, err
	}
	if len(group.Tasks) == 0 {
		return nil, fmt.Errorf("the task group has no tasks")
	}
	var res mesos.Resources
	if st.f.executors[st.a.id+"/"+ex.ExecutorID.Value] == nil {
		res = st.normalize(ex.Resources)
	}
	ids := map[string]bool{}
	for i := range group.Tasks {
		t := &group.Tasks[i]
		if ids[t.TaskID.Value] {
			return nil, fmt.Errorf("duplicate task id %s in the group", t.TaskID.Value)
		}
		ids[t.TaskID.Value] = true
		if t.Executor != nil && t.Executor.ExecutorID != ex.ExecutorID {
			return nil, fmt.Errorf("task %s names executor %s, not the group's %s", t.TaskID.Value, t.Executor.ExecutorID.Value, ex.ExecutorID.Value)
		}
		tr, err := m.checkTask(st, t, ex)
		if err != nil {
			return nil, fmt.Errorf("task %s: %w", t.TaskID.Value, err)
		}
		res = plus(res, tr...)
	}
	if !containsAll(st.pool, res) {
		return nil, fmt.Errorf("task group uses more resources %s than available %s", res, st.pool)
	}
	return res, nil
}

// checkExecutor validates the default executor of a task group.
func (m *Master) checkExecutor(st *accepted, ex *mesos.ExecutorInfo) error {
	if err := validID(ex.ExecutorID.Value); err != nil {
		return fmt.Errorf("executor id: %w", err)
	}
	if ex.Type != mesos.ExecutorInfo_DEFAULT {
		return fmt.Errorf("a task group needs an executor of type DEFAULT")
	}
	if fid := ex.GetFrameworkID().GetValue(); fid != "" && fid != st.f.id {
		return fmt.Errorf("executor's framework id %s is not %s", fid, st.f.id)
	}
	if st.f.executors[st.a.id+"/"+ex.ExecutorID.Value] != nil {
		return nil // a running executor takes more tasks with its own resources
	}
	var cpus, mem, disk float64
	for _, r := range ex.Resources {
		switch r.Name {
		case "cpus":
			cpus += r.GetScalar().GetValue()
		case "mem":
			mem += r.GetScalar().GetValue()
		case "disk":
			disk += r.GetScalar().GetValue()
		}
	}
	// The messages are Mesos's, capitalized as Mesos writes them.
	switch {
	case cpus < minExecutorCPUs:
		//lint:ignore ST1005 Mesos's wording, which frameworks may match
		return fmt.Errorf("Executor %s uses less CPUs (%g) than the minimum required (%g)", ex.ExecutorID.Value, cpus, minExecutorCPUs)
	case mem < minExecutorMem:
		//lint:ignore ST1005 Mesos's wording, which frameworks may match
		return fmt.Errorf("Executor %s uses less memory (%gMB) than the minimum required (%dMB)", ex.ExecutorID.Value, mem, minExecutorMem)
	case disk <= 0:
		//lint:ignore ST1005 Mesos's wording, which frameworks may match
		return fmt.Errorf("Executor %s uses no disk", ex.ExecutorID.Value)
	}
	return nil
}

// checkTask validates one task and returns its resources, allocated.
func (m *Master) checkTask(st *accepted, t *mesos.TaskInfo, ex *mesos.ExecutorInfo) (mesos.Resources, error) {
	if err := validID(t.TaskID.Value); err != nil {
		return nil, fmt.Errorf("task id: %w", err)
	}
	if old := st.f.tasks[t.TaskID.Value]; old != nil && !taskstate.Terminal(old.state) {
		return nil, fmt.Errorf("task %s already exists", t.TaskID.Value)
	}
	if t.AgentID.Value != st.a.id {
		return nil, fmt.Errorf("task %s names agent %s, not the offer's %s", t.TaskID.Value, t.AgentID.Value, st.a.id)
	}
	switch {
	case ex == nil && t.Command == nil:
		return nil, fmt.Errorf("task %s needs either 'command' or 'executor'", t.TaskID.Value)
	case t.Executor != nil && t.Command != nil && ex == t.Executor:
		return nil, fmt.Errorf("task %s has both 'command' and 'executor'", t.TaskID.Value)
	}
	if hc := t.HealthCheck; hc != nil && (hc.GetDelaySeconds() < 0 || hc.GetIntervalSeconds() < 0 || hc.GetTimeoutSeconds() < 0 || hc.GetGracePeriodSeconds() < 0) {
		return nil, fmt.Errorf("task %s: health check durations must not be negative", t.TaskID.Value)
	}
	if kp := t.KillPolicy; kp != nil && kp.GracePeriod != nil && kp.GracePeriod.Nanoseconds < 0 {
		return nil, fmt.Errorf("task %s: kill policy grace period must not be negative", t.TaskID.Value)
	}
	if len(t.Resources) == 0 {
		return nil, fmt.Errorf("task %s uses no resources", t.TaskID.Value)
	}
	return st.normalize(t.Resources), nil
}

func (m *Master) addExecutor(st *accepted, ex *mesos.ExecutorInfo) {
	key := st.a.id + "/" + ex.ExecutorID.Value
	if st.f.executors[key] != nil {
		return
	}
	res := unallocated(st.normalize(ex.Resources))
	st.f.executors[key] = &executor{info: *ex, agentID: st.a.id, resources: res}
	st.a.used = plus(st.a.used, res...)
	st.a.forgetFree()
}

func (m *Master) addTask(st *accepted, t mesos.TaskInfo, executorID string) {
	res := unallocated(st.normalize(t.Resources))
	st.f.tasks[t.TaskID.Value] = &task{info: t, agentID: st.a.id, executorID: executorID, state: mesos.TASK_STAGING, resources: res}
	st.a.used = plus(st.a.used, res...)
	st.a.forgetFree()
}
