package servicespec

import (
	"testing"
	"testing/fstest"
)

// TestWarnings: legal but probably mistaken specs load, with warnings.
func TestWarnings(t *testing.T) {
	spec := func(placement, template string) string {
		return `name: svc
pods:
  app:
    count: 1
    placement: '` + placement + `'
    tasks:
      server:
        goal: RUNNING
        cmd: ./run
        cpus: 0.5
        memory: 256
        env:
          GREETING: hi
        ports:
          http:
            port: 0
        configs:
          conf:
            template: ` + template + `
            dest: app.conf
`
	}
	templates := fstest.MapFS{
		"good.mustache": {Data: []byte("{{GREETING}} {{PORT_HTTP}} {{POD_INSTANCE_INDEX}} {{FRAMEWORK_NAME}} {{MESOS_SANDBOX}} {{MOTTO}} {{TASK_NAME}}")},
		"bad.mustache":  {Data: []byte("{{GREETNG}} {{#MISSING_SECTION}}x{{/MISSING_SECTION}}")},
	}
	for _, tc := range []struct {
		name, placement, template string
		attributes                []string
		want                      []string
	}{
		{"clean", `[["hostname", "UNIQUE"], ["@zone", "GROUP_BY", "3"], ["@region", "IS", "r"]]`, "good.mustache", nil, nil},
		{"hostname typo", `[["hostnme", "UNIQUE"]]`, "good.mustache", nil, []string{
			"t.yml:5:16: pods.app.placement: placement attribute `hostnme` is not hostname, @zone or @region: an agent without a `hostnme` attribute refuses the pod; did you mean `hostname`?"}},
		{"zone typo", `[["@zon", "GROUP_BY", "3"]]`, "good.mustache", nil, []string{
			"t.yml:5:16: pods.app.placement: placement attribute `@zon` is not hostname, @zone or @region: an agent without a `@zon` attribute refuses the pod; did you mean `@zone`?"}},
		{"a known attribute", `[["rack", "UNIQUE"]]`, "good.mustache", []string{"rack"}, nil},
		{"a known attribute's typo", `[["rakc", "UNIQUE"]]`, "good.mustache", []string{"rack"}, []string{
			"t.yml:5:16: pods.app.placement: placement attribute `rakc` is not hostname, @zone or @region: an agent without a `rakc` attribute refuses the pod; did you mean `rack`?"}},
		{"template variables nothing provides", `[]`, "bad.mustache", nil, []string{
			"t.yml:19:23: pods.app.tasks.server.configs.conf.template: template bad.mustache uses GREETNG, which no task environment provides (not the task's env, a port's env-key, TASKCFG_ALL_* nor TASKCFG_APP_*): it renders empty unless a plan parameter sets it"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, warnings, err := LoadWithWarnings("t.yml", []byte(spec(tc.placement, tc.template)), LoadOptions{
				Env: map[string]string{"TASKCFG_APP_MOTTO": "m"}, Templates: templates, Attributes: tc.attributes})
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) != len(tc.want) {
				t.Fatalf("warnings %v, want %q", warnings, tc.want)
			}
			for i, w := range warnings {
				if w.Error() != tc.want[i] {
					t.Errorf("warning %q\n want %q", w.Error(), tc.want[i])
				}
			}
		})
	}
}
