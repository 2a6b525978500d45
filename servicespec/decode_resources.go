package servicespec

import (
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

var (
	portKeys   = keysOf("port", "env-key", "advertise", "vip", "ranges")
	rangeKeys  = keysOf("begin", "end")
	vipKeys    = keysOf("port", "prefix")
	volumeKeys = keysOf("path", "type", "size", "profiles")
	configKeys = keysOf("template", "dest", "template-content")
	limitKeys  = keySet{
		keys:  []string{"cpus", "memory"},
		known: map[string]bool{"cpus": true, "memory": true},
		hint: func(key, _ string) string {
			if key == "mem" {
				return "did you mean `memory`? (the DC/OS docs say `mem`, the schema says `memory`)"
			}
			return ""
		},
	}
)

// MaxPort is the highest TCP/UDP port.
const MaxPort = 65535

// resources decodes the resource keys shared by tasks and resource sets.
func (d *decoder) resources(o *object) Resources {
	var r Resources
	if !o.ok {
		return r
	}
	if o.has("cpus") {
		r.CPUs = o.number("cpus", 0)
		if r.CPUs <= 0 && !d.bad[o.pathOf("cpus")] {
			d.fail(o.node("cpus"), o.pathOf("cpus"), "must be greater than 0, got %v", r.CPUs)
		}
	}
	if o.has("gpus") {
		r.GPUs = o.number("gpus", 0)
		if (r.GPUs < 0 || r.GPUs != math.Trunc(r.GPUs)) && !d.bad[o.pathOf("gpus")] {
			d.fail(o.node("gpus"), o.pathOf("gpus"), "must be a whole number of GPUs, got %v", r.GPUs)
		}
	}
	if o.has("memory") {
		r.Memory = o.integer("memory", 0)
		if r.Memory <= 0 && !d.bad[o.pathOf("memory")] {
			d.fail(o.node("memory"), o.pathOf("memory"), "must be at least 1 (MB), got %d", r.Memory)
		}
	}
	r.ResourceLimits = d.resourceLimits(o)
	r.Ports = d.ports(o)
	r.Volumes = d.volumeSet(o)
	return r
}

func (d *decoder) resourceLimits(parent *object) *ResourceLimitsSpec {
	if !parent.has("resource-limits") {
		return nil
	}
	o := d.object(parent.node("resource-limits"), parent.pathOf("resource-limits"), limitKeys)
	l := &ResourceLimitsSpec{CPUs: o.str("cpus", ""), Memory: o.str("memory", "")}
	for key, v := range map[string]string{"cpus": l.CPUs, "memory": l.Memory} {
		if !o.has(key) || v == "unlimited" {
			continue
		}
		if f, err := strconv.ParseFloat(v, 64); err != nil || f <= 0 || math.IsInf(f, 0) {
			d.fail(o.node(key), o.pathOf(key), "must be a positive number or `unlimited`, got %q", v)
		}
	}
	return l
}

func (d *decoder) ports(parent *object) map[string]PortSpec {
	if !parent.has("ports") {
		return nil
	}
	ports := map[string]PortSpec{}
	d.named(parent.node("ports"), parent.pathOf("ports"), portNameRule, func(name string, e entry) {
		o := d.object(e.valNode, e.path, portKeys)
		p := PortSpec{
			Port:      d.bounded(o, "port", 0, 0, MaxPort),
			EnvKey:    o.str("env-key", ""),
			Advertise: o.boolean("advertise", false),
		}
		if o.has("env-key") && !envName.MatchString(p.EnvKey) {
			d.fail(o.node("env-key"), o.pathOf("env-key"), "`%s` is not a valid environment variable name: use %s", p.EnvKey, envNameRule)
		}
		p.VIP = d.vip(o)
		p.Ranges = d.ranges(o, p.Port)
		ports[name] = p
	})
	return ports
}

func (d *decoder) vip(parent *object) *VIPSpec {
	if !parent.has("vip") {
		return nil
	}
	o := d.object(parent.node("vip"), parent.pathOf("vip"), vipKeys)
	o.require("port")
	v := &VIPSpec{Port: d.bounded(o, "port", 0, 1, MaxPort), Prefix: o.str("prefix", "")}
	if o.has("prefix") && !dnsLabel.MatchString(v.Prefix) {
		d.fail(o.node("prefix"), o.pathOf("prefix"), "VIP prefix `%s` is not valid: use %s", v.Prefix, dnsLabelRule)
	}
	return v
}

func (d *decoder) ranges(parent *object, port int) []RangeSpec {
	if !parent.has("ranges") {
		return nil
	}
	path := parent.pathOf("ranges")
	if port != 0 {
		d.fail(parent.node("ranges"), path, "ranges only apply to dynamic ports (`port: 0`), this port is %d", port)
		return nil
	}
	items, ok := d.sequence(parent.node("ranges"), path)
	if !ok {
		return nil
	}
	var out []RangeSpec
	for i, it := range items {
		o := d.object(it, indexPath(path, i), rangeKeys)
		var r RangeSpec
		if o.has("begin") {
			b := d.bounded(o, "begin", 0, 1, MaxPort)
			r.Begin = &b
		}
		if o.has("end") {
			e := d.bounded(o, "end", 0, 1, MaxPort)
			r.End = &e
		}
		if r.Begin != nil && r.End != nil && *r.Begin > *r.End && *r.Begin > 0 && *r.End > 0 {
			d.fail(o.node("end"), o.pathOf("end"), "range end %d is below its begin %d", *r.End, *r.Begin)
		}
		out = append(out, r)
	}
	return out
}

// volumeSet decodes `volume` (one) or `volumes` (named). A single volume is
// named after its path in the canonical form.
func (d *decoder) volumeSet(o *object) map[string]VolumeSpec {
	if o.has("volume") && o.has("volumes") {
		d.fail(o.node("volumes"), o.pathOf("volumes"), "use either `volume` or `volumes`, not both")
		return nil
	}
	if o.has("volume") {
		v := d.volume(o.node("volume"), o.pathOf("volume"))
		if v.Path == "" {
			return nil
		}
		d.alias[o.pathOf("volumes")+"."+v.Path] = o.pathOf("volume")
		return map[string]VolumeSpec{v.Path: v}
	}
	if !o.has("volumes") {
		return nil
	}
	vols := map[string]VolumeSpec{}
	d.named(o.node("volumes"), o.pathOf("volumes"), itemNameRule, func(name string, e entry) {
		vols[name] = d.volume(e.valNode, e.path)
	})
	return vols
}

func (d *decoder) volume(n *yaml.Node, path string) VolumeSpec {
	o := d.object(n, path, volumeKeys)
	o.require("path", "type", "size")
	v := VolumeSpec{Path: o.str("path", ""), Size: o.integer("size", 0), Profiles: o.strList("profiles")}
	if o.has("path") && !volumePath.MatchString(v.Path) {
		d.fail(o.node("path"), o.pathOf("path"), "volume path %q must be a directory name relative to the sandbox: letters, digits, '_' and '-'", v.Path)
		v.Path = ""
	}
	if o.has("type") {
		switch t := o.str("type", ""); t {
		case VolumeRoot, VolumeMount:
			v.Type = t
		case "PATH":
			d.fail(o.node("type"), o.pathOf("type"), "PATH volumes are not supported: use ROOT or MOUNT")
		default:
			d.fail(o.node("type"), o.pathOf("type"), "must be one of ROOT or MOUNT, got %q", t)
		}
	}
	if o.has("size") && v.Size < 1 && !d.bad[o.pathOf("size")] {
		d.fail(o.node("size"), o.pathOf("size"), "must be at least 1 (MB), got %d", v.Size)
	}
	d.profiles(o, v)
	return v
}

func (d *decoder) profiles(o *object, v VolumeSpec) {
	if len(v.Profiles) == 0 {
		return
	}
	if v.Type == VolumeRoot {
		d.fail(o.node("profiles"), o.pathOf("profiles"), "profiles only apply to MOUNT volumes")
		return
	}
	seen := map[string]bool{}
	for i, p := range v.Profiles {
		ipath := indexPath(o.pathOf("profiles"), i)
		switch {
		case !profileName.MatchString(p):
			d.fail(o.node("profiles"), ipath, "profile %q must be 1 to 128 letters, digits, '_', '.' or '-'", p)
		case seen[p]:
			d.fail(o.node("profiles"), ipath, "profile %q is listed twice", p)
		}
		seen[p] = true
	}
}

func (d *decoder) configs(parent *object) map[string]ConfigSpec {
	if !parent.has("configs") {
		return nil
	}
	configs := map[string]ConfigSpec{}
	d.named(parent.node("configs"), parent.pathOf("configs"), itemNameRule, func(name string, e entry) {
		o := d.object(e.valNode, e.path, configKeys)
		o.require("template", "dest")
		c := ConfigSpec{Template: o.str("template", ""), Dest: o.str("dest", ""), TemplateContent: o.str("template-content", "")}
		if o.has("dest") && (c.Dest == "" || strings.HasSuffix(c.Dest, "/")) {
			d.fail(o.node("dest"), o.pathOf("dest"), "must name a file, got %q", c.Dest)
		}
		configs[name] = c
	})
	return configs
}
