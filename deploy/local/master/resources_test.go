package master

import (
	"testing"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"pgregory.net/rapid"
)

// genResource draws a cpus, mem or disk scalar (maybe dynamically
// reserved to one of two roles) or a ports range.
func genResource(t *rapid.T, label string) mesos.Resource {
	name := rapid.SampledFrom([]string{"cpus", "mem", "disk", "ports"}).Draw(t, label+" name")
	r := mesos.Resource{Name: name}
	if name == "ports" {
		b := rapid.Uint64Range(1000, 2000).Draw(t, label+" begin")
		e := rapid.Uint64Range(b, b+50).Draw(t, label+" end")
		r.Type = mesos.RANGES.Enum()
		r.Ranges = &mesos.Value_Ranges{Range: []mesos.Value_Range{{Begin: b, End: e}}}
	} else {
		r.Type = mesos.SCALAR.Enum()
		r.Scalar = &mesos.Value_Scalar{Value: float64(rapid.IntRange(1, 64).Draw(t, label+" value"))}
	}
	if role := rapid.SampledFrom([]string{"", "a", "b/c"}).Draw(t, label+" role"); role != "" {
		typ := mesos.Resource_ReservationInfo_DYNAMIC
		r.Reservations = []mesos.Resource_ReservationInfo{{Type: &typ, Role: &role, Principal: proto.String("p")}}
	}
	return r
}

func genResources(t *rapid.T, label string) mesos.Resources {
	n := rapid.IntRange(0, 6).Draw(t, label+" count")
	var out mesos.Resources
	for i := range n {
		out = out.Plus(genResource(t, label+string(rune('0'+i))))
	}
	return out
}

// Resources a framework without RESERVATION_REFINEMENT sees and sends back
// convert to what the master holds.
func TestFrameworkFormatRoundTrip(t *testing.T) {
	legacy := &framework{}
	refined := &framework{info: mesos.FrameworkInfo{Capabilities: []mesos.FrameworkInfo_Capability{{Type: mesos.FrameworkInfo_Capability_RESERVATION_REFINEMENT}}}}
	rapid.Check(t, func(t *rapid.T) {
		res := genResources(t, "r")
		for _, f := range []*framework{legacy, refined} {
			back := fromFrameworkFormat(f, toFrameworkFormat(f, res))
			if !containsAll(back, res) || !containsAll(res, back) {
				t.Fatalf("refinement %t: %v became %v", f.refinement(), res, back)
			}
		}
		for _, r := range toFrameworkFormat(legacy, res) {
			if len(r.Reservations) != 0 || r.Role == nil {
				t.Fatalf("pre-refinement resource %v has no role or has a stack", r)
			}
		}
	})
}

// containsAll counts quantities: a pool holds what was added to it, and
// not more than it holds.
func TestContainsAll(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := genResources(t, "a"), genResources(t, "b")
		sum := a.Clone().Plus(b...)
		if !containsAll(sum, a) || !containsAll(sum, b) || !containsAll(a, nil) {
			t.Fatalf("%v does not contain its parts %v and %v", sum, a, b)
		}
		// Scalars add up; port ranges are sets, so a range a already holds
		// adds nothing.
		grows := false
		for _, r := range b {
			if r.GetType() == mesos.SCALAR || !containsAll(a, mesos.Resources{r}) {
				grows = true
			}
		}
		if grows && containsAll(a, sum) {
			t.Fatalf("%v contains more than itself: %v", a, sum)
		}
	})
}

func TestContainsAllCountsQuantities(t *testing.T) {
	cpus := func(v float64) mesos.Resource {
		return mesos.Resource{Name: "cpus", Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: v}}
	}
	have := mesos.Resources{cpus(1)}
	for _, tc := range []struct {
		want mesos.Resources
		ok   bool
	}{
		{mesos.Resources{cpus(1)}, true},
		{mesos.Resources{cpus(0.5), cpus(0.5)}, true},
		{mesos.Resources{cpus(0.6), cpus(0.6)}, false},
		{mesos.Resources{cpus(-1)}, false},
	} {
		if got := containsAll(have, tc.want); got != tc.ok {
			t.Errorf("containsAll(%v, %v) = %t", have, tc.want, got)
		}
	}
}
