package chaos_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/deploy/local"
	"github.com/kennel-sdk/kennel/deploy/local/master"
	"github.com/kennel-sdk/kennel/scheduler/offer"
	"github.com/kennel-sdk/kennel/scheduler/state"
)

// The invariants read the truth from the cluster (the master's state, the
// agents' disks) and the state store, never the scheduler's API.

// terminal are the task states of a task that no longer runs.
var terminal = map[string]bool{"TASK_FINISHED": true, "TASK_FAILED": true, "TASK_KILLED": true, "TASK_ERROR": true,
	"TASK_DROPPED": true, "TASK_GONE": true, "TASK_GONE_BY_OPERATOR": true, "TASK_LOST": true}

// world is one reading of the cluster.
type world struct {
	service string
	master  master.State
	agents  []local.AgentInfo
}

func (e *env) read() (world, error) {
	c, cancel := ctx()
	defer cancel()
	s, err := e.client.State(c)
	if err != nil {
		return world{}, fmt.Errorf("reading the master's state: %w", err)
	}
	a, err := e.client.Agents(c)
	if err != nil {
		return world{}, fmt.Errorf("listing the agents: %w", err)
	}
	return world{service: e.s.name, master: s, agents: a}, nil
}

// live are the service's tasks that may still run, by task name: every
// task not terminal on an agent that still exists under that id (a
// destroyed agent comes back under a new id, and its old tasks are dead
// whatever the master still says of them).
func (w world) live() map[string][]master.TaskState {
	current := map[string]bool{}
	for _, a := range w.agents {
		if a.ID != "" {
			current[a.ID] = true
		}
	}
	out := map[string][]master.TaskState{}
	for _, f := range w.master.Frameworks {
		if f.Name != w.service {
			continue
		}
		for _, t := range f.Tasks {
			if terminal[t.State] || !current[t.SlaveID] {
				continue
			}
			out[t.Name] = append(out[t.Name], t)
		}
	}
	return out
}

// running says whether each of names has exactly one task, RUNNING.
func (w world) running(names []string) bool {
	live := w.live()
	for _, n := range names {
		if ts := live[n]; len(ts) != 1 || ts[0].State != "TASK_RUNNING" {
			return false
		}
	}
	return true
}

// reserved lists the resource ids reserved on the agents, and the
// persistence ids of their volumes.
func (w world) reserved() (ids, volumes map[string]bool) {
	ids, volumes = map[string]bool{}, map[string]bool{}
	for _, a := range w.master.Slaves {
		for _, r := range a.ReservedResourcesFull {
			for _, id := range offer.ResourceIDs(&mesos.TaskInfo{Resources: []mesos.Resource{r}}) {
				ids[id] = true
			}
			if p := r.GetDisk().GetPersistence(); p != nil {
				volumes[p.ID] = true
			}
		}
	}
	return ids, volumes
}

// stored reads the task records without the lock, while a scheduler may
// be writing them.
func (e *env) stored() (map[string]mesos.TaskInfo, error) {
	c, cancel := ctx()
	defer cancel()
	url := e.direct
	if e.s.store == "file" {
		dir, err := e.copyState()
		defer os.RemoveAll(dir)
		if err != nil {
			return nil, err
		}
		url = "file://" + dir
	}
	s, err := state.Open(c, url, e.s.name, state.Options{SessionTimeout: 2 * time.Second})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if err := s.Load(c); err != nil {
		return nil, err
	}
	out := map[string]mesos.TaskInfo{}
	for _, name := range s.TaskNames() {
		rec, _, err := s.Task(name)
		if err != nil {
			return nil, err
		}
		var info mesos.TaskInfo
		if err := proto.Unmarshal(rec.Info, &info); err != nil {
			return nil, fmt.Errorf("task %s: %w", name, err)
		}
		out[name] = info
	}
	return out, nil
}

