package offer

import (
	"fmt"
	"strings"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"pgregory.net/rapid"
)

// A match never takes more than the offer holds: what it reserves comes
// out of the offer's unreserved resources, and what it launches is either
// reserved in the same ACCEPT or was reserved in the offer already. A
// refusal always says why.
func TestMatchesFitTheirOffer(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cpus := rapid.SampledFrom([]string{"0.1", "0.5", "2", "5"}).Draw(t, "cpus")
		mem := rapid.IntRange(32, 9000).Draw(t, "mem")
		size := rapid.IntRange(1, 12000).Draw(t, "mount")
		spec := loadSpec(t, strings.NewReplacer("cpus: 0.5", "cpus: "+cpus, "memory: 256", fmt.Sprintf("memory: %d", mem),
			"size: 512", fmt.Sprintf("size: %d", size)).Replace(helloSpec))
		o := agentOffer("a1", "r")
		o.Resources[0].Scalar.Value = float64(rapid.IntRange(1, 8).Draw(t, "offered cpus"))
		m, refusals, ok := Evaluate(request(t, spec, 0, "server"), []mesos.Offer{o})
		if !ok {
			if len(refusals) != 1 || len(refusals[0].Reasons) == 0 {
				t.Fatalf("a refusal without reasons: %+v", refusals)
			}
			return
		}
		back := offerBack(o, m.Operations) // panics/inconsistent if RESERVE took what is not there
		var offered, reserved float64
		for _, r := range o.Resources {
			if r.Name == "cpus" {
				offered += scalarOf(r)
			}
		}
		for _, r := range m.Operations[0].Reserve.Resources {
			if r.Name == "cpus" {
				reserved += scalarOf(r)
			}
		}
		if reserved > offered+1e-9 {
			t.Fatalf("reserved %g cpus of %g offered", reserved, offered)
		}
		held := Hold(back)
		for _, task := range m.Tasks {
			for _, id := range ResourceIDs(&task) {
				if !held[id] {
					t.Fatalf("task resource %s is neither offered nor reserved", id)
				}
			}
		}
	})
}

// BenchmarkEvaluate is one scheduling round: pods pending pod instances
// (each a new instance, so each tries every offer until one fits) against
// offers agents' offers of which only the last has room.
func BenchmarkEvaluate(b *testing.B) {
	spec := loadSpec(b, helloSpec)
	for _, size := range []struct{ pods, offers int }{{10, 10}, {100, 50}, {100, 200}} {
		b.Run(fmt.Sprintf("%dpods_x_%doffers", size.pods, size.offers), func(b *testing.B) {
			offers := make([]mesos.Offer, size.offers)
			for i := range offers {
				offers[i] = agentOffer(fmt.Sprintf("a%d", i), "r")
				if i < size.offers-1 {
					offers[i].Resources[1].Scalar.Value = 64 // too little memory
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				for p := range size.pods {
					req := request(b, spec, p, "server")
					if _, _, ok := Evaluate(req, offers); !ok {
						b.Fatal("no match")
					}
				}
			}
		})
	}
}
