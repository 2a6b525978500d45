package servicespec

import (
	"path"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/kennel-sdk/kennel/servicespec/placement"
)

var (
	healthKeys    = keysOf("cmd", "interval", "grace-period", "max-consecutive-failures", "delay", "timeout")
	readinessKeys = keysOf("cmd", "interval", "delay", "timeout")
	discoveryKeys = keysOf("prefix", "visibility")
	tlsKeys       = keysOf("name", "type")
	networkKeys   = keysOf("host-ports", "container-ports", "labels")
	rlimitKeys    = keysOf("soft", "hard")
	secretKeys    = keysOf("secret", "env-key", "file")
	hostVolKeys   = keysOf("host-path", "container-path", "mode")
	extVolKeys    = keysOf("type", "volume-name", "volume-mode", "driver-name", "driver-options", "container-path")

	visibilities = []string{"FRAMEWORK", "CLUSTER", "EXTERNAL"}
	tlsTypes     = []string{"TLS", "KEYSTORE"}
	volumeModes  = []string{"RW", "RO"}

	// rlimitNames are the limits Mesos can set (RLimitInfo.RLimit.Type).
	rlimitNames = []string{
		"RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE", "RLIMIT_LOCKS",
		"RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_NOFILE", "RLIMIT_NPROC",
		"RLIMIT_RSS", "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK",
	}
)

// Check defaults (seconds), those of Mesos's HealthCheck and CheckInfo
// except the readiness delay, which DC/OS Commons sets to 0.
const (
	DefaultHealthInterval    = 10
	DefaultHealthGracePeriod = 10
	DefaultHealthFailures    = 3
	DefaultHealthDelay       = 15
	DefaultHealthTimeout     = 20
	DefaultReadinessInterval = 10
	DefaultReadinessDelay    = 0
	DefaultReadinessTimeout  = 20
	// MaxCheckSeconds bounds every check duration: one day.
	MaxCheckSeconds = 86400
)

func (d *decoder) healthCheck(parent *object) *HealthCheckSpec {
	if !parent.has("health-check") {
		return nil
	}
	o := d.object(parent.node("health-check"), parent.pathOf("health-check"), healthKeys)
	o.require("cmd")
	return &HealthCheckSpec{
		Cmd:                    o.str("cmd", ""),
		Interval:               d.bounded(o, "interval", DefaultHealthInterval, 1, MaxCheckSeconds),
		GracePeriod:            d.bounded(o, "grace-period", DefaultHealthGracePeriod, 0, MaxCheckSeconds),
		MaxConsecutiveFailures: d.bounded(o, "max-consecutive-failures", DefaultHealthFailures, 1, 1000),
		Delay:                  d.bounded(o, "delay", DefaultHealthDelay, 0, MaxCheckSeconds),
		Timeout:                d.bounded(o, "timeout", DefaultHealthTimeout, 1, MaxCheckSeconds),
	}
}

func (d *decoder) readinessCheck(parent *object) *ReadinessCheckSpec {
	if !parent.has("readiness-check") {
		return nil
	}
	o := d.object(parent.node("readiness-check"), parent.pathOf("readiness-check"), readinessKeys)
	o.require("cmd")
	return &ReadinessCheckSpec{
		Cmd:      o.str("cmd", ""),
		Interval: d.bounded(o, "interval", DefaultReadinessInterval, 1, MaxCheckSeconds),
		Delay:    d.bounded(o, "delay", DefaultReadinessDelay, 0, MaxCheckSeconds),
		Timeout:  d.bounded(o, "timeout", DefaultReadinessTimeout, 1, MaxCheckSeconds),
	}
}