// claims are the resource ids and volume persistence ids the records claim.
func claims(tasks map[string]mesos.TaskInfo) (ids, volumes map[string]bool) {
	ids, volumes = map[string]bool{}, map[string]bool{}
	for _, info := range tasks {
		for _, id := range offer.ResourceIDs(&info) {
			ids[id] = true
		}
		for _, r := range info.Resources {
			if p := r.GetDisk().GetPersistence(); p != nil {
				volumes[p.ID] = true
			}
		}
	}
	return ids, volumes
}

// checker runs the invariants and counts them.
type checker struct {
	e      *env
	checks map[string]int
	// markers is what the campaign wrote to each instance's volume.
	markers map[int]string
	// cluster is the Kafka cluster id the brokers' disks name.
	cluster string
	// fresh are the instances replaced onto a new volume, where their
	// ONCE task does not run again.
	fresh map[int]bool
}

// violation is an invariant that did not hold.
type violation struct {
	invariant, detail string
}

func (v violation) String() string { return v.invariant + ": " + v.detail }

// count notes one run of an invariant.
func (c *checker) count(name string) { c.checks[name]++ }

// duringFault is what must hold at any moment, even mid-fault: no pod
// identity runs twice, and no two schedulers act.
func (c *checker) duringFault() []violation {
	w, err := c.e.read()
	if err != nil {
		return nil // the master may be failing over: nothing to read
	}
	return append(c.unique(w), c.oneScheduler(w)...)
}

// unique: never two live tasks with one pod identity.
func (c *checker) unique(w world) []violation {
	c.count("unique-pod-identity")
	var out []violation
	for name, ts := range w.live() {
		if len(ts) > 1 {
			var where []string
			for _, t := range ts {
				where = append(where, t.ID+"@"+t.SlaveID+" "+t.State)
			}
			out = append(out, violation{"unique-pod-identity", fmt.Sprintf("%s has %d live tasks: %s", name, len(ts), strings.Join(where, ", "))})
		}
	}
	return out
}

// oneScheduler: never two schedulers acting — one framework of the
// service, and at most one scheduler process that holds the lock.
func (c *checker) oneScheduler(w world) []violation {
	c.count("one-scheduler")
	var out []violation
	var ids []string
	for _, f := range w.master.Frameworks {
		if f.Name == w.service && f.Connected {
			ids = append(ids, f.ID)
		}
	}
	if len(ids) > 1 {
		out = append(out, violation{"one-scheduler", "the master has " + fmt.Sprint(len(ids)) + " connected frameworks of the service: " + strings.Join(ids, ", ")})
	}
	holders := 0
	for _, p := range []*proc{c.e.active, c.e.standby} {
		if p == nil || !p.alive() {
			continue
		}
		if p.url != "" || len(p.ready) > 0 {
			holders++
		}
	}
	if holders > 1 {
		out = append(out, violation{"one-scheduler", "two live scheduler processes both hold the lock"})
	}
	return out
}

// afterRecovery is what must hold once the deploy is COMPLETE again: the
// above, no reservation leaked, every stored volume still on its agent,
// the data written to the volumes still there (and on one disk per
// instance), and each ONCE task run once per instance. The leak check
// comes first: it waits for the scheduler's sweep, which also destroys
// the volume of a replaced instance.
func (c *checker) afterRecovery(count int, leakLimit time.Duration) []violation {
	out := c.noLeak(leakLimit)
	w, err := c.e.read()
	if err != nil {
		return append(out, violation{"cluster-readable", err.Error()})
	}
	out = append(out, c.unique(w)...)
	out = append(out, c.oneScheduler(w)...)
	out = append(out, c.volumesKept(w)...)
	out = append(out, c.dataKept(count)...)
	return out
}

// volumesKept: no volume destroyed that a live pod instance still owns.
func (c *checker) volumesKept(w world) []violation {
	c.count("volumes-kept")
	tasks, err := c.e.stored()
	if err != nil {
		return []violation{{"volumes-kept", "reading the task records: " + err.Error()}}
	}
	_, want := claims(tasks)
	_, have := w.reserved()
	var out []violation
	for _, id := range slices.Sorted(maps.Keys(want)) {
		if !have[id] {
			out = append(out, violation{"volumes-kept", "volume " + id + " of a stored task is on no agent"})
		}
	}
	return out
}

