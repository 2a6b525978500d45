package api_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/api"
	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/offer"
	"github.com/kennel-sdk/kennel/servicespec"
)

// t0 is the fake's clock: fixed, so that golden bodies are stable.
var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// fakeScheduler drives a real plans.Set the way the scheduler's core does
// (action, then Settle) over a fixed task table: hello-0 runs, hello-1 is
// starting in the plans and paused in the pod table.
type fakeScheduler struct {
	mu       sync.Mutex
	set      *plans.Set
	tasks    []scheduler.TaskView
	outcomes []scheduler.StepOutcome
	fwID     string
	env      map[string]scheduler.InstanceEnv // by pod instance
}

func newFake(t testing.TB, errors ...string) *fakeScheduler {
	t.Helper()
	data, err := os.ReadFile("testdata/svc.yml")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := servicespec.Load("svc.yml", data, servicespec.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeScheduler{fwID: "fw-1", env: map[string]scheduler.InstanceEnv{
		"hello-0": {Values: map[string]string{"QUORUM": "0@a:1"}},
		"hello-1": {Values: map[string]string{"SEED": "s"}, Pending: "waiting for hello-2 to be placed"},
	}}
	world := plans.World{Spec: spec, Config: spec.ID(), Tasks: map[string]*plans.Task{}, Now: t0, Errors: errors}
	for i := range 2 {
		name := fmt.Sprintf("hello-%d-server", i)
		id := fmt.Sprintf("hello-world__%s__0000000%d-aaaa-4bbb-8ccc-dddddddddddd", name, i)
		world.Tasks[name] = &plans.Task{Name: name, Pod: "hello", Index: i, Spec: "server", ID: id,
			ConfigID: spec.ID(), State: plans.TaskRunning, Ready: true}
		if i == 1 { // still starting, as far as the plans know
			world.Tasks[name].State, world.Tasks[name].Ready = plans.TaskStarting, false
		}
		f.tasks = append(f.tasks, taskView(name, id, i, spec.ID()))
	}
	f.set = plans.New(world, plans.Intent{})
	f.set.Settle(t0)
	step := f.set.Plan(plans.DeployPlan).Phases[0].Steps[1]
	f.outcomes = []scheduler.StepOutcome{
		{Time: t0, Step: step.Name, StepID: step.ID, Refusals: []offer.Refusal{{OfferID: "O7", Hostname: "agent-2",
			Reasons: []string{"not enough cpus: 0.1 wanted, 0.05 offered"}}}},
		{Time: t0.Add(-time.Second), Step: "hello-0:[server]", StepID: "elsewhere", Accepted: "O3"},
	}
	return f
}

func taskView(name, id string, index int, config string) scheduler.TaskView {
	info := &mesos.TaskInfo{Name: name, TaskID: mesos.TaskID{Value: id}, AgentID: mesos.AgentID{Value: "agent-" + strconv.Itoa(index)},
		Labels: &mesos.Labels{Labels: []mesos.Label{
			{Key: offer.LabelHostname, Value: proto.String("10.0.0." + strconv.Itoa(index+1))},
			{Key: offer.LabelIndex, Value: proto.String(strconv.Itoa(index))},
			{Key: offer.LabelTargetConfig, Value: proto.String(config)},
			{Key: offer.LabelTaskType, Value: proto.String("hello")},
		}},
		Discovery: &mesos.DiscoveryInfo{Visibility: mesos.CLUSTER, Name: proto.String(name), Ports: &mesos.Ports{Ports: []mesos.Port{{
			Number: uint32(31000 + index), Name: proto.String("web"), Protocol: proto.String("tcp"), Visibility: mesos.EXTERNAL.Enum(),
			Labels: &mesos.Labels{Labels: []mesos.Label{{Key: offer.LabelVIPPrefix + "web", Value: proto.String("hello:80")}}},
		}}}},
	}
	v := scheduler.TaskView{Name: name, PodType: "hello", Instance: "hello-" + strconv.Itoa(index), Info: info, Live: true,
		Status: &mesos.TaskStatus{TaskID: info.TaskID, State: mesos.TASK_RUNNING.Enum(), Timestamp: proto.Float64(1.7e9)}}
	if index == 1 {
		v.Goal, v.PausedLaunch = scheduler.GoalPaused, true
	}
	return v
}

func (f *fakeScheduler) Snapshot() *wire.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := &wire.Snapshot{FrameworkID: f.fwID, PlanNames: f.set.Names(), Plans: map[string]*wire.PlanView{}}
	for _, p := range f.set.Plans() {
		s.Plans[p.Name] = wire.NewPlanView(p.Info())
	}
	return s
}

