package app

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// TaskEnv is the environment Marathon gives a task of a (Marathon's
// TaskBuilder and EnvironmentHelper): the app's env, then the ports
// (PORT0…, PORT, PORTS, PORT_<NAME>, PORT_<requested>), HOST, MESOS_TASK_ID,
// MARATHON_APP_ID, MARATHON_APP_VERSION, MARATHON_APP_RESOURCE_*,
// MARATHON_APP_LABELS and MARATHON_APP_LABEL_*. ports are the host ports
// given to the task, one per port definition.
func TaskEnv(a *App, version, taskID, host string, ports []int) map[string]string {
	env := map[string]string{}
	for k, v := range a.Env {
		env[k] = v
	}
	var all []string
	for i, p := range ports {
		s := strconv.Itoa(p)
		all = append(all, s)
		env["PORT"+strconv.Itoa(i)] = s
		if i < len(a.PortDefinitions) {
			d := a.PortDefinitions[i]
			if d.Name != "" {
				env["PORT_"+strings.ToUpper(sanitize(d.Name))] = s
			}
			if d.Port != 0 {
				env["PORT_"+strconv.Itoa(d.Port)] = s
			}
		}
	}
	if len(ports) > 0 {
		env["PORT"] = all[0]
		env["PORTS"] = strings.Join(all, ",")
	}
	env["HOST"] = host
	env["MESOS_TASK_ID"] = taskID
	env["MARATHON_APP_ID"] = a.ID
	env["MARATHON_APP_VERSION"] = version
	env["MARATHON_APP_RESOURCE_CPUS"] = formatFloat(a.CPUs)
	env["MARATHON_APP_RESOURCE_MEM"] = formatFloat(a.Mem)
	env["MARATHON_APP_RESOURCE_DISK"] = formatFloat(a.Disk)
	env["MARATHON_APP_RESOURCE_GPUS"] = strconv.Itoa(a.GPUs)
	var keys []string
	for k, v := range a.Labels {
		if len(k)+len(v) > 512 {
			continue // Marathon skips labels longer than 512 characters
		}
		key := strings.ToUpper(sanitize(k))
		keys = append(keys, key)
		env["MARATHON_APP_LABEL_"+key] = v
	}
	sort.Strings(keys)
	env["MARATHON_APP_LABELS"] = strings.Join(keys, " ")
	return env
}

var unsafe = regexp.MustCompile(`[^A-Za-z0-9_]`)

// sanitize replaces every character but letters, digits and _ with _.
func sanitize(s string) string { return unsafe.ReplaceAllString(s, "_") }

// formatFloat writes a resource as Scala prints a Double (1.0, 0.5).
func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

// compileAnchored compiles a LIKE/UNLIKE value, which must match a whole
// field value, as Marathon's Java regex matches() does.
func compileAnchored(expr string) (*regexp.Regexp, error) {
	return regexp.Compile("^(?:" + expr + ")$")
}

// Placement is where an offer would put a task: the agent's hostname and
// attributes (text values; @region and @zone from its fault domain).
type Placement struct {
	Hostname   string
	Attributes map[string]string
}

func (pl Placement) field(name string) (string, bool) {
	if name == "hostname" {
		return pl.Hostname, true
	}
	v, ok := pl.Attributes[name]
	return v, ok
}

// Fits says whether a task of a may run at pl, given where a's other
// running instances are (others). Constraints were validated by Decode.
func Fits(a *App, pl Placement, others []Placement) bool {
	for _, c := range a.Constraints {
		value, ok := pl.field(c[0])
		switch c[1] {
		case "UNIQUE":
			if !ok {
				return false
			}
			for _, o := range others {
				if v, has := o.field(c[0]); has && v == value {
					return false
				}
			}
		case "CLUSTER":
			if !ok {
				return false
			}
			want := ""
			if len(c) == 3 {
				want = c[2]
			} else if len(others) > 0 {
				want, _ = others[0].field(c[0])
			} else {
				continue
			}
			if value != want {
				return false
			}
		case "LIKE", "UNLIKE":
			re, err := compileAnchored(c[2])
			if err != nil {
				return false
			}
			if !ok {
				if c[1] == "LIKE" {
					return false
				}
				continue
			}
			if re.MatchString(value) != (c[1] == "LIKE") {
				return false
			}
		default:
			return false
		}
	}
	return true
}
