package brokers

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kennel-sdk/kennel/examples/kafka/finalize"
	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/examples/kafka/roll"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/runtime"
)

// Scheduler environment variables of the roll gates.
const (
	// VarRollGates switches the roll gates: true (the default when
	// empty) or false.
	VarRollGates = "KAFKA_ROLL_GATES"
	// VarUpdateStrategy is the update plan's phase strategy; with
	// parallel the gates pick the order (the active controller last).
	VarUpdateStrategy = "UPDATE_STRATEGY"
)

// DefaultQuorumLag is controller.quorum.fetch.timeout.ms's default: a
// voter whose last catch-up is this close to the leader's is caught up.
const DefaultQuorumLag = 2 * time.Second

// Gates are the Kafka scheduler's roll gates (runtime.Gates): a running
// broker restarts (a configuration update, an upgrade, `pod restart`)
// only when examples/kafka/roll's rules allow it, read from the cluster
// through the brokers' own listeners: no partition it is in sync for
// would drop below min.insync.replicas, no partition is under-replicated,
// a majority of the other controllers is caught up, and the active
// controller goes last. After its restart, the next broker waits until
// it is back in every ISR it left.
type Gates struct {
	// ControllerLast defers the active controller while other brokers
	// still run an older configuration. Only a plan that lets them go
	// first can honour it (the update plan's parallel strategy, the gates
	// ordering the restarts one at a time); with serial the plan's order
	// stands.
	ControllerLast bool
	// QuorumLag is how far a voter may trail the leader's last catch-up
	// and count as caught up (zero: DefaultQuorumLag).
	QuorumLag time.Duration
	// Release is the Kafka release of the target configuration
	// (KAFKA_VERSION). When its metadata.version levels are known, a
	// broker is not restarted onto it while the cluster's finalized
	// metadata.version is one the release does not support: Kafka would
	// not start it (a package downgrade past a finalized level). The
	// step waits, saying so, and no broker goes down.
	Release string
}

var _ runtime.Gates = Gates{}

// BeforeRestart asks roll.BeforeRestart about inst's broker.
func (g Gates) BeforeRestart(ctx context.Context, view scheduler.EnvView, inst scheduler.Instance) (runtime.Verdict, error) {
	if inst.Pod != Pod {
		return runtime.Pass(), nil
	}
	if why := g.releaseRefusal(ctx, view, inst); why != "" {
		return runtime.Wait("%s", why), nil
	}
	c, err := g.cluster(ctx, view, inst)
	if err != nil {
		return runtime.Verdict{}, err
	}
	var remaining []int32
	if g.ControllerLast {
		remaining = stale(view)
	}
	return verdict(roll.BeforeRestart(c, int32(inst.Index), inst.String(), remaining)), nil
}

// releaseRefusal says why inst's broker must not restart onto
// g.Release, or "": the release is unknown, the broker does not answer
// (the roll rules then decide), or the release supports the finalized
// metadata.version.
func (g Gates) releaseRefusal(ctx context.Context, view scheduler.EnvView, inst scheduler.Instance) string {
	if g.Release == "" {
		return ""
	}
	lo, hi, err := finalize.ReleaseLevels(g.Release)
	if err != nil {
		return ""
	}
	addrs, sec, err := PlacedListeners(view, inst.Index)
	if err != nil || len(addrs) == 0 {
		return ""
	}
	c, err := kafkaclient.DialSecure(ctx, addrs[0], sec)
	if err != nil {
		return ""
	}
	defer c.Close()
	f, err := c.DescribeFeatures(ctx)
	if err != nil {
		return ""
	}
	fin := finalize.Level(f.Finalized[kafkaclient.MetadataVersion])
	if err := finalize.CheckRelease(fin, lo, hi); err != nil {
		return fmt.Sprintf("refused: Kafka %s cannot run this cluster: %v; update to a package whose Kafka supports metadata.version %s",
			finalize.ReleaseName(g.Release), err, fin)
	}
	return ""
}

// AfterReady asks roll.AfterReady about inst's broker.
func (g Gates) AfterReady(ctx context.Context, view scheduler.EnvView, inst scheduler.Instance) (runtime.Verdict, error) {
	if inst.Pod != Pod {
		return runtime.Pass(), nil
	}
	c, err := g.cluster(ctx, view, inst)
	if err != nil {
		return runtime.Verdict{}, err
	}
	return verdict(roll.AfterReady(c, int32(inst.Index), inst.String())), nil
}

