// Package kennel_test holds the module's layering rules: which of its
// packages may depend on which, checked on what `go list` says of the
// non-test code.
package kennel_test

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/kennel-sdk/kennel/"

// pure are the packages that decide without doing IO: the scheduler's
// core, plans, the spec, the task-state and record leaves, and the API's
// wire types.
var pure = []string{
	mod + "scheduler", mod + "scheduler/offer", mod + "scheduler/record", mod + "plans",
	mod + "servicespec/...", mod + "taskstate", mod + "api/wire", mod + "deploy/updatepreview",
	mod + "certs/taskenv",
}

// ioPackages are what a pure package must not import, nor any Kennel
// package it depends on.
var ioPackages = []string{
	"os", "os/exec", "os/signal", "net", "net/http", "syscall", "log", "log/slog",
	"crypto/rand", "math/rand", "math/rand/v2",
	"github.com/go-zookeeper/zk", "github.com/go-chi/chi/v5", "github.com/prometheus/...",
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/...",
}

// A rule says that the packages from must not depend on any of notOn,
// directly or through others. A pattern ending in /... also matches the
// packages under it.
type rule struct {
	from, notOn []string
	why         string
}

var rules = []rule{
	{pure, []string{"net", "net/http", "os/exec", "github.com/go-zookeeper/zk", "github.com/go-chi/chi/v5",
		"github.com/prometheus/...", "github.com/mesos/mesos-go/api/v1/lib/httpcli/..."},
		"pure packages do no IO (os itself comes in through fmt)"},
	{[]string{mod + "scheduler", mod + "scheduler/offer", mod + "scheduler/record", mod + "plans", mod + "servicespec/...", mod + "taskstate"},
		[]string{mod + "scheduler/runtime", mod + "scheduler/state/...", mod + "api/...", mod + "deploy/...", mod + "executor/..."},
		"the core is below the runtime, the state store and the API"},
	{[]string{mod + "scheduler/record", mod + "taskstate"}, []string{mod + "..."},
		"leaves depend on no Kennel package"},
	{[]string{mod + "scheduler/state/..."}, []string{mod + "scheduler", mod + "scheduler/offer", mod + "scheduler/runtime", mod + "api/...", mod + "plans"},
		"the store applies the core's records; it knows nothing above them"},
	{[]string{mod + "scheduler/runtime"}, []string{mod + "api", mod + "api/client", mod + "deploy/...", mod + "executor/..."},
		"the runtime implements the API's interface; cmd/kennel wires the two"},
	{[]string{mod + "api"}, []string{mod + "api/client", mod + "scheduler/runtime", mod + "scheduler/state/...", mod + "deploy/...", mod + "executor/..."},
		"the server never imports its client, nor the runtime that serves it"},
	{[]string{mod + "api/ui"}, []string{mod + "api", mod + "api/client", mod + "scheduler/...", mod + "deploy/...", mod + "executor/..."},
		"the dashboard serves a view it is handed: it knows the wire types, never the server, the client or the scheduler"},
	{[]string{mod + "api/client"}, []string{mod + "api", mod + "scheduler/...", mod + "deploy/...", mod + "executor/..."},
		"the client shares wire types with the server, never the server itself"},
	{[]string{mod + "api/wire"}, []string{mod + "api", mod + "api/client", mod + "scheduler/..."},
		"wire types import neither side"},
	{[]string{mod + "deploy/local/..."}, []string{mod + "scheduler/...", mod + "api/...", mod + "executor/...", mod + "plans", mod + "servicespec/...", mod + "deploy/catalog/..."},
		"the local cluster is Mesos: it knows no framework"},
	{[]string{mod + "deploy/catalog/..."}, []string{mod + "scheduler/...", mod + "api/...", mod + "executor/...", mod + "plans", mod + "servicespec", mod + "deploy/local/...",
		mod + "deploy/cosmos/...", mod + "deploy/marathon/..."},
		"catalog packages are Cosmos's: they render apps with the spec's Mustache engine and know no spec, scheduler or cluster"},
	{[]string{mod + "deploy/updatepreview"}, []string{mod + "scheduler/...", mod + "api/...", mod + "executor/...", mod + "plans", mod + "deploy/local/...", mod + "deploy/catalog/..."},
		"the update preview compares apps and specs it is given: it renders nothing itself and knows no scheduler, API or cluster"},
	{[]string{mod + "deploy/adminrouter", mod + "deploy/frontdoor"},
		[]string{mod + "deploy/marathon/...", mod + "deploy/cosmos/...", mod + "deploy/catalog/...", mod + "deploy/local/...",
			mod + "scheduler/...", mod + "executor/...", mod + "api/...", mod + "plans", mod + "servicespec/..."},
		"the front door is Admin Router: it speaks Marathon's JSON and proxies HTTP, and is handed the parts it routes to"},
	{[]string{mod + "deploy/cosmos/..."}, []string{mod + "deploy/marathon", mod + "scheduler/...", mod + "executor/...", mod + "deploy/local/...",
		mod + "api/...", mod + "plans", mod + "servicespec"},
		"Cosmos talks to Marathon and schedulers over HTTP: it imports Marathon's client, never a server, a scheduler or a cluster"},
	{[]string{mod + "deploy/marathon/client"}, []string{mod + "deploy/marathon", mod + "deploy/cosmos/...", mod + "scheduler/...", mod + "api/...",
		mod + "executor/...", mod + "deploy/local/...", mod + "deploy/catalog/..."},
		"Marathon's client knows Marathon's REST API only, never a server"},
	{[]string{mod + "deploy/marathon/app"}, []string{"net", "net/http", "os/exec", "os/signal", "log/slog",
		"crypto/rand", "math/rand/v2", "github.com/go-zookeeper/zk", "github.com/go-chi/chi/v5", "github.com/prometheus/...",
		"github.com/mesos/mesos-go/...", mod + "scheduler/...", mod + "api/...",
		mod + "executor/...", mod + "deploy/local/...", mod + "deploy/catalog/...", mod + "deploy/marathon", mod + "plans", mod + "servicespec/...",
		mod + "taskstate"},
		"the AppDefinition model decides without IO (os comes in through fmt, math/rand through math/big) and knows no other Kennel package"},
	{[]string{mod + "deploy/marathon"}, []string{mod + "scheduler/...", mod + "api/...", mod + "executor/...", mod + "deploy/catalog/...",
		mod + "deploy/local/...", mod + "plans", mod + "servicespec/..."},
		"Marathon is a framework: it talks HTTP to a Mesos master and knows no Kennel scheduler or cluster internals"},
	{[]string{mod + "deploy/sandbox"}, []string{mod + "..."},
		"the sandbox reader speaks Mesos's HTTP APIs only: it works on any Mesos cluster, the local one included"},
	{[]string{mod + "deploy/local/master"}, []string{mod + "deploy/local", mod + "deploy/local/agent"},
		"the master never imports its agents or the cluster that assembles them"},
	{[]string{mod + "deploy/local/agent"}, []string{mod + "deploy/local"},
		"an agent never imports the cluster that assembles it"},
	{[]string{mod + "executor/..."}, []string{mod + "scheduler/...", mod + "api/...", mod + "deploy/...", mod + "plans"},
		"the executor is Mesos's: it knows the agent's API, not the scheduler"},
	{[]string{mod + "servicespec/..."}, []string{mod + "plans", mod + "scheduler/...", mod + "api/...", mod + "deploy/...", mod + "executor/..."},
		"the spec is the bottom layer"},
	{[]string{mod + "plans"}, []string{mod + "scheduler/...", mod + "api/...", mod + "deploy/...", mod + "executor/..."},
		"plans are below the scheduler"},
	{[]string{mod + "examples/kafka/props", mod + "examples/kafka/brokerconfig", mod + "examples/kafka/kafkaclient",
		mod + "examples/kafka/probe", mod + "examples/kafka/testbroker"},
		[]string{mod + "scheduler/...", mod + "api/...", mod + "deploy/...", mod + "executor/...", mod + "plans", mod + "servicespec/...", mod + "taskstate"},
		"the broker-side programs and the Kafka client run in broker tasks and know nothing of Kennel's scheduler"},
	{[]string{mod + "examples/kafka/props"}, []string{mod + "..."},
		"the properties parser is a leaf"},
	{[]string{mod + "examples/kafka/roll"}, []string{mod + "...", "net", "net/http", "os/exec"},
		"the roll rules are pure: a model of the cluster in, a verdict out"},
	{[]string{mod + "examples/kafka/finalize"}, []string{mod + "...", "net", "net/http", "os/exec"},
		"the metadata.version rules are pure: what the brokers reported in, a decision out"},
	{[]string{mod + "certs/..."}, []string{mod + "scheduler/...", mod + "api/...", mod + "deploy/...", mod + "executor/...", mod + "plans", mod + "servicespec/...", mod + "examples/..."},
		"certificates are a leaf that the scheduler, the API and the tasks' bootstrap share"},
	{[]string{mod + "examples/kafka/brokers"}, []string{mod + "api/client", mod + "deploy/...", mod + "executor/...", mod + "cmd/..."},
		"a Go service plugs into the scheduler's extension points (scheduler, runtime, api), never into the cluster, the tasks or the CLI"},
	{[]string{mod + "examples/kafka/topics"}, []string{mod + "api/client", mod + "deploy/...", mod + "executor/...", mod + "cmd/...",
		mod + "examples/kafka/brokers"},
		"the topic API knows Kafka (kafkaclient) and the API's routes; the scheduler gives it the brokers' addresses"},
}

