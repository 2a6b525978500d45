package chaos_test

import (
	"cmp"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestChaos is the CI-sized campaign: a fixed seed, ten faults of ten
// kinds (the seed's first ten of the shuffled kinds) on the service with
// MOUNT volumes and a ONCE task, the invariants after each. Any violation
// fails it, with the seed and the schedule up to it.
func TestChaos(t *testing.T) {
	rep := run(t, services["chaos"], 16, 10, 0)
	t.Log("\n" + rep.String())
	for _, v := range rep.violations {
		t.Errorf("%s", v)
	}
}

// TestCampaign is the long campaign `make chaos` runs, one service per
// process: KENNEL_CHAOS=1, with KENNEL_CHAOS_SERVICE (chaos, hello-world
// or kafka; default chaos), KENNEL_CHAOS_SEED (default: the time),
// KENNEL_CHAOS_FAULTS (default 100) and KENNEL_CHAOS_DURATION (a Go
// duration bounding the faults' phase, default none).
// KENNEL_CHAOS_REPORT names a file for the report; KENNEL_CHAOS_LOGS a
// directory that keeps the cluster's and schedulers' log.
func TestCampaign(t *testing.T) {
	if os.Getenv("KENNEL_CHAOS") != "1" {
		t.Skip("the long campaign runs with KENNEL_CHAOS=1 (make chaos)")
	}
	name := cmp.Or(os.Getenv("KENNEL_CHAOS_SERVICE"), "chaos")
	svc, ok := services[name]
	if !ok {
		t.Fatalf("KENNEL_CHAOS_SERVICE: no service %q (want one of %v)", name, slices.Sorted(maps.Keys(services)))
	}
	seed := uint64(time.Now().UnixNano() % 100000)
	if s := os.Getenv("KENNEL_CHAOS_SEED"); s != "" { // the Makefile passes it empty when not given
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("KENNEL_CHAOS_SEED: %v", err)
		}
		seed = v
	}
	faults := 100
	if s := os.Getenv("KENNEL_CHAOS_FAULTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			t.Fatalf("KENNEL_CHAOS_FAULTS: want a positive number, got %q", s)
		}
		faults = v
	}
	var duration time.Duration
	if s := os.Getenv("KENNEL_CHAOS_DURATION"); s != "" {
		v, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("KENNEL_CHAOS_DURATION: %v", err)
		}
		duration = v
	}
	rep := run(t, svc, seed, faults, duration)
	t.Log("\n" + rep.String())
	if path := os.Getenv("KENNEL_CHAOS_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(rep.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
	for _, v := range rep.violations {
		t.Errorf("%s", v)
	}
}

// recoverLimit bounds one recovery: generous, for a loaded CI machine.
// leakLimit bounds the wait for the scheduler's sweep to give back what a
// fault left reserved.
const (
	recoverLimit = 4 * time.Minute
	leakLimit    = 2 * time.Minute
)

// run is one campaign of n faults from seed on svc, bounded by duration if
// not 0. A fault the deploy does not recover from ends the campaign.
func run(t *testing.T, svc *service, seed uint64, n int, duration time.Duration) *report {
	e := newEnv(t, svc)
	rep := &report{service: svc.name, seed: seed, faults: map[string]int{}, recovery: map[string][]time.Duration{}}
	weights := maps.Clone(svc.weights)
	if !e.tmpfs {
		delete(weights, diskFull)
	}
	r := &campaign{e: e, rep: rep, hello: svc.count, relaunch: map[string]string{}, c: &checker{e: e, checks: map[string]int{}, markers: map[int]string{}, fresh: map[int]bool{}}}
	e.startScheduler()
	if _, ok := r.recover(recoverLimit); !ok {
		t.Fatalf("the first deploy did not complete:%s", r.stuck())
	}
	r.note(fault{kind: "initial deploy"}, r.c.afterRecovery(r.hello, leakLimit))
	start := time.Now()
	for _, f := range schedule(seed, n, weights) {
		if duration > 0 && time.Since(start) > duration {
			break
		}
		rep.log = append(rep.log, f.String())
		t.Logf("fault %s", f)
		rep.faults[f.kind]++
		switch f.kind {
		case schedulerKill, crashAfterWrite, reconfigMidRoll:
			rep.schedulerKills++
		}
		if err := r.apply(f); err != nil {
			r.note(f, []violation{{"fault-applied", err.Error()}})
		}
		r.note(f, r.c.duringFault())
		took, ok := r.recover(recoverLimit)
		if !ok {
			r.note(f, []violation{{"deploy-complete", "not COMPLETE " + recoverLimit.String() + " after the fault:" + r.stuck()}})
			break
		}
		rep.recovery[f.kind] = append(rep.recovery[f.kind], took)
		r.note(f, r.c.afterRecovery(r.hello, leakLimit))
	}
	rep.checks = r.c.checks
	rep.elapsed = time.Since(start)
	return rep
}