func verdict(v roll.Verdict) runtime.Verdict {
	if v.OK {
		return runtime.Pass()
	}
	return runtime.Wait("%s", v.Reason)
}

// cluster reads the roll model through the brokers' listeners, inst's
// own first (a test broker knows only itself).
func (g Gates) cluster(ctx context.Context, view scheduler.EnvView, inst scheduler.Instance) (roll.Cluster, error) {
	addrs, sec, err := PlacedListeners(view, inst.Index)
	if err != nil {
		return roll.Cluster{}, err
	}
	admin := kafkaclient.NewSecureAdmin(sec, addrs...)
	defer admin.Close()
	s, err := admin.RollState(ctx)
	if err != nil {
		return roll.Cluster{}, err
	}
	return Model(s, g.quorumLag()), nil
}

func (g Gates) quorumLag() time.Duration {
	if g.QuorumLag > 0 {
		return g.QuorumLag
	}
	return DefaultQuorumLag
}

// Model is the roll rules' model of what kafkaclient read.
func Model(s kafkaclient.RollState, lag time.Duration) roll.Cluster {
	c := roll.Cluster{Live: s.BrokerIDs(), Leader: -1}
	for _, p := range s.Partitions {
		min := s.MinISR[p.Topic]
		if min == 0 {
			min = 1
		}
		c.Partitions = append(c.Partitions, roll.Partition{Topic: p.Topic, ID: p.ID, Replicas: p.Replicas, ISR: p.ISR, MinISR: min})
	}
	if q := s.Quorum; q != nil {
		c.Leader = q.Leader
		for _, v := range q.Voters {
			c.Voters = append(c.Voters, roll.Voter{ID: v.ID, CaughtUp: q.CaughtUp(v.ID, lag)})
		}
	}
	return c
}

// PlacedListeners are the listeners (host:port) the scheduler reaches the
// placed brokers through, broker first's first, then the others by node
// id, and how to talk to them (TLS trusting view's CA when the brokers
// listen with TLS only).
func PlacedListeners(view scheduler.EnvView, first int) ([]string, kafkaclient.Security, error) {
	bs, sec, err := access(placedBrokers(view), view.CACert, view.SecretSeeds)
	if err != nil {
		return nil, sec, err
	}
	slices.SortStableFunc(bs, func(a, b placedBroker) int {
		switch {
		case a.id == b.id:
			return 0
		case a.id == first:
			return -1
		case b.id == first:
			return 1
		}
		return a.id - b.id
	})
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.addr
	}
	return out, sec, nil
}

// placedBroker is a placed broker's node id and the listener (host:port)
// the scheduler reaches it through (tls: its SSL one).
type placedBroker struct {
	id    int
	addr  string
	tls   bool
	scram bool // its listeners require SASL/SCRAM
}

// placedBrokers are the placed brokers whose listener is known, by node
// id.
func placedBrokers(view scheduler.EnvView) []placedBroker {
	var out []placedBroker
	for _, p := range view.Placed {
		if p.Pod != Pod || p.Task != Task {
			continue
		}
		if addr, tls, ok := clientListener(p.Env); ok {
			out = append(out, placedBroker{p.Index, addr, tls, p.Env[VarSCRAMSection] == "true"})
		}
	}
	slices.SortFunc(out, func(a, b placedBroker) int { return a.id - b.id })
	return out
}

// stale are the brokers launched with another configuration than the
// target: those an update still restarts.
func stale(view scheduler.EnvView) []int32 {
	var out []int32
	for _, p := range view.Placed {
		if p.Pod == Pod && p.Task == Task && p.ConfigID != view.Config {
			out = append(out, int32(p.Index))
		}
	}
	slices.Sort(out)
	return out
}

// rollGates reads VarRollGates and VarUpdateStrategy.
func rollGates(env map[string]string) (*Gates, error) {
	switch env[VarRollGates] {
	case "", "true":
	case "false":
		return nil, nil
	default:
		return nil, fmt.Errorf("kafka: %s=%q: want true or false", VarRollGates, env[VarRollGates])
	}
	return &Gates{ControllerLast: env[VarUpdateStrategy] == "parallel", Release: env[VarKafkaVersion]}, nil
}
