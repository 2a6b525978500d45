package plans

import (
	"fmt"
	"strings"
	"time"

	"github.com/kennel-sdk/kennel/servicespec"
)

// fixture drives a Set the way the scheduler does: it keeps the task table
// and the stored intent, and rebuilds the Set from them on demand.
// tb is what the fixture needs of *testing.T and *rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

type fixture struct {
	t     tb
	spec  *servicespec.ServiceSpec
	world World
	set   *Set
	now   time.Time
	seq   int
}

func loadSpec(t tb, text string) *servicespec.ServiceSpec {
	t.Helper()
	spec, err := servicespec.Load("svc.yml", []byte(text), servicespec.LoadOptions{})
	if err != nil {
		t.Fatalf("spec: %v", err)
	}
	return spec
}

func newFixture(t tb, specText string) *fixture {
	t.Helper()
	spec := loadSpec(t, specText)
	f := &fixture{t: t, spec: spec, now: t0}
	f.world = World{Spec: spec, Config: spec.ID(), Tasks: map[string]*Task{}, Now: t0}
	f.set = New(f.world, Intent{})
	return f
}

// tick advances the clock by d.
func (f *fixture) tick(d time.Duration) {
	f.now = f.now.Add(d)
	f.set.Advance(f.now)
}

// settle is what the scheduler does after each batch of events.
func (f *fixture) settle() { f.set.Settle(f.now) }

// restart rebuilds the Set from the stored intent and tasks, as a
// restarted scheduler does.
func (f *fixture) restart() {
	f.world.Now = f.now
	f.world.Tasks = map[string]*Task{}
	for name, t := range f.set.world.Tasks {
		c := *t
		f.world.Tasks[name] = &c
	}
	f.set = New(f.world, f.set.Intent())
}

// changeSpec makes text the new target configuration.
func (f *fixture) changeSpec(text string) {
	f.spec = loadSpec(f.t, text)
	f.world.Spec, f.world.Config = f.spec, f.spec.ID()
	f.restart()
}

// relabel moves every task to the target configuration, as the scheduler
// does for pods an update does not change.
func (f *fixture) relabel() {
	for _, t := range f.set.world.Tasks {
		c := *t
		c.ConfigID = f.world.Config
		f.set.UpdateTask(c, f.now)
	}
}

func (f *fixture) step(plan, name string) *Step {
	f.t.Helper()
	p := f.set.Plan(plan)
	if p == nil {
		f.t.Fatalf("no plan %s", plan)
	}
	for _, ph := range p.Phases {
		for _, st := range ph.Steps {
			if st.Name == name {
				return st
			}
		}
	}
	f.t.Fatalf("no step %s in %s:\n%s", name, plan, p.Info().Tree(plan))
	return nil
}

// launch prepares and launches a step: its tasks get new ids on the target
// configuration (recovery steps keep their configuration) in TASK_STAGING.
func (f *fixture) launch(st *Step) {
	f.t.Helper()
	if err := f.set.Prepared(st.ID, f.now); err != nil {
		f.t.Fatal(err)
	}
	ids := make([]string, len(st.taskNames))
	for i, name := range st.taskNames {
		f.seq++
		ids[i] = fmt.Sprintf("%s__%d", name, f.seq)
	}
	if err := f.set.Launched(st.ID, ids, f.now); err != nil {
		f.t.Fatal(err)
	}
	for i, name := range st.taskNames {
		cfg := f.world.Config
		if old := f.set.world.Tasks[name]; old != nil && st.Recovery != "" {
			cfg = old.ConfigID
		}
		f.set.UpdateTask(Task{Name: name, Pod: st.Pod, Index: st.Index, Spec: st.Tasks[i], ID: ids[i],
			ConfigID: cfg, State: TaskStaging, LaunchedAt: f.now, UpdatedAt: f.now,
			Resources: []Resource{{ID: "res-" + name, Reserved: true}}}, f.now)
	}
}

// update sets the state of a launched task.
func (f *fixture) update(task string, state TaskState, ready bool, message string) {
	f.t.Helper()
	old := f.set.world.Tasks[task]
	if old == nil {
		f.t.Fatalf("task %s was never launched", task)
	}
	t := *old
	t.State, t.Ready, t.Message, t.UpdatedAt = state, ready, message, f.now
	f.set.UpdateTask(t, f.now)
}

// deployAll runs every candidate of a plan to completion, tasks reaching
// their goal, until nothing is left to do.
func (f *fixture) deployAll() {
	for i := 0; i < 1000; i++ {
		cands := f.set.Candidates()
		if len(cands) == 0 {
			return
		}
		for _, st := range cands {
			f.launch(st)
			for j, name := range st.taskNames {
				if st.goals[j] == goalRunning {
					f.update(name, TaskRunning, true, "")
				} else {
					f.update(name, TaskFinished, false, "")
				}
			}
		}
		f.settle()
	}
	f.t.Fatal("deployAll does not converge")
}

// statuses lists plan, phase and step statuses in one string, for
// comparisons.
func (s *Set) statuses() string {
	var b strings.Builder
	for _, p := range s.Plans() {
		fmt.Fprintf(&b, "%s=%s(%s)", p.Name, p.Status, p.ID)
		for _, ph := range p.Phases {
			fmt.Fprintf(&b, " [%s=%s(%s)", ph.Name, ph.Status, ph.ID)
			for _, st := range ph.Steps {
				fmt.Fprintf(&b, " %s=%s/%s(%s) %q", st.Name, st.Status, st.Display, st.ID, st.Reason)
			}
			b.WriteString("]")
		}
		b.WriteString("\n")
	}
	return b.String()
}

const helloSpec = `name: hello
pods:
  hello:
    count: 2
    tasks:
      init:
        goal: ONCE
        cmd: ./init
        cpus: 0.1
        memory: 32
      server:
        goal: RUNNING
        cmd: ./server
        cpus: 0.5
        memory: 64
        readiness-check:
          cmd: ./ready
      sidecar:
        goal: RUNNING
        essential: false
        cmd: ./sidecar
        cpus: 0.1
        memory: 32
  world:
    count: 1
    allow-decommission: true
    tasks:
      server:
        goal: RUNNING
        cmd: ./world
        cpus: 0.1
        memory: 32
plans:
  deploy:
    strategy: serial
    phases:
      hello:
        pod: hello
        steps:
          - default: [[init], [server, sidecar]]
      world:
        pod: world
  backup:
    phases:
      backup:
        strategy: parallel
        pod: hello
        steps:
          - default: [[init]]
`
