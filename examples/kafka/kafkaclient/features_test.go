package kafkaclient

import (
	"errors"
	"testing"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kversion"
)

// TestFeatures: on a 3-broker kfake cluster of Kafka 4.1, every broker
// reports the metadata.version range its release supports and the
// cluster's finalized level; a safe downgrade made through one broker is
// what the others report; an upgrade past what the brokers support, a
// downgrade typed as an upgrade and an unknown feature are refused with
// Kafka's errors, wrapped in ErrFeatureUpdate.
func TestFeatures(t *testing.T) {
	ctx := testContext(t)
	_, addrs := newCluster(t, 3, kfake.MaxVersions(kversion.V4_1_0()))
	admin := NewAdmin(addrs...)
	defer admin.Close()

	check := func(wantFinalized int16) {
		t.Helper()
		each := admin.DescribeFeaturesEach(ctx)
		if len(each) != 3 {
			t.Fatalf("%d answers, want 3", len(each))
		}
		for _, b := range each {
			if b.Err != nil {
				t.Fatalf("%s: %v", b.Addr, b.Err)
			}
			if got, want := b.Features.Supported[MetadataVersion], (Range{7, 27}); got != want {
				t.Errorf("%s: supports metadata.version %v, want %v (Kafka 4.1: 3.3-IV3..4.1-IV1)", b.Addr, got, want)
			}
			if got := b.Features.Finalized[MetadataVersion]; got != wantFinalized {
				t.Errorf("%s: finalized metadata.version %d, want %d", b.Addr, got, wantFinalized)
			}
		}
	}
	check(27) // a new 4.1 cluster is formatted at its latest production level

	if err := admin.UpdateFeaturesAt(ctx, addrs[0], MetadataVersion, 25, SafeDowngrade); err != nil {
		t.Fatal(err)
	}
	check(25)
	if err := admin.UpdateFeaturesAt(ctx, addrs[1], MetadataVersion, 27, Upgrade); err != nil {
		t.Fatal(err)
	}
	check(27)

	refused := []struct {
		name    string
		feature string
		level   int16
		typ     UpgradeType
		want    kafka.Error
	}{
		{"above the release's max", MetadataVersion, 28, Upgrade, kafka.FeatureUpdateFailed},
		{"downgrade typed as upgrade", MetadataVersion, 26, Upgrade, kafka.InvalidUpdateVersion},
		{"unknown feature", "no.such.version", 1, Upgrade, kafka.FeatureUpdateFailed},
	}
	for _, tc := range refused {
		err := admin.UpdateFeaturesAt(ctx, addrs[2], tc.feature, tc.level, tc.typ)
		if !errors.Is(err, ErrFeatureUpdate) || !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v wrapped in ErrFeatureUpdate", tc.name, err, tc.want)
		}
	}
	check(27)
}

// TestFeaturesUnanswered: a broker that is down is reported with its
// error, beside the others' answers.
func TestFeaturesUnanswered(t *testing.T) {
	ctx := testContext(t)
	c, addrs := newCluster(t, 3, kfake.MaxVersions(kversion.V4_0_0()))
	if err := c.RemoveNode(1); err != nil {
		t.Fatal(err)
	}
	admin := NewAdmin(addrs...)
	defer admin.Close()
	each := admin.DescribeFeaturesEach(ctx)
	for i, b := range each {
		if (b.Err != nil) != (i == 1) {
			t.Errorf("broker %d (%s): err %v", i, b.Addr, b.Err)
		}
		if i != 1 && b.Features.Supported[MetadataVersion] != (Range{7, 25}) {
			t.Errorf("broker %d: supports %v, want 7..25 (Kafka 4.0)", i, b.Features.Supported[MetadataVersion])
		}
	}
}
