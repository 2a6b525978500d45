package placement

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	host := func(h, zone string) Agent {
		return Agent{Hostname: h, Zone: zone, Region: "r1", Attributes: map[string]string{"rack": "rack-" + h}}
	}
	a1, a2, a3 := host("a1", "z1"), host("a2", "z2"), host("a3", "z3")
	bare := Agent{Hostname: "bare"}
	for _, tc := range []struct {
		rules     string
		candidate Agent
		placed    []Agent
		refusal   string // "" = allowed
	}{
		{"hostname:UNIQUE", a1, []Agent{a2}, ""},
		{"hostname:UNIQUE", a1, []Agent{a1}, `hostname "a1" already runs an instance`},
		{"@zone:GROUP_BY:3", a1, []Agent{a1, a2}, "already runs 1 instances, another value only 0"},
		{"@zone:GROUP_BY:3", a3, []Agent{a1, a2}, ""},
		{"@zone:GROUP_BY", a1, []Agent{a1, a2}, ""},
		{"@zone:GROUP_BY", a1, []Agent{a1, a1, a2}, "already runs 2 instances"},
		{"@zone:CLUSTER:z2", a1, nil, `@zone is "z1", not "z2"`},
		{"@zone:CLUSTER", a1, []Agent{a2}, `the other instances run where @zone is "z2"`},
		{"@zone:CLUSTER", a1, []Agent{a1}, ""},
		{"rack:LIKE:rack-a[12]", a1, nil, ""},
		{"rack:LIKE:rack-a[12]", a3, nil, `rack "rack-a3" does not qualify`},
		{"rack:UNLIKE:rack-a3", a3, nil, "does not qualify"},
		{"rack:UNLIKE:rack-a3", bare, nil, ""},
		{"rack:IS:rack-a1", bare, nil, "the agent has no rack"},
		{"hostname:MAX_PER:2", a1, []Agent{a1}, ""},
		{"hostname:MAX_PER:2", a1, []Agent{a1, a1}, "already runs 2 instances"},
		{"@region:IS:r1,@zone:IS_NOT:z1", a1, nil, "@zone:IS_NOT:z1"},
		{"@region:IS:r1,@zone:IS_NOT:z1", a2, nil, ""},
	} {
		c, err := Parse(tc.rules)
		if err != nil {
			t.Fatalf("%s: %v", tc.rules, err)
		}
		err = c.Check(tc.candidate, tc.placed)
		switch {
		case tc.refusal == "" && err != nil:
			t.Errorf("%s on %s: refused: %v", tc.rules, tc.candidate.Hostname, err)
		case tc.refusal != "" && (err == nil || !strings.Contains(err.Error(), tc.refusal)):
			t.Errorf("%s on %s: got %v, want a refusal with %q", tc.rules, tc.candidate.Hostname, err, tc.refusal)
		}
	}
}
