package scheduler

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/scheduler/offer"
	"github.com/kennel-sdk/kennel/servicespec"
)

// Pods launch into what an offer has left: as many pods as fit share one
// ACCEPT, and an offer too small for the next pod is not overcommitted.
func TestPodsShareAnOffer(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cpus     float64
		count    int
		launched int
	}{
		{"room for all", 4, 3, 3},
		{"room for two", 1.3, 3, 2}, // each pod: 0.5 cpus and the executor's 0.1
		{"room for one", 0.6, 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := servicespec.Load("svc.yml", []byte(strings.Replace(spec, "count: 1", fmt.Sprintf("count: %d", tc.count), 1)+parallelPlan), servicespec.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			c, err := New(Config{Identity: offer.Identity{Service: "svc", Role: "svc-role", Principal: "p", User: "root"}},
				Loaded{Spec: s, ConfigID: s.ID()}, func() string { n++; return fmt.Sprintf("id-%d", n) }, t0)
			if err != nil {
				t.Fatal(err)
			}
			c.Subscribed("fw-1", t0)
			o := agentOffer()
			o.Resources[0].Scalar.Value = tc.cpus
			d := c.Offers([]mesos.Offer{o}, t0.Add(time.Second))
			if got := callTypes(d); got != "ACCEPT" {
				t.Fatalf("calls: %s", got)
			}
			launches := 0
			var cpus float64
			for _, op := range d.Calls[0].GetAccept().Operations {
				switch op.Type {
				case mesos.Offer_Operation_LAUNCH_GROUP:
					launches++
				case mesos.Offer_Operation_RESERVE:
					for _, r := range op.Reserve.Resources {
						if r.Name == "cpus" {
							cpus += r.GetScalar().GetValue()
						}
					}
				}
			}
			if launches != tc.launched || cpus > tc.cpus+1e-9 {
				t.Fatalf("%d launches reserving %g cpus of %g, want %d launches", launches, cpus, tc.cpus, tc.launched)
			}
			// The instances that did not fit (evaluated once, the others
			// known alike) all say why.
			if len(c.waiting) != tc.count-tc.launched {
				t.Fatalf("waiting instances: %v, want %d", c.waiting, tc.count-tc.launched)
			}
			for inst, why := range c.waiting {
				if !strings.Contains(why, "no offer fits") {
					t.Errorf("%s waits: %q", inst, why)
				}
			}
		})
	}
}

const parallelPlan = `plans:
  deploy:
    strategy: serial
    phases:
      hello:
        strategy: parallel
        pod: hello
`

// However many pods fit the offers, one event's launches write at most
// about maxLaunchBatch: the rest launch from the offers the core keeps,
// decision after decision of Continue, with no new offer.
func TestLaunchBatchIsCapped(t *testing.T) {
	c := parallelCore(t, 400)
	var offers []mesos.Offer
	for i := range 100 {
		o := agentOffer()
		o.ID.Value, o.AgentID.Value, o.Hostname = fmt.Sprintf("o%d", i), fmt.Sprintf("a%d", i), fmt.Sprintf("h%d", i)
		o.Resources[1].Scalar.Value = 1 << 20
		o.Resources[2].Scalar.Value = 1 << 20
		o.Resources[0].Scalar.Value = 100
		offers = append(offers, o)
	}
	answered := map[string]string{} // offer id -> ACCEPT or DECLINE
	count := func(d Decisions) (launched int) {
		for _, call := range d.Calls {
			var ids []mesos.OfferID
			switch {
			case call.GetAccept() != nil:
				ids = call.GetAccept().OfferIDs
				for _, op := range call.GetAccept().GetOperations() {
					if op.Type == mesos.Offer_Operation_LAUNCH_GROUP {
						launched++
					}
				}
			case call.GetDecline() != nil:
				ids = call.GetDecline().OfferIDs
			}
			for _, id := range ids {
				if answered[id.Value] != "" {
					t.Errorf("offer %s answered twice", id.Value)
				}
				answered[id.Value] = call.Type.String()
			}
		}
		return launched
	}
	now := t0.Add(time.Second)
	d := c.Offers(offers, now)
	launched := count(d)
	if launched == 0 || launched == 400 || d.Batch.Size() > 2*maxLaunchBatch {
		t.Fatalf("%d launches writing %d bytes in one event", launched, d.Batch.Size())
	}
	if !d.More {
		t.Fatal("launches were capped but the decision asks for no Continue")
	}
	rounds := 1
	for d.More {
		if rounds++; rounds > 100 {
			t.Fatal("Continue never stops asking for more")
		}
		now = now.Add(10 * time.Millisecond)
		d = c.Continue(now)
		if d.Batch.Size() > 2*maxLaunchBatch {
			t.Errorf("a Continue decision writes %d bytes", d.Batch.Size())
		}
		launched += count(d)
	}
	if launched != 400 {
		t.Errorf("%d pods launched in %d decisions from the first offers, want all 400", launched, rounds)
	}
	if len(answered) != len(offers) {
		t.Errorf("%d of %d offers answered at the end", len(answered), len(offers))
	}
	if d := c.Continue(now); d.More || len(d.Calls) > 0 {
		t.Errorf("Continue with nothing kept decided %d calls, More=%v", len(d.Calls), d.More)
	}
}

// remainder works on its own copy of the offer's resources: the offer and
// the operations, which go to Mesos, are left as they were, and what it
// leaves is the offer less every resource the pods took.
func TestRemainderLeavesOfferAndOperations(t *testing.T) {
	c := parallelCore(t, 3)
	o := agentOffer()
	o.Resources[0].Scalar.Value = 4
	d := c.Offers([]mesos.Offer{o}, t0.Add(time.Second))
	if got := callTypes(d); got != "ACCEPT" {
		t.Fatalf("calls: %s", got)
	}
	ops := d.Calls[0].GetAccept().Operations
	opsBefore := make([]mesos.Offer_Operation, len(ops))
	for i := range ops {
		opsBefore[i] = *proto.Clone(&ops[i]).(*mesos.Offer_Operation)
	}
	offerBefore := *proto.Clone(&o).(*mesos.Offer)
	rest, ok := remainder(o, ops)
	if !ok {
		t.Fatal("remainder does not follow the operations")
	}
	for i := range ops {
		if !proto.Equal(&ops[i], &opsBefore[i]) {
			t.Fatalf("operation %d changed:\n%v\nwas\n%v", i, ops[i], opsBefore[i])
		}
	}
	if !proto.Equal(&o, &offerBefore) {
		t.Fatalf("offer changed:\n%v\nwas\n%v", o, offerBefore)
	}
	var cpus float64
	for _, r := range rest.Resources {
		if r.Name == "cpus" && len(r.Reservations) == 0 {
			cpus += r.GetScalar().GetValue()
		}
	}
	// Each pod takes 0.5 cpus and its executor 0.1.
	if want := 4 - 3*0.6; cpus < want-1e-9 || cpus > want+1e-9 {
		t.Fatalf("unreserved cpus left: %g, want %g", cpus, want)
	}
}
