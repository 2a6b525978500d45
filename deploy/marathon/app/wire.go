package app

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

var printer = message.NewPrinter(language.English)

// wire is a request body as sent: pointers where Marathon distinguishes
// "left out" (default) from a value; raw fields for what Kennel refuses.
type wire struct {
	ID                         *string                    `json:"id"`
	Cmd                        *string                    `json:"cmd"`
	Args                       []string                   `json:"args"`
	User                       *string                    `json:"user"`
	Env                        map[string]json.RawMessage `json:"env"`
	Instances                  *int                       `json:"instances"`
	CPUs                       *float64                   `json:"cpus"`
	Mem                        *float64                   `json:"mem"`
	Disk                       *float64                   `json:"disk"`
	GPUs                       *int                       `json:"gpus"`
	Executor                   *string                    `json:"executor"`
	Constraints                [][]string                 `json:"constraints"`
	Fetch                      []wireFetch                `json:"fetch"`
	URIs                       []string                   `json:"uris"`
	Ports                      []int                      `json:"ports"`
	PortDefinitions            *[]wirePort                `json:"portDefinitions"`
	RequirePorts               *bool                      `json:"requirePorts"`
	BackoffSeconds             *float64                   `json:"backoffSeconds"`
	BackoffFactor              *float64                   `json:"backoffFactor"`
	MaxLaunchDelaySeconds      *float64                   `json:"maxLaunchDelaySeconds"`
	HealthChecks               []wireHealth               `json:"healthChecks"`
	Check                      *wireCheck                 `json:"check"`
	Labels                     map[string]string          `json:"labels"`
	UpgradeStrategy            *wireStrategy              `json:"upgradeStrategy"`
	KillSelection              *string                    `json:"killSelection"`
	TaskKillGracePeriodSeconds *float64                   `json:"taskKillGracePeriodSeconds"`
	Role                       *string                    `json:"role"`
	AcceptedResourceRoles      []string                   `json:"acceptedResourceRoles"`
	Networks                   []wireNetwork              `json:"networks"`
	UnreachableStrategy        json.RawMessage            `json:"unreachableStrategy"`
	Dependencies               []string                   `json:"dependencies"`

	// Valid Marathon that Kennel's Marathon cannot honour: refused unless
	// null or empty.
	Container         json.RawMessage `json:"container"`
	Residency         json.RawMessage `json:"residency"`
	Secrets           json.RawMessage `json:"secrets"`
	IPAddress         json.RawMessage `json:"ipAddress"`
	ReadinessChecks   json.RawMessage `json:"readinessChecks"`
	ExecutorResources json.RawMessage `json:"executorResources"`
	StoreURLs         json.RawMessage `json:"storeUrls"`
	TTY               json.RawMessage `json:"tty"`
	ResourceLimits    json.RawMessage `json:"resourceLimits"`
}

type wireFetch struct {
	URI        string `json:"uri"`
	Executable bool   `json:"executable"`
	Extract    *bool  `json:"extract"`
	Cache      bool   `json:"cache"`
	DestPath   string `json:"destPath"`
}

type wirePort struct {
	Port     int               `json:"port"`
	Protocol *string           `json:"protocol"`
	Name     string            `json:"name"`
	Labels   map[string]string `json:"labels"`
}

type wireHealth struct {
	Protocol               *string    `json:"protocol"`
	Path                   *string    `json:"path"`
	PortIndex              *int       `json:"portIndex"`
	Port                   *int       `json:"port"`
	Command                *HealthCmd `json:"command"`
	GracePeriodSeconds     *int       `json:"gracePeriodSeconds"`
	IntervalSeconds        *int       `json:"intervalSeconds"`
	TimeoutSeconds         *int       `json:"timeoutSeconds"`
	MaxConsecutiveFailures *int       `json:"maxConsecutiveFailures"`
	DelaySeconds           *int       `json:"delaySeconds"`
	IgnoreHTTP1xx          bool       `json:"ignoreHttp1xx"`
	IPProtocol             string     `json:"ipProtocol"`
}

type wireCheck struct {
	HTTP            *CheckHTTP `json:"http"`
	TCP             *CheckTCP  `json:"tcp"`
	Exec            *CheckExec `json:"exec"`
	IntervalSeconds *int       `json:"intervalSeconds"`
	TimeoutSeconds  *int       `json:"timeoutSeconds"`
	DelaySeconds    *int       `json:"delaySeconds"`
}

