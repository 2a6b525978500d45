package servicespec

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// baseSpec is a two-pod spec whose fields the cases below replace.
const baseSpec = `name: svc
scheduler:
  user: root
pods:
  app:
    count: {{APP_COUNT}}
    allow-decommission: {{APP_ALLOW}}
    placement: '{{{APP_PLACEMENT}}}'
    pre-reserved-role: '{{APP_ROLE}}'
    tasks:
      init:
        goal: ONCE
        cmd: {{INIT_CMD}}
        cpus: 0.1
        memory: 32
      server:
        goal: RUNNING
        cmd: ./server
        cpus: {{APP_CPUS}}
        memory: 256
        volume:
          path: {{VOL_PATH}}
          type: {{VOL_TYPE}}
          size: {{VOL_SIZE}}
{{#CACHE}}
  cache:
    count: 1
    tasks:
      node:
        goal: RUNNING
        cmd: ./cache
        cpus: 0.1
        memory: 64
{{/CACHE}}
`

func baseEnv() map[string]string {
	return map[string]string{
		"APP_COUNT": "2", "APP_ALLOW": "false", "APP_PLACEMENT": "", "APP_ROLE": "*", "INIT_CMD": "./init",
		"APP_CPUS": "0.5", "VOL_PATH": "data", "VOL_TYPE": "MOUNT", "VOL_SIZE": "100", "CACHE": "true",
	}
}

func specWith(t *testing.T, changes map[string]string, text string) *ServiceSpec {
	t.Helper()
	env := baseEnv()
	for k, v := range changes {
		env[k] = v
	}
	s, err := Load("svc.yml", []byte(text), LoadOptions{Env: env, AcceptUnsupported: true}) // networks: the whole language
	if err != nil {
		t.Fatalf("spec does not load: %v", err)
	}
	return s
}

// actions summarises an update as "instance:action" strings.
func actions(u Update) []string {
	var out []string
	for _, i := range u.Instances {
		out = append(out, fmt.Sprintf("%s:%s", i.Instance, i.Action))
	}
	return out
}

