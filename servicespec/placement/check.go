package placement

import (
	"fmt"
	"regexp"
	"strconv"
)

// Agent is what rules read of an agent: its hostname, fault domain and
// attributes.
type Agent struct {
	Hostname   string
	Region     string
	Zone       string
	Attributes map[string]string
}

// value is the agent's value of field, and whether it has one.
func (a Agent) value(field string) (string, bool) {
	switch field {
	case FieldHostname:
		return a.Hostname, a.Hostname != ""
	case FieldZone:
		return a.Zone, a.Zone != ""
	case FieldRegion:
		return a.Region, a.Region != ""
	}
	v, ok := a.Attributes[field]
	return v, ok
}

// Check reports whether a pod instance may be placed on candidate, given
// the agents the other instances of its pod type run on (one entry per
// instance). The error names the first rule that refuses, in words fit for
// a step's reason. Marathon's semantics:
//
//	UNIQUE        no other instance shares the candidate's value
//	CLUSTER v     the value is v; without v, the value all others have
//	GROUP_BY [n]  the candidate's value holds no more instances than any
//	              other value (with n, values not seen yet count as empty)
//	LIKE re       the value matches re (whole); UNLIKE: it does not
//	MAX_PER n     fewer than n other instances share the value
//	IS v          the value is v; IS_NOT: it is not
//
// An agent without the field fails every rule but UNLIKE and IS_NOT.
func (c Constraints) Check(candidate Agent, placed []Agent) error {
	for _, r := range c {
		if err := r.check(candidate, placed); err != nil {
			return fmt.Errorf("placement rule %s: %w", r, err)
		}
	}
	return nil
}

func (r Rule) check(candidate Agent, placed []Agent) error {
	v, ok := candidate.value(r.Field)
	if !ok {
		if r.Operator == Unlike || r.Operator == IsNot {
			return nil
		}
		return fmt.Errorf("the agent has no %s", r.Field)
	}
	counts := map[string]int{}
	for _, p := range placed {
		if pv, ok := p.value(r.Field); ok {
			counts[pv]++
		}
	}
	switch r.Operator {
	case Unique:
		if counts[v] > 0 {
			return fmt.Errorf("%s %q already runs an instance", r.Field, v)
		}
	case Cluster:
		return r.checkCluster(v, counts)
	case GroupBy:
		return r.checkGroupBy(v, counts)
	case Like, Unlike:
		re, err := regexp.Compile("^(?:" + r.Value + ")$")
		if err != nil {
			return err
		}
		if re.MatchString(v) != (r.Operator == Like) {
			return fmt.Errorf("%s %q does not qualify", r.Field, v)
		}
	case MaxPer:
		n, err := strconv.Atoi(r.Value)
		if err != nil {
			return err
		}
		if counts[v] >= n {
			return fmt.Errorf("%s %q already runs %d instances", r.Field, v, counts[v])
		}
	case Is:
		if v != r.Value {
			return fmt.Errorf("%s is %q", r.Field, v)
		}
	case IsNot:
		if v == r.Value {
			return fmt.Errorf("%s is %q", r.Field, v)
		}
	}
	return nil
}

func (r Rule) checkCluster(v string, counts map[string]int) error {
	if r.HasValue && r.Value != "" {
		if v != r.Value {
			return fmt.Errorf("%s is %q, not %q", r.Field, v, r.Value)
		}
		return nil
	}
	for other := range counts {
		if other != v {
			return fmt.Errorf("the other instances run where %s is %q", r.Field, other)
		}
	}
	return nil
}

func (r Rule) checkGroupBy(v string, counts map[string]int) error {
	least := counts[v]
	for _, n := range counts {
		least = min(least, n)
	}
	if r.HasValue {
		if groups, err := strconv.Atoi(r.Value); err == nil && len(counts) < groups {
			least = 0 // some of the groups hold no instance yet
			if _, seen := counts[v]; !seen {
				return nil
			}
		}
	}
	if counts[v] > least {
		return fmt.Errorf("%s %q already runs %d instances, another value only %d", r.Field, v, counts[v], least)
	}
	return nil
}

// String is the rule in the Marathon UI form.
func (r Rule) String() string {
	if r.HasValue {
		return r.Field + ":" + string(r.Operator) + ":" + r.Value
	}
	return r.Field + ":" + string(r.Operator)
}
