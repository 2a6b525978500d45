package scheduler

import (
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/plans"
	"github.com/kennel-sdk/kennel/scheduler/offer"
	"github.com/kennel-sdk/kennel/scheduler/record"
	"github.com/kennel-sdk/kennel/servicespec"
)

// Stories are data-driven tests of the decision core, in the manner of
// etcd raft's datadriven tests: each file under testdata/stories is a
// script of events (offers, status updates, ticks, operator actions,
// scheduler restarts) and, after each, the decisions the core took, as the
// core printed them. `go test ./scheduler -run TestStories -update`
// rewrites the expectations (datadriven's own flag is -rewrite).
//
// The story keeps its own store, a map every Batch is applied to, and a
// `restart` builds a fresh Core from that map alone: every story proves
// that what the core wrote is enough to carry on.
var update = flag.Bool("update", false, "rewrite the expected output of the stories")

func TestStories(t *testing.T) {
	if *update {
		if err := flag.Set("rewrite", "true"); err != nil {
			t.Fatal(err)
		}
	}
	datadriven.Walk(t, "testdata/stories", func(t *testing.T, path string) {
		s := newStory()
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			out, err := s.run(td)
			if err != nil {
				return "error: " + err.Error() + "\n"
			}
			// Mesos would refuse such a decision: no expectation makes it right.
			if strings.Contains(out, "!! ") {
				t.Errorf("%s: the story cluster refused an operation:\n%s", td.Pos, out)
			}
			if out == "" {
				return "ok\n"
			}
			return strings.TrimRight(out, "\n") + "\n"
		})
	})
}

const (
	storyService = "svc"
	storyRole    = "svc-role"
)

// storyEpoch is when every story begins.
var storyEpoch = time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)

// story is the state of one script: the clock, the store, the cluster
// and the core.
type story struct {
	now     time.Time
	cfg     Config
	store   map[string][]byte // key -> value, as record.Op names them
	cluster *storyCluster
	core    *Core
	nextID  int
	offers  int
	updates int
	// offerAgent maps offer ids to their agents, for printing.
	offerAgent map[string]string
	// offered holds the resources of the offers of the current event.
	offered map[string]offerOf
	// elementNames maps plan element ids to names, for printing.
	elementNames map[string]string
	// pendingKills are the task ids KILL was sent for, by agent.
	pendingKills map[string]string
	// inPlace are the env keys a start's ResolveTarget applies in place.
	inPlace []string
	// holding are the ids of the offers the core held after the last
	// event, as printed.
	holding string
}

type offerOf struct {
	agent string
	res   mesos.Resources
}

func newStory() *story {
	return &story{now: storyEpoch, store: map[string][]byte{}, cluster: newStoryCluster(storyRole),
		offerAgent: map[string]string{}, offered: map[string]offerOf{}, elementNames: map[string]string{},
		pendingKills: map[string]string{},
		cfg:          Config{Identity: offer.Identity{Service: storyService, Role: storyRole, Principal: "p", User: "root"}}}
}

func (s *story) newID() string {
	s.nextID++
	return fmt.Sprintf("id-%d", s.nextID)
}

// apply writes a batch into the story's store.
func (s *story) apply(b *record.Batch) {
	if b == nil {
		return
	}
	for _, w := range b.Ops() {
		if w.Delete {
			delete(s.store, w.Key)
			continue
		}
		s.store[w.Key] = append([]byte(nil), w.Value...)
	}
}

// loaded reads what a scheduler starting now would read from the store.
func (s *story) loaded() (Loaded, error) {
	l := Loaded{FrameworkID: string(s.store["FrameworkID"]), Tasks: map[string]record.Task{},
		Intent: map[string][]byte{}, Properties: map[string][]byte{}}
	for _, key := range slices.Sorted(maps.Keys(s.store)) {
		dir, name, _ := strings.Cut(key, "/")
		switch dir {
		case "Tasks":
			rec, err := record.DecodeTask(s.store[key])
			if err != nil {
				return l, fmt.Errorf("stored task %s: %w", name, err)
			}
			l.Tasks[name] = rec
		case "Intent":
			l.Intent[name] = s.store[key]
		case "Properties":
			l.Properties[name] = s.store[key]
		}
	}
	return l, nil
}

