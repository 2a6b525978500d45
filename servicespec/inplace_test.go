package servicespec

import (
	"reflect"
	"testing"
)

// inPlaceSpec is a pod whose server task has a dynamic and a static
// variable, and a second pod with the same dynamic variable.
const inPlaceSpec = `name: svc
pods:
  app:
    count: 2
    tasks:
      server:
        goal: RUNNING
        cmd: ./server
        cpus: {{APP_CPUS}}
        memory: 256
        env:
          DYNAMIC: '{{DYNAMIC}}'
          STATIC: '{{STATIC}}'
{{#EXTRA}}
          EXTRA: '{{EXTRA}}'
{{/EXTRA}}
  other:
    count: 1
    tasks:
      node:
        goal: RUNNING
        cmd: ./node
        cpus: 0.1
        memory: 64
        env:
          DYNAMIC: '{{OTHER_DYNAMIC}}'
`

func TestUpdateInPlace(t *testing.T) {
	base := map[string]string{"APP_CPUS": "0.5", "DYNAMIC": "1", "STATIC": "a", "EXTRA": "", "OTHER_DYNAMIC": "1"}
	// Only pod app's server task applies DYNAMIC and EXTRA itself, and
	// DYNAMIC only while it stays under 10.
	inPlace := func(pod, task, key, _, new string) bool {
		return pod == "app" && task == "server" && (key == "DYNAMIC" && len(new) < 2 || key == "EXTRA")
	}
	cases := []struct {
		name    string
		changes map[string]string
		inPlace InPlaceFunc
		want    []string
	}{
		{"nothing changes", nil, inPlace, []string{"app-0:none", "app-1:none", "other-0:none"}},
		{"dynamic only", map[string]string{"DYNAMIC": "2"}, inPlace, []string{"app-0:in-place", "app-1:in-place", "other-0:none"}},
		{"dynamic variable added", map[string]string{"EXTRA": "x"}, inPlace, []string{"app-0:in-place", "app-1:in-place", "other-0:none"}},
		{"value the service refuses in place", map[string]string{"DYNAMIC": "10"}, inPlace, []string{"app-0:restart", "app-1:restart", "other-0:none"}},
		{"dynamic and static", map[string]string{"DYNAMIC": "2", "STATIC": "b"}, inPlace, []string{"app-0:restart", "app-1:restart", "other-0:none"}},
		{"dynamic and resources", map[string]string{"DYNAMIC": "2", "APP_CPUS": "1"}, inPlace, []string{"app-0:restart", "app-1:restart", "other-0:none"}},
		{"same key in a pod that restarts for it", map[string]string{"DYNAMIC": "2", "OTHER_DYNAMIC": "2"}, inPlace, []string{"app-0:in-place", "app-1:in-place", "other-0:restart"}},
		{"no in-place function", map[string]string{"DYNAMIC": "2"}, nil, []string{"app-0:restart", "app-1:restart", "other-0:none"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range c.changes {
				env[k] = v
			}
			prev, err := Load("svc.yml", []byte(inPlaceSpec), LoadOptions{Env: base})
			if err != nil {
				t.Fatal(err)
			}
			next, err := Load("svc.yml", []byte(inPlaceSpec), LoadOptions{Env: env})
			if err != nil {
				t.Fatal(err)
			}
			u := CompareUpdate(prev, next)
			u.InPlace(prev, next, c.inPlace)
			if got := actions(u); !reflect.DeepEqual(got, c.want) {
				t.Errorf("actions = %v, want %v", got, c.want)
			}
			for _, iu := range u.Instances {
				if iu.Action == ActionInPlace && len(iu.Reasons) == 0 {
					t.Errorf("%s is in place without its reasons", iu.Instance)
				}
			}
			// The specs are left as they were.
			if prev.ID() == next.ID() != (len(c.changes) == 0) {
				t.Errorf("spec ids: prev %s next %s", prev.ID(), next.ID())
			}
		})
	}
}

// TestUpdateInPlaceRefused: a refused update stays refused, with no
// instance.
func TestUpdateInPlaceRefused(t *testing.T) {
	base := map[string]string{"APP_CPUS": "0.5", "DYNAMIC": "1", "STATIC": "a", "OTHER_DYNAMIC": "1"}
	prev, err := Load("svc.yml", []byte(inPlaceSpec), LoadOptions{Env: base})
	if err != nil {
		t.Fatal(err)
	}
	next, err := Load("svc.yml", []byte("name: other\n"+inPlaceSpec[len("name: svc\n"):]), LoadOptions{Env: base})
	if err != nil {
		t.Fatal(err)
	}
	u := CompareUpdate(prev, next)
	u.InPlace(prev, next, func(string, string, string, string, string) bool { return true })
	if u.Allowed() || len(u.Instances) != 0 {
		t.Fatalf("update = %+v, want refused without instances", u)
	}
}
