package updatepreview

import (
	"strings"
	"testing"
)

// The app diff takes the installed app as Marathon returns it: fields only
// it has are Marathon's, but env and labels are compared in full.
func TestAppChanges(t *testing.T) {
	base := func() map[string]any {
		return map[string]any{
			"id": "/hw", "cpus": 0.5, "cmd": "run",
			"env":   map[string]any{"A": "1", "B": "2"},
			"fetch": []any{map[string]any{"uri": "http://x/k"}},
			"labels": map[string]any{"DCOS_SERVICE_NAME": "hw", "DCOS_PACKAGE_OPTIONS": "e30=",
				"DCOS_PACKAGE_DEFINITION": "old", "DCOS_PACKAGE_VERSION": "1.0"},
		}
	}
	cases := []struct {
		name      string
		installed func(m map[string]any)
		update    func(m map[string]any)
		want      []string // Change.String() of each change
		restarts  bool
	}{
		{"same", nil, nil, nil, false},
		{"a relative id is the absolute one", nil, func(m map[string]any) { m["id"] = "hw" }, nil, false},
		{"another id", nil, func(m map[string]any) { m["id"] = "other" }, []string{`id: "/hw" → "/other"`}, true},
		{"marathon's own fields are not changes",
			func(m map[string]any) {
				m["version"] = "2026-01-01T00:00:00Z"
				m["tasksRunning"] = 1
				m["fetch"].([]any)[0].(map[string]any)["destPath"] = "k"
			}, nil, nil, false},
		{"scheduler resources and command",
			nil, func(m map[string]any) { m["cpus"] = 1; m["cmd"] = "run --verbose" },
			[]string{`cmd: "run" → "run --verbose"`, "cpus: 0.5 → 1"}, true},
		{"a fetch URI", nil, func(m map[string]any) { m["fetch"].([]any)[0].(map[string]any)["uri"] = "http://y/k" },
			[]string{`fetch[0].uri: "http://x/k" → "http://y/k"`}, true},
		{"a fetch added", nil, func(m map[string]any) { m["fetch"] = append(m["fetch"].([]any), map[string]any{"uri": "u"}) },
			[]string{`fetch: [{"uri":"http://x/k"}] → [{"uri":"http://x/k"},{"uri":"u"}]`}, true},
		{"env removed and added", nil, func(m map[string]any) {
			env := m["env"].(map[string]any)
			delete(env, "A")
			env["C"] = "3"
		}, []string{`env.A: removed (was "1")`, `env.C: added "3"`}, true},
		{"env dropped altogether", nil, func(m map[string]any) { delete(m, "env") },
			[]string{`env.A: removed (was "1")`, `env.B: removed (was "2")`}, true},
		{"a label removed", nil, func(m map[string]any) { delete(m["labels"].(map[string]any), "DCOS_SERVICE_NAME") },
			[]string{`labels.DCOS_SERVICE_NAME: removed (was "hw")`}, true},
		{"package labels: only the version is shown, all restart",
			nil, func(m map[string]any) {
				l := m["labels"].(map[string]any)
				l["DCOS_PACKAGE_DEFINITION"], l["DCOS_PACKAGE_VERSION"] = "new", "1.1"
			}, []string{`labels.DCOS_PACKAGE_VERSION: "1.0" → "1.1"`}, true},
		{"options label alone restarts", nil, func(m map[string]any) { m["labels"].(map[string]any)["DCOS_PACKAGE_OPTIONS"] = "e30K" },
			nil, true},
		{"a new field", nil, func(m map[string]any) { m["constraints"] = []any{} }, []string{"constraints: added []"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := base(), base()
			if c.installed != nil {
				c.installed(a)
			}
			if c.update != nil {
				c.update(b)
			}
			r, err := appChanges(a, b)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ch := range r.Changes {
				got = append(got, ch.String())
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			if r.Restarts != c.restarts {
				t.Errorf("restarts %v, want %v", r.Restarts, c.restarts)
			}
		})
	}
}
