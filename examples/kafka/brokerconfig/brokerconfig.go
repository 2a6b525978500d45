// Package brokerconfig reads what a Kafka broker process knows about itself
// from its rendered server.properties: its node id and roles, the listener
// clients reach it on, the address it advertises there, and its log
// directories. The readiness probe and the test broker both read it so, and
// read it as Kafka 4.x (KRaft) does.
package brokerconfig

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/kennel-sdk/kennel/examples/kafka/props"
)

// ErrInvalid is wrapped by every error about the file's content.
var ErrInvalid = errors.New("invalid broker config")

// Listener is one entry of Kafka's listeners (or advertised.listeners):
// NAME://host:port. An empty Host, or 0.0.0.0 or ::, means every interface.
type Listener struct {
	Name     string // upper case, as Kafka normalises listener names
	Protocol string // PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
	Host     string
	Port     int
}

// Wildcard reports whether the listener binds every interface.
func (l Listener) Wildcard() bool { return l.Host == "" || l.Host == "0.0.0.0" || l.Host == "::" }

// Config is a broker's view of itself.
type Config struct {
	NodeID int32
	// Roles is process.roles: broker, controller or both.
	Roles []string
	// Listener is the broker listener: the first of listeners that is not
	// one of controller.listener.names.
	Listener Listener
	// Advertised is advertised.listeners' entry for Listener's name, or
	// the zero Listener when there is none (Kafka then advertises the
	// listener itself).
	Advertised Listener
	// LogDirs is log.dirs (or log.dir), in order.
	LogDirs []string
	// MetadataLogDir is metadata.log.dir, "" when unset (Kafka then keeps
	// the metadata log in the first log dir).
	MetadataLogDir string
	// Props is the whole file.
	Props *props.Properties
}

// Load reads and checks the server.properties at path.
func Load(path string) (Config, error) {
	p, err := props.Load(path)
	if err != nil {
		return Config{}, err
	}
	c, err := FromProperties(p)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// FromProperties extracts the broker's own settings. node.id, process.roles
// (with the broker role), listeners (with a broker listener) and log.dirs or
// log.dir are required: a broker cannot be run or probed without them.
func FromProperties(p *props.Properties) (Config, error) {
	c := Config{Props: p}
	get := func(key string) string { v, _ := p.Get(key); return strings.TrimSpace(v) }

	id := get("node.id")
	if id == "" {
		return c, fmt.Errorf("%w: node.id is required", ErrInvalid)
	}
	n, err := strconv.ParseInt(id, 10, 32)
	if err != nil || n < 0 {
		return c, fmt.Errorf("%w: node.id %q is not a non-negative 32-bit integer", ErrInvalid, id)
	}
	c.NodeID = int32(n)

	c.Roles = list(get("process.roles"))
	if len(c.Roles) == 0 {
		return c, fmt.Errorf("%w: process.roles is required (broker, controller or broker,controller)", ErrInvalid)
	}
	if !slices.Contains(c.Roles, "broker") {
		return c, fmt.Errorf("%w: process.roles=%s has no broker role: node %d serves no clients", ErrInvalid, get("process.roles"), c.NodeID)
	}

	controllers := list(strings.ToUpper(get("controller.listener.names")))
	protocols, err := protocolResolver(get("listener.security.protocol.map"), controllers)
	if err != nil {
		return c, err
	}
	listeners, err := parseListeners("listeners", get("listeners"), protocols)
	if err != nil {
		return c, err
	}
	found := false
	for _, l := range listeners {
		if !slices.Contains(controllers, l.Name) {
			c.Listener, found = l, true
			break
		}
	}
	if !found {
		return c, fmt.Errorf("%w: listeners=%q has no broker listener (every one is in controller.listener.names)", ErrInvalid, get("listeners"))
	}
	advertised, err := parseListeners("advertised.listeners", get("advertised.listeners"), protocols)
	if err != nil {
		return c, err
	}
	for _, l := range advertised {
		if l.Name == c.Listener.Name {
			c.Advertised = l
		}
	}

	dirs := get("log.dirs")
	if dirs == "" {
		dirs = get("log.dir")
	}
	c.LogDirs = list(dirs)
	if len(c.LogDirs) == 0 {
		return c, fmt.Errorf("%w: log.dirs is required", ErrInvalid)
	}
	c.MetadataLogDir = get("metadata.log.dir")
	return c, nil
}

// Dirs are the directories Kafka formats and checks at start: the log dirs
// and the metadata log dir, each once.
func (c Config) Dirs() []string {
	dirs := slices.Clone(c.LogDirs)
	if c.MetadataLogDir != "" && !slices.Contains(dirs, c.MetadataLogDir) {
		dirs = append(dirs, c.MetadataLogDir)
	}
	return dirs
}

// list splits a comma-separated value, trimming and dropping empty items.
func list(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

var protocols = []string{"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}

// protocolResolver parses listener.security.protocol.map (NAME:PROTOCOL,...)
// into a function giving each listener name its protocol. Unset, the map is
// Kafka's default, each protocol's name mapped to itself, and controller
// listeners missing from it are PLAINTEXT (as in Kafka's KRaft mode).
func protocolResolver(s string, controllers []string) (func(string) (string, bool), error) {
	m := map[string]string{}
	if strings.TrimSpace(s) == "" {
		for _, p := range protocols {
			m[p] = p
		}
		for _, c := range controllers {
			if _, ok := m[c]; !ok {
				m[c] = "PLAINTEXT"
			}
		}
	}
	for _, item := range list(s) {
		name, proto, ok := strings.Cut(item, ":")
		name, proto = strings.ToUpper(strings.TrimSpace(name)), strings.ToUpper(strings.TrimSpace(proto))
		if !ok || name == "" || !slices.Contains(protocols, proto) {
			return nil, fmt.Errorf("%w: listener.security.protocol.map entry %q is not NAME:PROTOCOL with a protocol of %s",
				ErrInvalid, item, strings.Join(protocols, ", "))
		}
		m[name] = proto
	}
	return func(name string) (string, bool) { p, ok := m[name]; return p, ok }, nil
}

// parseListeners parses NAME://host:port,... for the key named key.
func parseListeners(key, s string, protocolOf func(name string) (string, bool)) ([]Listener, error) {
	var out []Listener
	for _, item := range list(s) {
		name, hostport, ok := strings.Cut(item, "://")
		if !ok || name == "" {
			return nil, fmt.Errorf("%w: %s entry %q is not NAME://host:port", ErrInvalid, key, item)
		}
		host, port, err := net.SplitHostPort(hostport)
		if err != nil {
			return nil, fmt.Errorf("%w: %s entry %q: %v", ErrInvalid, key, item, err)
		}
		n, err := strconv.Atoi(port)
		if err != nil || n < 0 || n > 65535 {
			return nil, fmt.Errorf("%w: %s entry %q: port %q is not 0-65535", ErrInvalid, key, item, port)
		}
		l := Listener{Name: strings.ToUpper(name), Host: host, Port: n}
		if l.Protocol, ok = protocolOf(l.Name); !ok {
			return nil, fmt.Errorf("%w: %s entry %q: listener %s has no security protocol in listener.security.protocol.map",
				ErrInvalid, key, item, l.Name)
		}
		out = append(out, l)
	}
	return out, nil
}