func match(pattern, path string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == prefix || strings.HasPrefix(path, prefix+"/")
	}
	return path == pattern
}

func matchAny(patterns []string, path string) bool {
	for _, p := range patterns {
		if match(p, path) {
			return true
		}
	}
	return false
}

type pkg struct {
	imports, deps []string
}

// listPackages runs go list on the module: every package with its direct
// imports and all its dependencies (test files excluded).
func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-f",
		"{{.ImportPath}}\t{{join .Imports \" \"}}\t{{join .Deps \" \"}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkg{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			t.Fatalf("go list line %q", line)
		}
		pkgs[f[0]] = pkg{imports: strings.Fields(f[1]), deps: strings.Fields(f[2])}
	}
	if len(pkgs) < 20 {
		t.Fatalf("go list gave only %d packages", len(pkgs))
	}
	return pkgs
}

// TestLayers checks every rule, and that each rule is about at least one
// package (so that a rule does not outlive what it guards).
func TestLayers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	pkgs := listPackages(t)
	for _, r := range rules {
		about := 0
		for path, p := range pkgs {
			if !matchAny(r.from, path) {
				continue
			}
			about++
			for _, dep := range p.deps {
				if matchAny(r.notOn, dep) && !matchAny(r.from, dep) {
					t.Errorf("%s depends on %s: %s", path, dep, r.why)
				}
			}
		}
		if about == 0 {
			t.Errorf("no package is what the rule %q is about: %v", r.why, r.from)
		}
	}
}

// TestPurePackagesDoNoIO: no Kennel package a pure package depends on (or
// the pure package itself) imports an IO package. Third-party and
// standard packages may (fmt imports os); what matters is that Kennel's
// decision code does not.
func TestPurePackagesDoNoIO(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	pkgs := listPackages(t)
	for path, p := range pkgs {
		if !matchAny(pure, path) {
			continue
		}
		for _, dep := range append([]string{path}, p.deps...) {
			if !strings.HasPrefix(dep, mod) {
				continue
			}
			for _, imp := range pkgs[dep].imports {
				if matchAny(ioPackages, imp) {
					t.Errorf("%s (pure, or a dependency of pure %s) imports %s", dep, path, imp)
				}
			}
		}
	}
}