// volumeDir is the MOUNT disk that holds instance index's data, as the
// service's owner function reads the disks; more than one is an error
// (for Kafka: two disks with one broker identity). runs is how often its
// ONCE task ran there (-1: the service has none).
func (c *checker) volumeDir(index int) (dir string, runs int, err error) {
	mounts, _ := filepath.Glob(filepath.Join(c.e.dir, "cluster", "agents", "*", "disks", "mount-*"))
	var found []string
	for _, m := range mounts {
		if i, n := c.e.s.owner(m); i == index {
			found = append(found, m)
			runs = n
		}
	}
	switch len(found) {
	case 0:
		return "", 0, fmt.Errorf("no disk holds %s-%d's data", c.e.s.pod, index)
	case 1:
		return found[0], runs, nil
	}
	return "", 0, fmt.Errorf("%s-%d has data on %d disks: %v", c.e.s.pod, index, len(found), found)
}

// replaced forgets the marker of an instance an operator replaced: its
// volume, and the data on it, are given up; its ONCE task is not run
// again on the new one.
func (c *checker) replaced(index int) {
	delete(c.markers, index)
	c.fresh[index] = true
}

// dataKept: the marker written to each instance's volume is still there,
// the ONCE task ran once per instance, and (Kafka) every broker's disk
// names the cluster the first one did. An instance seen for the first
// time (or since it was replaced) gets its marker.
func (c *checker) dataKept(count int) []violation {
	c.count("data-kept")
	var out []violation
	for i := range count {
		dir, runs, err := c.volumeDir(i)
		if err != nil {
			out = append(out, violation{"data-kept", err.Error()})
			continue
		}
		if runs >= 0 {
			c.count("once-per-instance")
			want := 1
			if c.fresh[i] {
				want = 0
			}
			if runs != want {
				out = append(out, violation{"once-per-instance", fmt.Sprintf("%s-%d's ONCE task ran %d times on %s, want %d", c.e.s.pod, i, runs, dir, want)})
			}
		}
		if c.e.s.identity != nil {
			c.count("broker-identity")
			id, err := c.e.s.identity(dir)
			switch {
			case err != nil:
				out = append(out, violation{"broker-identity", err.Error()})
			case c.cluster == "":
				c.cluster = id
			case id != c.cluster:
				out = append(out, violation{"broker-identity", fmt.Sprintf("%s-%d's disk %s names cluster %s, not %s", c.e.s.pod, i, dir, id, c.cluster)})
			}
		}
		path := filepath.Join(dir, "chaos-marker")
		want, ok := c.markers[i]
		if !ok {
			want = fmt.Sprintf("%s-%d written at %s\n", c.e.s.pod, i, time.Now().UTC().Format(time.RFC3339Nano))
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				out = append(out, violation{"data-kept", err.Error()})
				continue
			}
			c.markers[i] = want
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != want {
			out = append(out, violation{"data-kept", fmt.Sprintf("%s-%d's marker on %s: %q, %v; want %q", c.e.s.pod, i, dir, got, err, want)})
		}
	}
	return out
}

// noLeak: once the plans are COMPLETE, the agents' reservations are exactly
// what the task records claim (after the scheduler's sweep).
func (c *checker) noLeak(limit time.Duration) []violation {
	c.count("no-leaked-reservation")
	var diff string
	ok := poll(limit, func() bool {
		tasks, err := c.e.stored()
		if err != nil {
			diff = err.Error()
			return false
		}
		w, err := c.e.read()
		if err != nil {
			diff = err.Error()
			return false
		}
		want, _ := claims(tasks)
		have, _ := w.reserved()
		var d []string
		for id := range have {
			if !want[id] {
				d = append(d, "leaked "+id)
			}
		}
		for id := range want {
			if !have[id] {
				d = append(d, "missing "+id)
			}
		}
		slices.Sort(d)
		diff = strings.Join(d, ", ")
		return len(d) == 0
	})
	if ok {
		return nil
	}
	return []violation{{"no-leaked-reservation", "after " + limit.String() + ": " + diff}}
}