type wireStrategy struct {
	MinimumHealthCapacity *float64 `json:"minimumHealthCapacity"`
	MaximumOverCapacity   *float64 `json:"maximumOverCapacity"`
}

type wireNetwork struct {
	Mode   string            `json:"mode"`
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels"`
}

// Marathon's health check defaults (core/health/HealthCheck.scala).
const (
	defaultGracePeriod  = 300
	defaultInterval     = 60
	defaultTimeout      = 20
	defaultMaxFailures  = 3
	defaultHealthDelay  = 15
	unsupportedByKennel = "not supported by Kennel's Marathon"
)

func or[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// empty says whether a raw field is absent, null or an empty array/object.
func empty(raw json.RawMessage) bool {
	switch string(raw) {
	case "", "null", "[]", "{}":
		return true
	}
	return false
}

// resolve applies Marathon's defaults and rules; urlID is the id the URL
// names, if any.
func (w *wire) resolve(urlID, role string, p *problems) App {
	a := App{
		Cmd: or(w.Cmd, ""), Args: w.Args, User: or(w.User, ""), Instances: or(w.Instances, DefaultInstances),
		CPUs: or(w.CPUs, DefaultCPUs), Mem: or(w.Mem, DefaultMem), Disk: or(w.Disk, 0), GPUs: or(w.GPUs, 0),
		Executor: or(w.Executor, ""), Constraints: w.Constraints, RequirePorts: or(w.RequirePorts, false),
		BackoffSeconds: or(w.BackoffSeconds, DefaultBackoffSeconds), BackoffFactor: or(w.BackoffFactor, DefaultBackoffFactor),
		MaxLaunchDelaySeconds: or(w.MaxLaunchDelaySeconds, DefaultMaxLaunchDelaySeconds), Labels: w.Labels,
		KillSelection: or(w.KillSelection, DefaultKillSelection), TaskKillGracePeriodSeconds: w.TaskKillGracePeriodSeconds,
		Role: or(w.Role, ""),
	}
	w.resolveID(&a, urlID, p)
	switch {
	case w.Cmd != nil && w.Args != nil:
		p.add("/", "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.")
	case w.Cmd == nil && w.Args == nil:
		p.add("/", "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.")
	case w.Cmd != nil && *w.Cmd == "":
		p.add("/cmd", "must not be empty")
	case w.Args != nil && len(w.Args) == 0:
		p.add("/args", "must not be empty")
	}
	if a.Instances < 0 {
		p.add("/instances", "must be >= 0")
	}
	for name, v := range map[string]float64{"/cpus": a.CPUs, "/mem": a.Mem, "/disk": a.Disk} {
		if v < 0 {
			p.add(name, "must be >= 0")
		}
	}
	if a.GPUs > 0 {
		p.add("/gpus", "GPUs are %s", unsupportedByKennel)
	}
	if a.Executor != "" && a.Executor != "//cmd" {
		p.add("/executor", "only the command executor (//cmd) is %s", "supported")
	}
	if a.BackoffSeconds < 0 {
		p.add("/backoffSeconds", "must be >= 0")
	}
	if a.BackoffFactor < 1 {
		p.add("/backoffFactor", "must be >= 1")
	}
	if a.MaxLaunchDelaySeconds < 0 {
		p.add("/maxLaunchDelaySeconds", "must be >= 0")
	}
	if g := a.TaskKillGracePeriodSeconds; g != nil && *g < 0 {
		p.add("/taskKillGracePeriodSeconds", "must be >= 0")
	}
	if a.KillSelection != "YOUNGEST_FIRST" && a.KillSelection != "OLDEST_FIRST" {
		p.add("/killSelection", "must be YOUNGEST_FIRST or OLDEST_FIRST")
	}
	if a.Role != "" && a.Role != role {
		p.add("/role", "this Marathon's framework has role %q; apps cannot use another", role)
	}
	a.Env = w.resolveEnv(p)
	a.Fetch = w.resolveFetch(p)
	a.PortDefinitions = w.resolvePorts(p)
	a.HealthChecks = w.resolveHealth(len(a.PortDefinitions), p)
	a.Check = w.resolveCheck(len(a.PortDefinitions), p)
	a.UpgradeStrategy = UpgradeStrategy{
		MinimumHealthCapacity: or(or(w.UpgradeStrategy, wireStrategy{}).MinimumHealthCapacity, 1),
		MaximumOverCapacity:   or(or(w.UpgradeStrategy, wireStrategy{}).MaximumOverCapacity, 1),
	}
	us := a.UpgradeStrategy
	if us.MinimumHealthCapacity < 0 || us.MinimumHealthCapacity > 1 {
		p.add("/upgradeStrategy/minimumHealthCapacity", "must be between 0 and 1")
	}
	if us.MaximumOverCapacity < 0 || us.MaximumOverCapacity > 1 {
		p.add("/upgradeStrategy/maximumOverCapacity", "must be between 0 and 1")
	}
	if a.Labels == nil {
		a.Labels = map[string]string{}
	}
	if a.SingleInstance() {
		if a.Instances > 1 {
			p.add("/instances", "Instance count must be <= 1 for apps labelled %s", SingleInstanceLabel)
		}
		if !a.KillFirst() {
			p.add("/upgradeStrategy", "%s requires upgradeStrategy minimumHealthCapacity 0 and maximumOverCapacity 0", SingleInstanceLabel)
		}
	}
	if v, ok := a.Labels["DCOS_MIGRATION_API_VERSION"]; ok {
		if v != "v1" {
			p.add("/labels", "DCOS_MIGRATION_API_VERSION must be \"v1\"")
		}
		if a.Labels["DCOS_PACKAGE_FRAMEWORK_NAME"] == "" || a.Labels["DCOS_MIGRATION_API_PATH"] == "" {
			p.add("/labels", "DCOS_MIGRATION_API_VERSION needs DCOS_PACKAGE_FRAMEWORK_NAME and DCOS_MIGRATION_API_PATH")
		}
	}
	a.Constraints = resolveConstraints(w.Constraints, p)
	w.refuseUnsupported(role, p)
	return a
}

func (w *wire) resolveID(a *App, urlID string, p *problems) {
	if w.ID == nil && urlID == "" {
		p.add("/id", "is required")
		return
	}
	if urlID != "" {
		a.ID = urlID
	}
	if w.ID != nil {
		id, err := NormalizeID(*w.ID)
		switch {
		case err != nil:
			p.add("/id", "%v", err)
		case urlID != "" && id != urlID:
			p.add("/id", "the app id %s is not the URL's %s", id, urlID)
		default:
			a.ID = id
		}
	}
}

func (w *wire) resolveEnv(p *problems) map[string]string {
	env := map[string]string{}
	for k, raw := range w.Env {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			var secret struct {
				Secret *string `json:"secret"`
			}
			if json.Unmarshal(raw, &secret) == nil && secret.Secret != nil {
				p.add("/env/"+k, "secrets are %s", unsupportedByKennel)
			} else {
				p.add("/env/"+k, "must be a string")
			}
			continue
		}
		env[k] = s
	}
	return env
}