func TestCompareUpdate(t *testing.T) {
	tests := []struct {
		name       string
		prev, next map[string]string
		nextText   string // replaces baseSpec for next when set
		forbidden  []string
		actions    []string
		reasons    []string // reasons of app-0
		notices    []string
	}{
		{
			name:    "no change",
			actions: []string{"app-0:none", "app-1:none", "cache-0:none"},
		},
		{
			name:    "resource change restarts every instance",
			next:    map[string]string{"APP_CPUS": "1"},
			actions: []string{"app-0:restart", "app-1:restart", "cache-0:none"},
			reasons: []string{"tasks.server.cpus: 0.5 → 1"},
		},
		{
			name:    "scale up launches new instances only",
			next:    map[string]string{"APP_COUNT": "4"},
			actions: []string{"app-0:none", "app-1:none", "app-2:launch", "app-3:launch", "cache-0:none"},
		},
		{
			name:      "scale down needs allow-decommission",
			next:      map[string]string{"APP_COUNT": "1"},
			forbidden: []string{"pods.app.count: cannot shrink from 2 to 1: set `allow-decommission: true` on the pod to allow decommissioning instances"},
		},
		{
			name:    "scale down with allow-decommission",
			next:    map[string]string{"APP_COUNT": "1", "APP_ALLOW": "true"},
			actions: []string{"app-0:none", "app-1:decommission", "cache-0:none"},
		},
		{
			name:      "volume size is fixed",
			next:      map[string]string{"VOL_SIZE": "200"},
			forbidden: []string{`pods.app.tasks.server.volumes: the size of the volume at "data" cannot change (100 → 200 MB)`},
		},
		{
			name:      "volume type is fixed",
			next:      map[string]string{"VOL_TYPE": "ROOT"},
			forbidden: []string{`pods.app.tasks.server.volumes: the type of the volume at "data" cannot change (MOUNT → ROOT)`},
		},
		{
			name: "volume path is fixed",
			next: map[string]string{"VOL_PATH": "data2"},
			forbidden: []string{
				`pods.app.tasks.server.volumes: the volume at "data" cannot be removed: volumes cannot change once deployed`,
				`pods.app.tasks.server.volumes: a volume at "data2" cannot be added: volumes cannot change once deployed`,
			},
		},
		{
			name:      "pod type cannot be removed without allow-decommission",
			next:      map[string]string{"CACHE": "false"},
			forbidden: []string{"pods.cache: pod type `cache` cannot be removed: it does not set `allow-decommission: true`"},
		},
		{
			name:    "new pod type launches",
			prev:    map[string]string{"CACHE": "false"},
			actions: []string{"app-0:none", "app-1:none", "cache-0:launch"},
		},
		{
			name:      "pre-reserved role is fixed",
			next:      map[string]string{"APP_ROLE": "slave_public"},
			forbidden: []string{"pods.app.pre-reserved-role: cannot change (* → slave_public): instances hold resources reserved from the old role"},
		},
		{
			name:     "user, principal and name are fixed",
			nextText: strings.Replace(strings.Replace(baseSpec, "user: root", "user: nobody\n  principal: other", 1), "name: svc", "name: svc2", 1),
			forbidden: []string{
				"name: cannot change (svc → svc2): a service with another name is another service",
				"scheduler.user: cannot change (root → nobody): files on the persistent volumes belong to the old user",
				"scheduler.principal: cannot change (svc-principal → other): the service's reservations are held by the old principal",
			},
		},
		{
			name:    "placement applies to new and replaced pods only",
			next:    map[string]string{"APP_PLACEMENT": "hostname:UNIQUE"},
			actions: []string{"app-0:none", "app-1:none", "cache-0:none"},
			notices: []string{"pods.app.placement changed: it applies to new and replaced instances only; running instances stay where they are until replaced (kennel pod replace app-<index>)"},
		},
		{
			name:    "a ONCE task never runs again",
			next:    map[string]string{"INIT_CMD": "./init-v2"},
			actions: []string{"app-0:none", "app-1:none", "cache-0:none"},
			notices: []string{"pods.app.tasks.init changed, but goal ONCE tasks never run again on existing instances"},
		},
		{
			name:     "a FINISH task runs again",
			nextText: strings.Replace(baseSpec, "goal: ONCE", "goal: FINISH", 1),
			actions:  []string{"app-0:restart", "app-1:restart", "cache-0:none"},
			reasons:  []string{`tasks.init.goal: "ONCE" → "FINISH"`},
		},
		{
			name:    "allow-decommission alone restarts nothing",
			next:    map[string]string{"APP_ALLOW": "true"},
			actions: []string{"app-0:none", "app-1:none", "cache-0:none"},
		},
		{
			name:     "a command change is reported without its text",
			nextText: strings.Replace(baseSpec, "cmd: ./server", "cmd: |\n          ./server\n          --verbose", 1),
			actions:  []string{"app-0:restart", "app-1:restart", "cache-0:none"},
			reasons:  []string{"tasks.server.cmd changed"},
		},
		{
			name:     "an added env variable is named",
			nextText: strings.Replace(baseSpec, "memory: 256", "memory: 256\n        env:\n          MODE: fast", 1),
			actions:  []string{"app-0:restart", "app-1:restart", "cache-0:none"},
			reasons:  []string{"tasks.server.env added"},
		},
		{
			name:      "switching to a virtual network is forbidden",
			nextText:  strings.Replace(baseSpec, "    tasks:\n      init:", "    networks:\n      dcos:\n    tasks:\n      init:", 1),
			forbidden: []string{"pods.app.networks: cannot switch between the host network and virtual networks: the ports reserved on the agents would no longer match"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prev := specWith(t, tc.prev, baseSpec)
			text := baseSpec
			if tc.nextText != "" {
				text = tc.nextText
			}
			next := specWith(t, tc.next, text)
			u := CompareUpdate(prev, next)
			var forbidden []string
			for _, v := range u.Forbidden {
				forbidden = append(forbidden, v.String())
			}
			if !reflect.DeepEqual(forbidden, tc.forbidden) {
				t.Errorf("forbidden =\n%q\nwant\n%q", forbidden, tc.forbidden)
			}
			if u.Allowed() != (len(tc.forbidden) == 0) {
				t.Errorf("Allowed() = %v with %d violations", u.Allowed(), len(u.Forbidden))
			}
			if got := actions(u); !reflect.DeepEqual(got, tc.actions) {
				t.Errorf("actions = %q, want %q", got, tc.actions)
			}
			if tc.reasons != nil && !reflect.DeepEqual(u.Instances[0].Reasons, tc.reasons) {
				t.Errorf("reasons = %q, want %q", u.Instances[0].Reasons, tc.reasons)
			}
			if !reflect.DeepEqual(u.Notices, tc.notices) {
				t.Errorf("notices = %q, want %q", u.Notices, tc.notices)
			}
		})
	}
}

func TestCompareUpdateConfigTemplate(t *testing.T) {
	text := strings.Replace(baseSpec, "memory: 256", "memory: 256\n        configs:\n          main:\n            template: t\n            dest: conf\n            template-content: {{TEMPLATE}}", 1)
	prev := specWith(t, map[string]string{"TEMPLATE": "a={{A}}"}, text)
	next := specWith(t, map[string]string{"TEMPLATE": "a={{A}} b={{B}}"}, text)
	u := CompareUpdate(prev, next)
	if got := u.Instances[0].Reasons; !reflect.DeepEqual(got, []string{`tasks.server.configs.main.template-content: "a={{A}}" → "a={{A}} b={{B}}"`}) {
		t.Errorf("reasons = %q", got)
	}
	if prev.ID() == next.ID() {
		t.Error("a template change must change the configuration id")
	}
}
