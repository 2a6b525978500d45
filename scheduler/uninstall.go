package scheduler

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/scheduler/offer"
)

// uninstallState is an uninstall in progress (reference §1.12): every task
// is killed, every reservation and volume the framework made is released
// as its agent offers it, then the framework is torn down and the store
// wiped.
//
// An agent that holds reservations and offers nothing is waited for at
// most Config.UninstallAgentTimeout from the start of the uninstall or its
// last offer; then the steps it holds say so, and `plan force-complete`
// on them gives its tasks and reservations up (uninstallForce).
type uninstallState struct {
	released  map[string]string    // resource ids released -> their agent's hostname
	abandoned map[string]string    // resource ids given up by force-complete -> hostname
	started   time.Time            // when this scheduler began uninstalling
	lastOffer map[string]time.Time // agent id -> its latest offer
	done      bool
}

// defaultUninstallAgentTimeout is Config.UninstallAgentTimeout's default:
// agents re-register within minutes after a restart or a short partition.
const defaultUninstallAgentTimeout = 15 * time.Minute

// newUninstall starts an uninstall at now; done if nothing is stored.
func newUninstall(done bool, now time.Time) *uninstallState {
	return &uninstallState{released: map[string]string{}, abandoned: map[string]string{},
		lastOffer: map[string]time.Time{}, started: now, done: done}
}

// silentSince is since when agent has offered nothing, as far as this
// scheduler knows.
func (u *uninstallState) silentSince(agent string) time.Time {
	if at, ok := u.lastOffer[agent]; ok && at.After(u.started) {
		return at
	}
	return u.started
}

// uninstallOffers kills what runs and releases everything labelled with
// our framework id; once nothing is left, the records are erased and
// Done is set.
func (c *Core) uninstallOffers(d *Decisions, offers []mesos.Offer, now time.Time) {
	u := c.uninstall
	for _, o := range offers {
		u.lastOffer[o.AgentID.Value] = now
	}
	for _, name := range slices.Sorted(maps.Keys(c.tasks)) {
		if t := c.tasks[name]; t.live() {
			c.kill(d, t.head.id, t.head.agent, now)
		}
	}
	var rest []mesos.Offer
	for _, o := range offers {
		ops, ids := offer.Unexpected(o, c.frameworkID, func(string) bool { return false })
		if len(ops) == 0 {
			rest = append(rest, o)
			continue
		}
		for _, id := range ids {
			u.released[id] = o.Hostname
		}
		c.forgetResources(d, ids, now)
		accept(d, o, ops, false)
	}
	c.decline(d, rest, declineShort)
	c.finishUninstall(d, now)
}

// finishUninstall erases the records once no task runs and no task holds
// a reservation.
func (c *Core) finishUninstall(d *Decisions, now time.Time) {
	for _, t := range c.tasks {
		if t.live() || len(t.resourceIDs()) > 0 {
			return
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.tasks)) {
		c.erase(d, name, now)
	}
	c.uninstall.done = true
	d.Done = true
}

// Uninstalling reports whether the core runs an uninstall.
func (c *Core) Uninstalling() bool { return c.uninstall != nil }

func uninstallID(name string) string {
	sum := sha256.Sum256([]byte("uninstall\x00" + name))
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}