func (w *wire) resolveFetch(p *problems) []Fetch {
	if len(w.URIs) > 0 && len(w.Fetch) > 0 {
		p.add("/uris", "may not be used together with fetch")
	}
	out := []Fetch{}
	for i, f := range w.Fetch {
		if f.URI == "" {
			p.add(fmt.Sprintf("/fetch/%d/uri", i), "is required")
		}
		out = append(out, Fetch{URI: f.URI, Executable: f.Executable, Extract: or(f.Extract, true), Cache: f.Cache, DestPath: f.DestPath})
	}
	for _, u := range w.URIs {
		out = append(out, Fetch{URI: u, Extract: true})
	}
	return out
}

func (w *wire) resolvePorts(p *problems) []PortDefinition {
	var defs []wirePort
	switch {
	case w.PortDefinitions != nil && w.Ports != nil:
		p.add("/ports", "may not be used together with portDefinitions")
	case w.PortDefinitions != nil:
		defs = *w.PortDefinitions
	case w.Ports != nil:
		for _, port := range w.Ports {
			defs = append(defs, wirePort{Port: port})
		}
	default:
		defs = []wirePort{{Name: "default"}}
	}
	out := []PortDefinition{}
	names, numbers := map[string]bool{}, map[int]bool{}
	for i, d := range defs {
		at := fmt.Sprintf("/portDefinitions/%d", i)
		if d.Port < 0 || d.Port > 65535 {
			p.add(at+"/port", "must be between 0 and 65535")
		}
		proto := or(d.Protocol, "tcp")
		if proto != "tcp" {
			p.add(at+"/protocol", "only tcp ports are %s", "supported")
		}
		if d.Name != "" {
			if names[d.Name] {
				p.add(at+"/name", "port names must be unique")
			}
			names[d.Name] = true
		}
		if d.Port != 0 {
			if numbers[d.Port] {
				p.add(at+"/port", "ports must be unique")
			}
			numbers[d.Port] = true
		}
		out = append(out, PortDefinition{Port: d.Port, Protocol: proto, Name: d.Name, Labels: d.Labels})
	}
	return out
}

