package plans

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Entries splits the intent into small keyed values, so that a store
// writes only what changed: one entry per plan, phase and step with intent,
// per task backoff, per recovery and per decommission. Keys are
// "deployed-config", "plan/<plan>", "plan/<plan>/phase/<id>",
// "plan/<plan>/step/<id>", "backoff/<task>", "recovery/<instance>",
// "decommission/<instance>" and "cleanup/<step id>".
func (in Intent) Entries() map[string][]byte {
	out := map[string][]byte{}
	put := func(key string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			panic("plans: intent does not marshal: " + err.Error())
		}
		out[key] = b
	}
	if in.DeployedConfig != "" {
		out["deployed-config"] = []byte(in.DeployedConfig)
	}
	for name, p := range in.Plans {
		head := *p
		head.Phases, head.Steps = nil, nil
		put("plan/"+name, head)
		for id, ph := range p.Phases {
			put("plan/"+name+"/phase/"+id, ph)
		}
		for id, st := range p.Steps {
			b, err := marshalStep(st)
			if err != nil {
				panic("plans: intent does not marshal: " + err.Error())
			}
			out["plan/"+name+"/step/"+id] = b
		}
	}
	for task, b := range in.Backoff {
		put("backoff/"+task, b)
	}
	for inst, r := range in.Recoveries {
		put("recovery/"+inst, r)
	}
	for inst, d := range in.Decommissions {
		put("decommission/"+inst, d)
	}
	for id, c := range in.Cleanups {
		put("cleanup/"+id, c)
	}
	return out
}

// IntentFromEntries is the inverse of Entries.
func IntentFromEntries(entries map[string][]byte) (Intent, error) {
	var in Intent
	for key, value := range entries {
		if err := in.setEntry(key, value); err != nil {
			return Intent{}, fmt.Errorf("plans: intent entry %q: %w", key, err)
		}
	}
	return in, nil
}

func (in *Intent) setEntry(key string, value []byte) error {
	kind, rest, _ := strings.Cut(key, "/")
	switch kind {
	case "deployed-config":
		in.DeployedConfig = string(value)
		return nil
	case "backoff":
		b := &Backoff{}
		if in.Backoff == nil {
			in.Backoff = map[string]*Backoff{}
		}
		in.Backoff[rest] = b
		return json.Unmarshal(value, b)
	case "recovery":
		r := &Recovery{}
		if in.Recoveries == nil {
			in.Recoveries = map[string]*Recovery{}
		}
		in.Recoveries[rest] = r
		return json.Unmarshal(value, r)
	case "decommission":
		d := &Decommission{}
		if in.Decommissions == nil {
			in.Decommissions = map[string]*Decommission{}
		}
		in.Decommissions[rest] = d
		return json.Unmarshal(value, d)
	case "cleanup":
		c := &Cleanup{}
		if in.Cleanups == nil {
			in.Cleanups = map[string]*Cleanup{}
		}
		in.Cleanups[rest] = c
		return json.Unmarshal(value, c)
	case "plan":
		return in.setPlanEntry(rest, value)
	}
	return fmt.Errorf("unknown kind %q", kind)
}

func (in *Intent) setPlanEntry(rest string, value []byte) error {
	parts := strings.Split(rest, "/")
	p := in.plan(parts[0])
	switch {
	case len(parts) == 1:
		var head PlanIntent
		if err := json.Unmarshal(value, &head); err != nil {
			return err
		}
		p.Config, p.Interrupted, p.Parameters = head.Config, head.Interrupted, head.Parameters
		return nil
	case len(parts) == 3 && parts[1] == "phase":
		return json.Unmarshal(value, p.phase(parts[2]))
	case len(parts) == 3 && parts[1] == "step":
		return json.Unmarshal(value, p.step(parts[2]))
	}
	return fmt.Errorf("malformed plan key")
}

// EntryChanges compares two sets of entries and returns those to write
// and the keys to delete (sorted, so that the same change is the same
// batch every time), so that a store holding before ends up holding
// after.
func EntryChanges(before, after map[string][]byte) (put map[string][]byte, del []string) {
	put = map[string][]byte{}
	for k, v := range after {
		if old, ok := before[k]; !ok || string(old) != string(v) {
			put[k] = v
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			del = append(del, k)
		}
	}
	sort.Strings(del)
	return put, del
}