// start resolves candidate against the store as a starting scheduler does,
// writes the outcome and builds a fresh core from the store.
func (s *story) start(candidate *servicespec.ServiceSpec) (string, error) {
	l, err := s.loaded()
	if err != nil {
		return "", err
	}
	stored := Stored{Target: string(s.store["ConfigTarget"]), Configs: map[string][]byte{}, Tasks: l.Tasks}
	for _, key := range slices.Sorted(maps.Keys(s.store)) {
		if id, ok := strings.CutPrefix(key, "Configurations/"); ok {
			stored.Configs[id] = s.store[key]
		}
	}
	if candidate == nil {
		data, ok := stored.Configs[stored.Target]
		if !ok {
			return "", fmt.Errorf("no target configuration stored")
		}
		candidate, err = servicespec.Decode(stored.Target, data)
		if err != nil {
			return "", fmt.Errorf("stored target: %w", err)
		}
	}
	var inPlace servicespec.InPlaceFunc
	if len(s.inPlace) > 0 {
		inPlace = func(_, _, key, _, _ string) bool { return slices.Contains(s.inPlace, key) }
	}
	target, err := ResolveTarget(stored, candidate, inPlace)
	if err != nil {
		return "", err
	}
	out := s.printDecisions(Decisions{Batch: target.Batch})
	if len(target.InPlace) > 0 {
		out += "\nin place: " + strings.Join(target.InPlace, " ")
	}
	for _, e := range target.Errors {
		out += "\nrefused: " + e
	}
	for _, n := range target.Notices {
		out += "\nnotice: " + n
	}
	s.apply(target.Batch)
	l, err = s.loaded()
	if err != nil {
		return "", err
	}
	l.Spec, l.ConfigID, l.Errors = target.Spec, target.ConfigID, target.Errors
	c, err := New(s.cfg, l, s.newID, s.now)
	if err != nil {
		return "", err
	}
	s.core = c
	s.pendingKills = map[string]string{}
	s.holding = ""
	return out, nil
}

// decide prints d after writing its batch and applying its calls to the
// cluster.
func (s *story) decide(d Decisions) string {
	out := s.printDecisions(d)
	s.apply(d.Batch)
	var problems []string
	for _, c := range d.Calls {
		problems = append(problems, s.cluster.apply(s, c)...)
	}
	if len(problems) > 0 {
		out += "\n" + strings.Join(problems, "\n")
	}
	if h := s.heldChange(); h != "" {
		out = strings.TrimLeft(out+"\n"+h, "\n")
	}
	return out
}

// heldChange prints the offers the core holds, if they changed since
// last printed.
func (s *story) heldChange() string {
	var ids []string
	for _, h := range s.core.holding {
		ids = append(ids, h.offer.ID.Value)
	}
	now := strings.Join(ids, ",")
	if now == s.holding {
		return ""
	}
	s.holding = now
	if now == "" {
		return "holding nothing"
	}
	return "holding " + now
}

// parseDuration reads a story duration: Go syntax (90s, 5m, 1h30m).
func parseDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("duration %q: %w", v, err)
	}
	return d, nil
}

// backoffOf reads "initial,factor,max" or "off".
func backoffOf(v string) (plans.BackoffPolicy, error) {
	if v == "off" {
		return plans.BackoffPolicy{Disabled: true}, nil
	}
	parts := strings.Split(v, ",")
	if len(parts) != 3 {
		return plans.BackoffPolicy{}, fmt.Errorf("backoff %q: want initial,factor,max", v)
	}
	initial, err := parseDuration(parts[0])
	if err != nil {
		return plans.BackoffPolicy{}, err
	}
	var factor float64
	if _, err := fmt.Sscanf(parts[1], "%g", &factor); err != nil {
		return plans.BackoffPolicy{}, fmt.Errorf("backoff factor %q: %w", parts[1], err)
	}
	maxDelay, err := parseDuration(parts[2])
	if err != nil {
		return plans.BackoffPolicy{}, err
	}
	return plans.BackoffPolicy{Initial: initial, Factor: factor, Max: maxDelay}, nil
}