// stuck explains a deploy that did not complete: its unfinished steps and
// the live tasks.
func (r *campaign) stuck() string {
	var b strings.Builder
	if info, err := r.e.plan("deploy"); err != nil {
		fmt.Fprintf(&b, "\n  plan: %v", err)
	} else {
		fmt.Fprintf(&b, "\n  plan %s", info.Status)
		for _, ph := range info.Phases {
			for _, st := range ph.Steps {
				if st.Status != "COMPLETE" {
					fmt.Fprintf(&b, "\n  %s (%s): %s", st.Name, st.Status, st.Message)
				}
			}
		}
	}
	if w, err := r.e.read(); err == nil {
		live := w.live()
		for _, name := range slices.Sorted(maps.Keys(live)) {
			for _, t := range live[name] {
				fmt.Fprintf(&b, "\n  task %s %s on %s", t.ID, t.State, t.SlaveID)
			}
		}
		for _, a := range w.agents {
			fmt.Fprintf(&b, "\n  agent %s id %s up %v partitioned %v", a.Name, a.ID, a.Up, a.Partitioned)
		}
	}
	return b.String()
}

// note records violations found at fault f, with the schedule up to it.
func (r *campaign) note(f fault, vs []violation) {
	for _, v := range vs {
		from := max(0, len(r.rep.log)-8)
		r.e.t.Logf("VIOLATION at %s: %s", f, v)
		r.rep.violations = append(r.rep.violations, fmt.Sprintf("%s seed %d, at %s: %s\n  replay: KENNEL_CHAOS=1 KENNEL_CHAOS_SERVICE=%s KENNEL_CHAOS_SEED=%d KENNEL_CHAOS_FAULTS=%d go test ./chaos -run '^TestCampaign$' -v\n  schedule before it:\n    %s",
			r.rep.service, r.rep.seed, f, v, r.rep.service, r.rep.seed, max(f.n, 1), strings.Join(r.rep.log[from:], "\n    ")))
	}
}

// report is a campaign's figures.
type report struct {
	service          string
	seed             uint64
	faults           map[string]int
	checks           map[string]int
	recovery         map[string][]time.Duration
	violations       []string
	log              []string
	restarts         int // schedulers restarted by the supervisor
	schedulerKills   int
	crashPointsFired int
	splitBrainTrials int
	lockLossExit     []time.Duration // lock lost to exit, per expiry trial
	elapsed          time.Duration
}

func (r *report) String() string {
	var b strings.Builder
	total := 0
	for _, n := range r.faults {
		total += n
	}
	fmt.Fprintf(&b, "chaos campaign: service %s, seed %d, %d faults in %s, %d violations\n", r.service, r.seed, total, r.elapsed.Round(time.Second), len(r.violations))
	fmt.Fprintf(&b, "scheduler kills %d (crash points fired %d), split-brain trials %d, supervisor restarts %d\n",
		r.schedulerKills, r.crashPointsFired, r.splitBrainTrials, r.restarts)
	if len(r.lockLossExit) > 0 {
		med, mx := stats(r.lockLossExit)
		fmt.Fprintf(&b, "lock lost to old scheduler gone: median %s, max %s\n", med, mx)
	}
	b.WriteString("fault kind                       count  recovery median  max\n")
	for _, k := range slices.Sorted(maps.Keys(r.faults)) {
		med, mx := stats(r.recovery[k])
		fmt.Fprintf(&b, "%-32s %5d  %15s  %s\n", k, r.faults[k], med, mx)
	}
	b.WriteString("invariant checks:")
	for _, k := range slices.Sorted(maps.Keys(r.checks)) {
		fmt.Fprintf(&b, " %s %d;", k, r.checks[k])
	}
	b.WriteString("\n")
	for _, v := range r.violations {
		b.WriteString("VIOLATION " + v + "\n")
	}
	return b.String()
}

// stats are the median and maximum of ds, rounded.
func stats(ds []time.Duration) (median, maximum time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2].Round(100 * time.Millisecond), s[len(s)-1].Round(100 * time.Millisecond)
}