func (d *decoder) discovery(parent *object) *DiscoverySpec {
	if !parent.has("discovery") {
		return nil
	}
	o := d.object(parent.node("discovery"), parent.pathOf("discovery"), discoveryKeys)
	ds := &DiscoverySpec{Prefix: o.str("prefix", ""), Visibility: d.enum(o, "visibility", "CLUSTER", visibilities, false)}
	if o.has("prefix") && !dnsLabel.MatchString(ds.Prefix) {
		d.fail(o.node("prefix"), o.pathOf("prefix"), "discovery prefix `%s` is not valid: use %s", ds.Prefix, dnsLabelRule)
	}
	return ds
}

func (d *decoder) transportEncryption(parent *object) []TransportEncryptionSpec {
	if !parent.has("transport-encryption") {
		return nil
	}
	p := parent.pathOf("transport-encryption")
	items, ok := d.sequence(parent.node("transport-encryption"), p)
	if !ok {
		return nil
	}
	var out []TransportEncryptionSpec
	seen := map[string]bool{}
	for i, it := range items {
		o := d.object(it, indexPath(p, i), tlsKeys)
		o.require("name", "type")
		t := TransportEncryptionSpec{Name: o.str("name", ""), Type: d.enum(o, "type", "", tlsTypes, false)}
		if o.has("name") && !simpleName.MatchString(t.Name) {
			d.fail(o.node("name"), o.pathOf("name"), "`%s` is not a valid file name: use %s", t.Name, simpleNameRule)
		} else if seen[t.Name] && t.Name != "" {
			d.fail(o.node("name"), o.pathOf("name"), "transport encryption `%s` is declared twice", t.Name)
		}
		seen[t.Name] = true
		out = append(out, t)
	}
	return out
}

func (d *decoder) networks(parent *object) map[string]NetworkSpec {
	if !parent.has("networks") {
		return nil
	}
	nets := map[string]NetworkSpec{}
	d.named(parent.node("networks"), parent.pathOf("networks"), itemNameRule, func(name string, e entry) {
		var n NetworkSpec
		if !isNull(d.resolveQuiet(e.valNode)) { // "networks: {dcos: }" joins with defaults
			o := d.object(e.valNode, e.path, networkKeys)
			n = NetworkSpec{HostPorts: o.intList("host-ports"), ContainerPorts: o.intList("container-ports"), Labels: d.labels(o, "labels")}
			d.portMappings(o, n)
		}
		nets[name] = n
	})
	return nets
}

func (d *decoder) portMappings(o *object, n NetworkSpec) {
	if len(n.HostPorts) != len(n.ContainerPorts) {
		d.fail(o.self, o.path, "host-ports and container-ports must have the same length (%d and %d)", len(n.HostPorts), len(n.ContainerPorts))
	}
	for key, ports := range map[string][]int{"host-ports": n.HostPorts, "container-ports": n.ContainerPorts} {
		for i, p := range ports {
			if p < 1 || p > MaxPort {
				d.fail(o.node(key), indexPath(o.pathOf(key), i), "port must be between 1 and %d, got %d", MaxPort, p)
			}
		}
	}
}

func (d *decoder) rlimits(parent *object) map[string]RLimitSpec {
	if !parent.has("rlimits") {
		return nil
	}
	limits := map[string]RLimitSpec{}
	rule := nameRule{"rlimit", setOf(rlimitNames), "one of " + strings.Join(rlimitNames, ", ")}
	d.named(parent.node("rlimits"), parent.pathOf("rlimits"), rule, func(name string, e entry) {
		var l RLimitSpec
		if !isNull(d.resolveQuiet(e.valNode)) {
			o := d.object(e.valNode, e.path, rlimitKeys)
			if o.has("soft") {
				v := int64(d.bounded(o, "soft", 0, 0, 1<<31-1))
				l.Soft = &v
			}
			if o.has("hard") {
				v := int64(d.bounded(o, "hard", 0, 0, 1<<31-1))
				l.Hard = &v
			}
			switch {
			case (l.Soft == nil) != (l.Hard == nil):
				d.fail(o.self, e.path, "set both `soft` and `hard`, or neither for unlimited")
			case l.Soft != nil && *l.Soft > *l.Hard:
				d.fail(o.node("soft"), o.pathOf("soft"), "soft limit %d is above the hard limit %d", *l.Soft, *l.Hard)
			}
		}
		limits[name] = l
	})
	return limits
}

