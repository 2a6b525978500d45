package servicespec

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

// synonyms are keys people write from other tools (Marathon's mem and
// cpu) for the keys a spec takes.
var synonyms = map[string]string{
	"mem": "memory", "cpu": "cpus", "gpu": "gpus", "command": "cmd", "environment": "env",
	"instances": "count", "constraints": "placement", "healthcheck": "health-check",
}

// sized is a number with a unit: 64MB, 2 GiB, 1.5g.
var sized = regexp.MustCompile(`^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$`)

// unitHint explains a number with a unit where a plain integer is
// expected (sizes are integers in MB), or returns "".
func unitHint(n *yaml.Node) string {
	m := sized.FindStringSubmatch(n.Value)
	if n.Kind != yaml.ScalarNode || m == nil {
		return ""
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return ""
	}
	factor := map[string]float64{"m": 1, "mb": 1, "mib": 1, "g": 1024, "gb": 1024, "gib": 1024, "t": 1 << 20, "tb": 1 << 20, "tib": 1 << 20}[strings.ToLower(m[2])]
	if factor == 0 {
		return fmt.Sprintf("units are not accepted: write an integer (sizes are in MB), not %q", m[2])
	}
	return fmt.Sprintf("units are not accepted: sizes are integers in MB, so write %d", int64(f*factor))
}

// unquotedPlacement explains a placement written as a YAML list: YAML
// read the unquoted brackets as a list, where a spec wants the string.
func unquotedPlacement(n *yaml.Node) string {
	var v any
	quoted := `'[["hostname", "UNIQUE"]]'`
	if err := n.Decode(&v); err == nil {
		if b, err := json.Marshal(v); err == nil {
			quoted = "'" + strings.ReplaceAll(strings.ReplaceAll(string(b), `","`, `", "`), `"],["`, `"], ["`) + "'"
		}
	}
	return "expected a string, got a list: quote the rules, as in `placement: " + quoted + "` (unquoted, YAML reads the brackets as a list)"
}

// envPortCollisions refuses a task env key that a port of the task also
// sets: the port's value would silently replace the one written in env.
func (v *validator) envPortCollisions(tp string, t *TaskSpec, r Resources) {
	for _, name := range slices.Sorted(maps.Keys(r.Ports)) {
		key := r.Ports[name].EnvKey
		if key == "" {
			key = "PORT_" + upperEnvName(name)
		}
		if _, dup := t.Env[key]; dup {
			v.d.errAt(tp+".env."+key, "%s is also port `%s`'s env-key: the task would get the port's number; rename the variable or set the port's `env-key`", key, name)
		}
	}
}

// tagVar names the template variable whose value node n was rendered
// from, or "" when n's text was written in the template itself.
func (d *decoder) tagVar(n *yaml.Node) string {
	if n == nil || n.Line < 1 || n.Line > len(d.lines) {
		return ""
	}
	src, ok := d.srcMap.Tag(d.offset(n.Line, n.Column))
	if !ok || src >= len(d.template) {
		return ""
	}
	tag := strings.TrimLeft(d.template[src:], "{&")
	end := strings.IndexAny(tag, "}")
	if end < 0 {
		return ""
	}
	return strings.TrimSpace(tag[:end])
}