func (f *fakeScheduler) PlanCommand(_ context.Context, cmd plans.Command) (plans.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	res := cmd.Apply(f.set, t0)
	f.set.Settle(t0)
	return res, nil
}

func (f *fakeScheduler) InstanceEnv(_ context.Context, instance string) (scheduler.InstanceEnv, error) {
	env, ok := f.env[instance]
	if !ok {
		return scheduler.InstanceEnv{}, fmt.Errorf("%w %s", scheduler.ErrUnknownPod, instance)
	}
	return env, nil
}

func (f *fakeScheduler) Tasks(context.Context) ([]scheduler.TaskView, error) { return f.tasks, nil }

func (f *fakeScheduler) Outcomes(context.Context) ([]scheduler.StepOutcome, error) {
	return f.outcomes, nil
}

func (f *fakeScheduler) instance(name string) ([]string, error) {
	var out []string
	for _, t := range f.tasks {
		if t.Instance == name {
			out = append(out, t.Name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %w %s", api.ErrNotFound, scheduler.ErrUnknownPod, name)
	}
	return out, nil
}

func (f *fakeScheduler) PodRestart(_ context.Context, name string) ([]string, error) {
	return f.instance(name)
}

func (f *fakeScheduler) PodReplace(_ context.Context, name string) ([]string, error) {
	return f.instance(name)
}

func (f *fakeScheduler) PodPause(_ context.Context, name string, tasks []string) ([]string, error) {
	all, err := f.instance(name)
	if err != nil || len(tasks) == 0 {
		return all, err
	}
	for _, t := range tasks {
		if t != "server" && t != name+"-server" {
			return nil, fmt.Errorf("%w: %w %s in %s", api.ErrNotFound, scheduler.ErrUnknownTask, t, name)
		}
	}
	return []string{name + "-server"}, nil
}

func (f *fakeScheduler) PodResume(ctx context.Context, name string, tasks []string) ([]string, error) {
	return f.PodPause(ctx, name, tasks)
}

func (f *fakeScheduler) Template(_ context.Context, config, pod, task, name string) ([]byte, bool, error) {
	if pod == "hello" && task == "server" && name == "conf" {
		return []byte("motto={{MOTTO}}\n"), true, nil
	}
	return nil, false, nil
}

// fakeStore is the store's read side over maps.
type fakeStore struct {
	fwID, target string
	configs      map[string][]byte
	props        map[string][]byte
}

func newStore(fwID string) *fakeStore {
	return &fakeStore{fwID: fwID, target: "8f0e2a4c-1b3d-8e5f-9a7b-c1d2e3f4a5b6",
		configs: map[string][]byte{
			"8f0e2a4c-1b3d-8e5f-9a7b-c1d2e3f4a5b6": []byte(`{"name":"hello-world","pods":[]}`),
			"0a1b2c3d-4e5f-8a6b-8c7d-8e9fa0b1c2d3": []byte(`{"name":"hello-world","pods":[{"type":"hello"}]}`),
		},
		props: map[string][]byte{"last-completed-update-type": []byte("DEPLOY"), "ready:hello-0-server": []byte("hello-0-id")},
	}
}

func (s *fakeStore) FrameworkID() string { return s.fwID }
func (s *fakeStore) Target() string      { return s.target }
func (s *fakeStore) ConfigIDs() []string { return keys(s.configs) }
func (s *fakeStore) Config(id string) ([]byte, bool) {
	v, ok := s.configs[id]
	return v, ok
}
func (s *fakeStore) PropertyKeys() []string { return keys(s.props) }
func (s *fakeStore) Property(k string) ([]byte, bool) {
	v, ok := s.props[k]
	return v, ok
}

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