func (d *decoder) secrets(parent *object) map[string]SecretSpec {
	if !parent.has("secrets") {
		return nil
	}
	secrets := map[string]SecretSpec{}
	d.named(parent.node("secrets"), parent.pathOf("secrets"), itemNameRule, func(name string, e entry) {
		o := d.object(e.valNode, e.path, secretKeys)
		o.require("secret")
		s := SecretSpec{Secret: o.str("secret", ""), EnvKey: o.str("env-key", ""), File: o.str("file", "")}
		if o.has("env-key") && !envName.MatchString(s.EnvKey) {
			d.fail(o.node("env-key"), o.pathOf("env-key"), "`%s` is not a valid environment variable name: use %s", s.EnvKey, envNameRule)
		}
		if s.EnvKey == "" && s.File == "" {
			s.File = s.Secret // neither given: the secret becomes a file at its own path
		}
		if s.File != "" && path.IsAbs(s.File) {
			d.fail(o.node("file"), o.pathOf("file"), "secret file %q must be relative to the sandbox", s.File)
		}
		secrets[name] = s
	})
	return secrets
}

func (d *decoder) hostVolumes(parent *object) map[string]HostVolumeSpec {
	if !parent.has("host-volumes") {
		return nil
	}
	vols := map[string]HostVolumeSpec{}
	d.named(parent.node("host-volumes"), parent.pathOf("host-volumes"), itemNameRule, func(name string, e entry) {
		o := d.object(e.valNode, e.path, hostVolKeys)
		o.require("host-path", "container-path")
		v := HostVolumeSpec{HostPath: o.str("host-path", ""), ContainerPath: o.str("container-path", ""), Mode: d.enum(o, "mode", "RW", volumeModes, false)}
		if o.has("host-path") && !path.IsAbs(v.HostPath) {
			d.fail(o.node("host-path"), o.pathOf("host-path"), "must be an absolute path, got %q", v.HostPath)
		}
		vols[name] = v
	})
	return vols
}

func (d *decoder) externalVolumes(parent *object) map[string]ExternalVolumeSpec {
	if !parent.has("external-volumes") {
		return nil
	}
	vols := map[string]ExternalVolumeSpec{}
	d.named(parent.node("external-volumes"), parent.pathOf("external-volumes"), itemNameRule, func(name string, e entry) {
		o := d.object(e.valNode, e.path, extVolKeys)
		o.require("type", "volume-name", "container-path")
		vols[name] = ExternalVolumeSpec{
			Type:          d.enum(o, "type", "", []string{"DOCKER"}, false),
			VolumeName:    o.str("volume-name", ""),
			VolumeMode:    d.enum(o, "volume-mode", "RW", volumeModes, false),
			DriverName:    o.str("driver-name", "pxd"),
			DriverOptions: o.str("driver-options", ""),
			ContainerPath: o.str("container-path", ""),
		}
	})
	return vols
}

// placement parses the Marathon constraint string and returns its canonical
// JSON form.
func (d *decoder) placement(o *object) string {
	if !o.has("placement") {
		return ""
	}
	if n := d.resolveQuiet(o.node("placement")); n != nil && n.Kind == yaml.SequenceNode {
		d.fail(n, o.pathOf("placement"), "%s", unquotedPlacement(n))
		return ""
	}
	raw := o.str("placement", "")
	c, err := placement.Parse(raw)
	if err != nil {
		d.fail(o.node("placement"), o.pathOf("placement"), "%v", err)
		return ""
	}
	return c.String()
}

type stringSet map[string]bool

func setOf(values []string) stringSet {
	s := stringSet{}
	for _, v := range values {
		s[v] = true
	}
	return s
}

// MatchString lets a stringSet be a name rule.
func (s stringSet) MatchString(v string) bool { return s[v] }
