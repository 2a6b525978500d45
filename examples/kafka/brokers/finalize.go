package brokers

import (
	"context"
	"fmt"
	"strings"

	"github.com/kennel-sdk/kennel/examples/kafka/finalize"
	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/runtime"
)

// ActionFinalize is the action of the update plan's last phase (svc.yml):
// FinalizeMetadataVersion.
const ActionFinalize = "finalize-metadata-version"

// VarMetadataVersion is the metadata.version an upgrade finalizes
// (finalize.ParseLevel: 27, 4.1-IV1 or 4.1); empty: the highest level
// every broker supports, the new release's own, as kafka-features.sh
// upgrade --release-version of the release does; MetadataVersionKeep:
// none, the operator finalizes by hand.
const VarMetadataVersion = "KAFKA_METADATA_VERSION"

// MetadataVersionKeep is the VarMetadataVersion that leaves
// metadata.version as it is: the finalize phase completes at once.
const MetadataVersionKeep = "keep"

// FinalizeMetadataVersion is the update plan's finalize phase
// (runtime.Action): once every broker runs the target configuration (the
// new release, after the broker phase rolled them), it raises the KRaft
// metadata.version to Want (0: the highest level every broker supports),
// following finalize.Decide: it waits while a broker does not answer,
// runs another configuration or does not support the level, and fails
// the step with the reason when Kafka would refuse the change (a
// downgrade across a level that changed the metadata format). Each run
// reads every broker's features through its own listener; UpdateFeatures
// goes to each broker that reports another level (Kafka applies it
// cluster-wide from the first; a test broker is a cluster of its own).
// The step completes once every broker reports the level. Nothing
// outlives a run: Cleanup has nothing to undo.
// It reaches the brokers as the roll gates do (their SSL listener
// trusting the service's CA when they have no PLAINTEXT one, SCRAM when
// their listeners require it).
type FinalizeMetadataVersion struct {
	Want finalize.Level
	// Keep leaves metadata.version as it is (MetadataVersionKeep).
	Keep bool
}

var _ runtime.Action = FinalizeMetadataVersion{}

// broker is a placed broker and its listener.
type broker struct {
	name string
	addr string
}

// Run does what finalize.Decide says.
func (f FinalizeMetadataVersion) Run(ctx context.Context, req runtime.ActionRequest) (runtime.ActionResult, error) {
	if f.Keep {
		return runtime.ActionResult{Done: true, Reason: fmt.Sprintf("metadata.version left as it is (%s=%s)", VarMetadataVersion, MetadataVersionKeep)}, nil
	}
	placed, waiting := finalizeBrokers(req.View)
	if waiting != "" {
		return runtime.ActionResult{Reason: waiting}, nil
	}
	_, sec, err := access(placedBrokers(req.View), req.View.CACert, req.View.SecretSeeds)
	if err != nil {
		return runtime.ActionResult{Reason: "waiting: " + err.Error()}, nil
	}
	addrs := make([]string, len(placed))
	for i, b := range placed {
		addrs[i] = b.addr
	}
	admin := kafkaclient.NewSecureAdmin(sec, addrs...)
	defer admin.Close()
	reports := admin.DescribeFeaturesEach(ctx)
	in := make([]finalize.Broker, len(placed))
	for i, r := range reports {
		in[i] = finalize.Broker{Name: placed[i].name, Err: r.Err}
		if r.Err == nil {
			rg, ok := r.Features.Supported[kafkaclient.MetadataVersion]
			if !ok {
				in[i].Err = fmt.Errorf("it supports no %s (not KRaft)", kafkaclient.MetadataVersion)
				continue
			}
			in[i].Min, in[i].Max = finalize.Level(rg.Min), finalize.Level(rg.Max)
			in[i].Finalized = finalize.Level(r.Features.Finalized[kafkaclient.MetadataVersion])
		}
	}
	d := finalize.Decide(in, f.Want)
	switch d.Action {
	case finalize.Done:
		return runtime.ActionResult{Done: true, Reason: d.Reason}, nil
	case finalize.Refuse:
		return runtime.ActionResult{Failed: true, Reason: "refused: " + d.Reason}, nil
	case finalize.Wait:
		return runtime.ActionResult{Reason: d.Reason}, nil
	}
	typ := kafkaclient.Upgrade
	if d.Downgrade {
		typ = kafkaclient.SafeDowngrade
	}
	var names []string
	for _, i := range d.Brokers {
		if err := admin.UpdateFeaturesAt(ctx, placed[i].addr, kafkaclient.MetadataVersion, int16(d.Level), typ); err != nil {
			return runtime.ActionResult{Failed: true, Reason: fmt.Sprintf("refused by %s: %v", placed[i].name, err)}, nil
		}
		names = append(names, placed[i].name)
	}
	return runtime.ActionResult{Reason: fmt.Sprintf("%s; asked %s", d.Reason, strings.Join(names, ", "))}, nil
}

// Cleanup has nothing to undo: a finalized level is the point.
func (FinalizeMetadataVersion) Cleanup(context.Context, runtime.ActionRequest) error { return nil }

// finalizeBrokers are the brokers of the target configuration by node
// id, with the listeners the scheduler reaches them through; or, while one
// is not placed, ready or on the target configuration, what the phase
// waits for.
func finalizeBrokers(view scheduler.EnvView) ([]broker, string) {
	count := view.Counts[Pod]
	byIndex := map[int]scheduler.PlacedTask{}
	for _, p := range view.Placed {
		if p.Pod == Pod && p.Task == Task {
			byIndex[p.Index] = p
		}
	}
	var out []broker
	for i := range count {
		p, ok := byIndex[i]
		name := fmt.Sprintf("%s-%d", Pod, i)
		addr, _, known := clientListener(p.Env)
		switch {
		case !ok || !known:
			return nil, fmt.Sprintf("waiting for %s to be placed", name)
		case p.ConfigID != view.Config:
			return nil, fmt.Sprintf("waiting for %s to run the target configuration", name)
		case !p.Ready:
			return nil, fmt.Sprintf("waiting for %s to be ready", name)
		}
		out = append(out, broker{name: name, addr: addr})
	}
	if len(out) == 0 {
		return nil, "no broker to finalize"
	}
	return out, ""
}
