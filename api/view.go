package api

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/offer"
)

// view builds the dashboard's document: the published Snapshot's plans
// and health, the stored tasks and their endpoints, the configurations,
// the latest offer outcome of each step that has not completed, and the
// latest build of each of the service's sections.
func (h *handler) view(ctx context.Context) (*wire.View, error) {
	snap := h.s.Snapshot()
	tasks, err := h.s.Tasks(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the tasks: %w", err)
	}
	outcomes, err := h.s.Outcomes(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the offer outcomes: %w", err)
	}
	v := &wire.View{Service: h.opts.Service, FrameworkID: snap.FrameworkID,
		Configs: []string{}, Plans: []wire.ViewPlan{}, Pods: []wire.ViewPod{}, Endpoints: []wire.ViewEndpoint{}, Waiting: []wire.ViewOfferSteps{}}
	v.Health, v.HealthReason = healthOf(snap)
	if h.opts.Store != nil {
		v.TargetConfig = h.opts.Store.Target()
		v.Configs = append(v.Configs, h.opts.Store.ConfigIDs()...)
	}
	unfinished := map[string]string{} // step id → plan name
	for _, name := range snap.PlanNames {
		p := snap.Plans[name]
		if p == nil {
			continue
		}
		info := p.Info()
		v.Plans = append(v.Plans, wire.ViewPlan{Name: name, PlanInfo: info})
		for _, ph := range info.Phases {
			for _, st := range ph.Steps {
				if st.Status != string(plans.Complete) {
					unfinished[st.ID] = name
				}
			}
		}
	}
	v.Pods = viewPods(tasks)
	eps := endpoints(h.opts.Service, tasks)
	for _, name := range slices.Sorted(maps.Keys(eps)) {
		v.Endpoints = append(v.Endpoints, wire.ViewEndpoint{Name: name, Endpoint: *eps[name]})
	}
	seen := map[string]bool{}
	for _, o := range wireOutcomes(outcomes) { // newest first
		plan, ok := unfinished[o.StepID]
		if !ok || seen[o.StepID] || len(o.Refusals) == 0 {
			continue
		}
		seen[o.StepID] = true
		v.Waiting = append(v.Waiting, wire.ViewOfferSteps{Plan: plan, StepOutcome: o})
	}
	now := time.Now()
	for _, s := range h.sections {
		v.Sections = append(v.Sections, s.current(now))
	}
	return v, nil
}

// viewPods groups the tasks (sorted by name) by pod instance.
func viewPods(tasks []scheduler.TaskView) []wire.ViewPod {
	out := []wire.ViewPod{}
	index := map[string]int{}
	for _, t := range tasks {
		i, ok := index[t.Instance]
		if !ok {
			i = len(out)
			index[t.Instance] = i
			out = append(out, wire.ViewPod{Type: t.PodType, Instance: t.Instance})
		}
		vt := wire.ViewTask{Name: t.Name, ID: t.Info.TaskID.Value, Status: displayStatus(t), Agent: t.Info.AgentID.Value}
		for _, l := range t.Info.GetLabels().GetLabels() {
			switch l.Key {
			case offer.LabelHostname:
				vt.Hostname = l.GetValue()
			case offer.LabelTargetConfig:
				vt.Config = l.GetValue()
			}
		}
		if t.Status != nil {
			vt.Message = t.Status.GetMessage()
			if t.Status.Healthy != nil {
				vt.Health = map[bool]string{true: "healthy", false: "unhealthy"}[*t.Status.Healthy]
			}
		}
		out[i].Tasks = append(out[i].Tasks, vt)
	}
	slices.SortStableFunc(out, func(a, b wire.ViewPod) int {
		if a.Instance < b.Instance {
			return -1
		}
		if a.Instance > b.Instance {
			return 1
		}
		return 0
	})
	return out
}