func (w *wire) resolveHealth(ports int, p *problems) []HealthCheck {
	out := []HealthCheck{}
	for i, h := range w.HealthChecks {
		at := fmt.Sprintf("/healthChecks/%d", i)
		hc := HealthCheck{
			Protocol: or(h.Protocol, "HTTP"), Path: or(h.Path, ""), PortIndex: h.PortIndex, Port: h.Port, Command: h.Command,
			GracePeriodSeconds: or(h.GracePeriodSeconds, defaultGracePeriod), IntervalSeconds: or(h.IntervalSeconds, defaultInterval),
			TimeoutSeconds: or(h.TimeoutSeconds, defaultTimeout), MaxConsecutiveFailures: or(h.MaxConsecutiveFailures, defaultMaxFailures),
			DelaySeconds: or(h.DelaySeconds, defaultHealthDelay), IgnoreHTTP1xx: h.IgnoreHTTP1xx, IPProtocol: h.IPProtocol,
		}
		switch hc.Protocol {
		case "MESOS_HTTP", "MESOS_HTTPS", "MESOS_TCP":
			switch {
			case hc.Port != nil && hc.PortIndex != nil:
				p.add(at, "use either port or portIndex, not both")
			case hc.Port == nil && hc.PortIndex == nil:
				zero := 0
				hc.PortIndex = &zero
			}
			if hc.PortIndex != nil && (*hc.PortIndex < 0 || *hc.PortIndex >= ports) {
				p.add(at+"/portIndex", "must be an index of portDefinitions (%d ports)", ports)
			}
			if hc.Protocol != "MESOS_TCP" && hc.Path == "" {
				hc.Path = "/"
			}
		case "COMMAND":
			if hc.Command == nil || hc.Command.Value == "" {
				p.add(at+"/command", "a COMMAND health check needs command.value")
			}
		case "HTTP", "HTTPS", "TCP":
			p.add(at+"/protocol", "Marathon-side %s health checks are %s: use MESOS_%s", hc.Protocol, unsupportedByKennel, hc.Protocol)
		default:
			p.add(at+"/protocol", "unknown protocol %q", hc.Protocol)
		}
		if hc.IgnoreHTTP1xx {
			p.add(at+"/ignoreHttp1xx", "applies to Marathon-side HTTP health checks, which are %s", unsupportedByKennel)
		}
		if hc.IPProtocol != "" && hc.IPProtocol != "IPv4" {
			p.add(at+"/ipProtocol", "only IPv4 is %s", "supported")
		}
		out = append(out, hc)
	}
	if len(out) > 1 {
		p.add("/healthChecks", "AppDefinition can contain at most one Mesos health check")
	}
	return out
}

// Marathon's check defaults (raml AppCheck).
const (
	defaultCheckInterval = 60
	defaultCheckTimeout  = 20
	defaultCheckDelay    = 15
)

