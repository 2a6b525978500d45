package servicespec

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kennel-sdk/kennel/servicespec/mustache"
	"github.com/kennel-sdk/kennel/servicespec/placement"
)

// LoadWithWarnings is Load, also returning warnings: what is legal but
// probably a mistake, located as errors are, in file order.
//
//   - A placement rule on an attribute that is neither hostname, @zone,
//     @region nor one of opts.Attributes (the cluster's agent attributes):
//     an agent without it refuses the pod. A close known name is suggested.
//   - A config template variable that no task environment provides: the
//     task's env, its ports' env keys, the variables the scheduler sets
//     (POD_INSTANCE_INDEX, TASK_NAME, FRAMEWORK_NAME…), MESOS_* variables
//     and TASKCFG_ALL_* / TASKCFG_<POD>_* values of opts.Env. A plan
//     parameter may still provide it at run time.
func LoadWithWarnings(file string, data []byte, opts LoadOptions) (*ServiceSpec, ErrorList, error) {
	spec, d, err := load(file, data, opts)
	if err != nil {
		return nil, nil, err
	}
	d.lint(spec, opts)
	return spec, d.warns.sorted(), nil
}

// warnAt records a warning at path.
func (d *decoder) warnAt(path, format string, args ...any) {
	path = d.userPath(path)
	d.warns = append(d.warns, &Error{File: d.file, Pos: d.lookupPos(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) lint(s *ServiceSpec, opts LoadOptions) {
	known := []string{placement.FieldHostname, placement.FieldZone, placement.FieldRegion}
	known = append(known, opts.Attributes...)
	for pi := range s.Pods {
		p := &s.Pods[pi]
		if c, err := placement.Parse(p.Placement); err == nil {
			for _, r := range c {
				if r.Field == "@hostname" || slices.Contains(known, r.Field) {
					continue
				}
				msg := fmt.Sprintf("placement attribute `%s` is not hostname, @zone or @region: an agent without a `%s` attribute refuses the pod", r.Field, r.Field)
				if s := suggest(r.Field, known); s != "" {
					msg += fmt.Sprintf("; did you mean `%s`?", s)
				}
				d.warnAt("pods."+p.Name+".placement", "%s", msg)
			}
		}
		for ti := range p.Tasks {
			d.lintTemplates(s, p, &p.Tasks[ti], opts.Env)
		}
	}
}

// schedulerEnv are the variables the scheduler sets in every task.
var schedulerEnv = []string{"TASK_NAME", "POD_INSTANCE_INDEX", "FRAMEWORK_NAME", "FRAMEWORK_HOST", "FRAMEWORK_VIP_HOST",
	"SCHEDULER_API_HOSTNAME", "SCHEDULER_API_PORT", "MESOS_CONTAINER_IP", "REGION", "ZONE"}

func (d *decoder) lintTemplates(s *ServiceSpec, p *PodSpec, t *TaskSpec, env map[string]string) {
	if len(t.Configs) == 0 {
		return
	}
	ctx := map[string]any{}
	for _, k := range schedulerEnv {
		ctx[k] = "x"
	}
	podPrefix := "TASKCFG_" + strings.ToUpper(strings.ReplaceAll(p.Name, "-", "_")) + "_"
	for k := range env {
		for _, prefix := range []string{"TASKCFG_ALL_", podPrefix} {
			if rest, ok := strings.CutPrefix(k, prefix); ok {
				ctx[rest] = "x"
			}
		}
	}
	for k := range t.Env {
		ctx[k] = "x"
	}
	for name, port := range p.TaskResources(t).Ports {
		key := port.EnvKey
		if key == "" {
			key = "PORT_" + upperEnvName(name)
		}
		ctx[key] = "x"
	}
	ctx[upperEnvName(p.Name+"-0-"+t.Name)] = "x"
	for name := range t.Configs {
		ctx["CONFIG_TEMPLATE_"+upperEnvName(name)] = "x"
	}
	for _, name := range slices.Sorted(maps.Keys(t.Configs)) {
		c := t.Configs[name]
		tmpl, err := mustache.Parse(c.Template, c.TemplateContent)
		if err != nil || c.TemplateContent == "" {
			continue
		}
		var missing []string
		for _, m := range tmpl.Render(ctx, mustache.Options{}).MissingNames() {
			if !strings.HasPrefix(m, "MESOS_") && m != "LIBPROCESS_IP" && m != "HOST" {
				missing = append(missing, m)
			}
		}
		if len(missing) > 0 {
			d.warnAt(taskPath(p, t)+".configs."+name+".template",
				"template %s uses %s, which no task environment provides (not the task's env, a port's env-key, TASKCFG_ALL_* nor %s*): it renders empty unless a plan parameter sets it",
				c.Template, strings.Join(missing, ", "), podPrefix)
		}
	}
}

// upperEnvName upper-cases a name and turns what a variable name cannot
// hold into '_', as the scheduler names port and task variables.
func upperEnvName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			return r
		}
		return '_'
	}, s)
}
