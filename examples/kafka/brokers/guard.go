package brokers

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kennel-sdk/kennel/examples/kafka/move"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/runtime"
)

// DrainGuard refuses a configuration that lowers brokers.count (or
// otherwise removes brokers) while a broker to remove holds replicas,
// saying which and how to move them (`kennel broker drain`), and refuses
// to remove a KRaft controller: the quorum is static. It reads the cluster
// through the placed brokers' listeners, a broker to remove first.
type DrainGuard struct{}

var _ runtime.DecommissionGuard = DrainGuard{}

// BeforeDecommission implements runtime.DecommissionGuard.
func (DrainGuard) BeforeDecommission(ctx context.Context, view scheduler.EnvView, insts []scheduler.Instance) ([]string, error) {
	var ids []int32
	var refusals []string
	placed := brokers(view)
	for _, inst := range insts {
		if inst.Pod != Pod {
			continue
		}
		ids = append(ids, int32(inst.Index))
		if p, ok := placed[inst.Index]; ok && slices.Contains(strings.Split(p.Env[VarProcessRoles], ","), "controller") {
			refusals = append(refusals, fmt.Sprintf("pods.%s.count: broker %d cannot be removed: it is a KRaft controller and the quorum is static (controller.quorum.voters)", Pod, inst.Index))
		}
	}
	if len(ids) == 0 {
		return refusals, nil
	}
	slices.Sort(ids)
	r, _, _, err := reassigner(ctx, view, ids[0])
	if err != nil {
		return nil, err
	}
	defer r.Close()
	a, err := r.Assignment(ctx)
	if err != nil {
		return nil, err
	}
	held := move.Holding(model(a), ids)
	if len(held) == 0 {
		return refusals, nil
	}
	var holders []int32
	for b := range held {
		holders = append(holders, b)
	}
	sort.Slice(holders, func(i, j int) bool { return holders[i] < holders[j] })
	var parts []string
	for _, b := range holders {
		parts = append(parts, fmt.Sprintf("broker %d holds %d replicas", b, held[b]))
	}
	refusals = append(refusals, fmt.Sprintf("pods.%s.count: cannot remove brokers %s while they hold replicas (%s): `kennel broker drain %s` moves them to the other brokers first, then lower brokers.count again",
		Pod, ids32(ids, ","), strings.Join(parts, ", "), ids32(ids, " ")))
	return refusals, nil
}

func ids32(ids []int32, sep string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(int(id))
	}
	return strings.Join(parts, sep)
}