func (w *wire) resolveCheck(ports int, p *problems) *Check {
	wc := w.Check
	if wc == nil {
		return nil
	}
	c := &Check{HTTP: wc.HTTP, TCP: wc.TCP, Exec: wc.Exec, IntervalSeconds: or(wc.IntervalSeconds, defaultCheckInterval),
		TimeoutSeconds: or(wc.TimeoutSeconds, defaultCheckTimeout), DelaySeconds: or(wc.DelaySeconds, defaultCheckDelay)}
	kinds := 0
	port := func(at string, portIndex, port **int) {
		switch {
		case *portIndex != nil && *port != nil:
			p.add(at, "use either port or portIndex, not both")
		case *portIndex == nil && *port == nil:
			zero := 0
			*portIndex = &zero
		}
		if i := *portIndex; i != nil && (*i < 0 || *i >= ports) {
			p.add(at+"/portIndex", "must be an index of portDefinitions (%d ports)", ports)
		}
	}
	if c.HTTP != nil {
		kinds++
		h := *c.HTTP
		port("/check/http", &h.PortIndex, &h.Port)
		if h.Scheme != "" && h.Scheme != "HTTP" {
			p.add("/check/http/scheme", "only HTTP is supported")
		}
		c.HTTP = &h
	}
	if c.TCP != nil {
		kinds++
		t := *c.TCP
		port("/check/tcp", &t.PortIndex, &t.Port)
		c.TCP = &t
	}
	if c.Exec != nil {
		kinds++
		if c.Exec.Command.Shell == "" {
			p.add("/check/exec/command/shell", "is required")
		}
	}
	if kinds != 1 {
		p.add("/check", "a check is exactly one of http, tcp or exec")
	}
	for name, v := range map[string]int{"intervalSeconds": c.IntervalSeconds, "timeoutSeconds": c.TimeoutSeconds, "delaySeconds": c.DelaySeconds} {
		if v < 0 {
			p.add("/check/"+name, "must be >= 0")
		}
	}
	return c
}

// operators this Marathon honours; the others of the schema are refused.
var operators = map[string]bool{"UNIQUE": true, "CLUSTER": true, "LIKE": true, "UNLIKE": true}

func resolveConstraints(cs [][]string, p *problems) [][]string {
	out := [][]string{}
	for i, c := range cs {
		at := "/constraints/" + strconv.Itoa(i)
		if len(c) < 2 || len(c) > 3 {
			p.add(at, "a constraint is [field, operator] or [field, operator, value]")
			continue
		}
		op := c[1]
		switch {
		case !operators[op]:
			p.add(at+"/1", "operator %s is %s (UNIQUE, CLUSTER, LIKE, UNLIKE are)", op, unsupportedByKennel)
		case op == "UNIQUE" && len(c) == 3:
			p.add(at, "UNIQUE takes no value")
		case (op == "LIKE" || op == "UNLIKE") && len(c) != 3:
			p.add(at, "%s needs a regular expression", op)
		case op == "LIKE" || op == "UNLIKE":
			if _, err := compileAnchored(c[2]); err != nil {
				p.add(at+"/2", "invalid regular expression: %v", err)
			}
		}
		out = append(out, c)
	}
	return out
}

func (w *wire) refuseUnsupported(role string, p *problems) {
	raw := map[string]json.RawMessage{
		"/container": w.Container, "/residency": w.Residency, "/secrets": w.Secrets, "/ipAddress": w.IPAddress,
		"/readinessChecks": w.ReadinessChecks, "/executorResources": w.ExecutorResources,
		"/storeUrls": w.StoreURLs, "/resourceLimits": w.ResourceLimits,
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !empty(raw[k]) {
			p.add(k, "%s", unsupportedByKennel)
		}
	}
	if string(w.TTY) == "true" {
		p.add("/tty", "%s", unsupportedByKennel)
	}
	if len(w.Dependencies) > 0 {
		p.add("/dependencies", "%s", unsupportedByKennel)
	}
	for i, r := range w.AcceptedResourceRoles {
		if r != role {
			p.add(fmt.Sprintf("/acceptedResourceRoles/%d", i), "this Marathon's framework has role %q only", role)
		}
	}
	for i, n := range w.Networks {
		if n.Mode != "host" {
			p.add(fmt.Sprintf("/networks/%d/mode", i), "only host networking is %s", "supported")
		}
	}
	if !empty(w.UnreachableStrategy) {
		var us struct {
			Inactive *float64 `json:"inactiveAfterSeconds"`
			Expunge  *float64 `json:"expungeAfterSeconds"`
		}
		if json.Unmarshal(w.UnreachableStrategy, &us) != nil || or(us.Inactive, 0) != 0 || or(us.Expunge, 0) != 0 {
			p.add("/unreachableStrategy", "only the default {inactiveAfterSeconds: 0, expungeAfterSeconds: 0} is %s", "supported")
		}
	}
}
