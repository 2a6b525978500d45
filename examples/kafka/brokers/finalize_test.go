package brokers_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/kennel-sdk/kennel/examples/kafka/brokers"
	"github.com/kennel-sdk/kennel/examples/kafka/finalize"
	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/runtime"
)

// upgraded is a 3-broker kfake cluster of Kafka 4.1 whose metadata.version
// is still 4.0's (25), as after a binary roll from 4.0, and the
// scheduler's view of it: every broker placed, ready, on configuration v2.
func upgraded(t *testing.T) ([]string, scheduler.EnvView) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.MaxVersions(kversion.V4_1_0()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	addrs := c.ListenAddrs()
	admin := kafkaclient.NewAdmin(addrs...)
	defer admin.Close()
	if err := admin.UpdateFeaturesAt(context.Background(), addrs[0], kafkaclient.MetadataVersion, 25, kafkaclient.SafeDowngrade); err != nil {
		t.Fatal(err)
	}
	view := scheduler.EnvView{Config: "v2", Counts: map[string]int{brokers.Pod: 3}, Placed: map[string]scheduler.PlacedTask{}}
	for i, addr := range addrs {
		host, port, _ := net.SplitHostPort(addr)
		view.Placed["kafka-"+strconv.Itoa(i)+"-broker"] = scheduler.PlacedTask{
			Instance: scheduler.Instance{Pod: brokers.Pod, Index: i}, Task: brokers.Task, ConfigID: "v2", Ready: true,
			Env: map[string]string{brokers.VarAdvertisedHost: host, brokers.VarBrokerPort: port}}
	}
	return addrs, view
}

func finalized(t *testing.T, addrs []string) []int16 {
	t.Helper()
	admin := kafkaclient.NewAdmin(addrs...)
	defer admin.Close()
	var out []int16
	for _, b := range admin.DescribeFeaturesEach(context.Background()) {
		if b.Err != nil {
			t.Fatal(b.Err)
		}
		out = append(out, b.Features.Finalized[kafkaclient.MetadataVersion])
	}
	return out
}

// TestFinalizeAction runs the finalize phase's action against a kfake
// cluster: it waits while a broker is on the old configuration or not
// ready, raises metadata.version to the release's level, completes on
// the next run, and fails with Kafka's reason on a refused downgrade.
func TestFinalizeAction(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	t.Run("raise to the release's level", func(t *testing.T) {
		addrs, view := upgraded(t)
		stale := view
		stale.Placed = map[string]scheduler.PlacedTask{}
		for k, p := range view.Placed {
			if p.Index == 1 {
				p.ConfigID = "v1"
			}
			stale.Placed[k] = p
		}
		a := brokers.FinalizeMetadataVersion{}
		res, err := a.Run(ctx, runtime.ActionRequest{View: stale})
		if err != nil || res.Done || res.Failed || res.Reason != "waiting for kafka-1 to run the target configuration" {
			t.Fatalf("stale kafka-1: %+v, %v", res, err)
		}
		if got := finalized(t, addrs); got[0] != 25 {
			t.Fatalf("finalized %v before the roll ended", got)
		}
		res, err = a.Run(ctx, runtime.ActionRequest{View: view})
		if err != nil || res.Done || res.Failed ||
			res.Reason != "raising metadata.version from 25 (4.0-IV3) to 27 (4.1-IV1): every broker supports it; asked kafka-0, kafka-1, kafka-2" {
			t.Fatalf("first run: %+v, %v", res, err)
		}
		if got := finalized(t, addrs); got[0] != 27 || got[1] != 27 || got[2] != 27 {
			t.Fatalf("finalized %v, want 27 everywhere", got)
		}
		res, err = a.Run(ctx, runtime.ActionRequest{View: view})
		if err != nil || !res.Done || res.Reason != "metadata.version is 27 (4.1-IV1) on every broker" {
			t.Fatalf("second run: %+v, %v", res, err)
		}
		if err := a.Cleanup(ctx, runtime.ActionRequest{View: view}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a downgrade Kafka refuses fails the step", func(t *testing.T) {
		addrs, view := upgraded(t)
		a := brokers.FinalizeMetadataVersion{Want: 22}
		res, err := a.Run(ctx, runtime.ActionRequest{View: view})
		if err != nil || !res.Failed || !strings.Contains(res.Reason, "refused: metadata.version is 25 (4.0-IV3): Kafka refuses a downgrade to 22 (4.0-IV0)") {
			t.Fatalf("%+v, %v", res, err)
		}
		if got := finalized(t, addrs); got[0] != 25 {
			t.Fatalf("finalized %v after a refusal", got)
		}
	})

	t.Run("a level the release does not have waits", func(t *testing.T) {
		_, view := upgraded(t)
		a := brokers.FinalizeMetadataVersion{Want: finalize.Level(29)}
		res, err := a.Run(ctx, runtime.ActionRequest{View: view})
		if err != nil || res.Done || res.Failed || !strings.Contains(res.Reason, "waiting for kafka-0 to run a release that supports metadata.version 29 (4.2-IV1)") {
			t.Fatalf("%+v, %v", res, err)
		}
	})

	t.Run("keep leaves it", func(t *testing.T) {
		addrs, view := upgraded(t)
		res, err := brokers.FinalizeMetadataVersion{Keep: true}.Run(ctx, runtime.ActionRequest{View: view})
		if err != nil || !res.Done || res.Reason != "metadata.version left as it is (KAFKA_METADATA_VERSION=keep)" {
			t.Errorf("keep: %+v, %v", res, err)
		}
		if got := finalized(t, addrs); got[0] != 25 {
			t.Errorf("finalized %v, want 25 left as it is", got)
		}
	})

	t.Run("a broker down waits", func(t *testing.T) {
		_, view := upgraded(t)
		p := view.Placed["kafka-2-broker"]
		p.Env = map[string]string{brokers.VarAdvertisedHost: "127.0.0.1", brokers.VarBrokerPort: "1"}
		view.Placed["kafka-2-broker"] = p
		res, err := brokers.FinalizeMetadataVersion{}.Run(ctx, runtime.ActionRequest{View: view})
		if err != nil || res.Done || res.Failed || !strings.HasPrefix(res.Reason, "waiting for kafka-2 to report its metadata.version") {
			t.Fatalf("%+v, %v", res, err)
		}
	})
}

func TestExtensionMetadataVersion(t *testing.T) {
	env := func(v string) map[string]string {
		return map[string]string{brokers.VarAdvertise: brokers.AdvertiseAgent, brokers.VarTestBroker: "true", brokers.VarBrokerCount: "3",
			brokers.VarMetadataVersion: v}
	}
	ext, err := brokers.Extension(env("4.1-IV1"))
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := ext.Actions[brokers.ActionFinalize].(brokers.FinalizeMetadataVersion); !ok || a.Want != 27 {
		t.Errorf("action %#v", ext.Actions[brokers.ActionFinalize])
	}
	if ext, err = brokers.Extension(env("keep")); err != nil || !ext.Actions[brokers.ActionFinalize].(brokers.FinalizeMetadataVersion).Keep {
		t.Errorf("keep: %v, %#v", err, ext.Actions[brokers.ActionFinalize])
	}
	_, err = brokers.Extension(env("4.1-IV7"))
	if err == nil || !strings.Contains(err.Error(), "kafka: KAFKA_METADATA_VERSION: invalid metadata.version") {
		t.Errorf("bad level: %v", err)
	}
}

// TestGateRefusesARelease: once metadata.version is finalized at 4.1-IV1,
// the before-restart gate holds back a restart onto Kafka 4.0 (whose
// brokers would not start), saying why, and lets a restart onto 4.1
// through to the roll rules.
func TestGateRefusesARelease(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	addrs, view := upgraded(t)
	admin := kafkaclient.NewAdmin(addrs...)
	defer admin.Close()
	if err := admin.UpdateFeaturesAt(ctx, addrs[0], kafkaclient.MetadataVersion, 27, kafkaclient.Upgrade); err != nil {
		t.Fatal(err)
	}
	inst := scheduler.Instance{Pod: brokers.Pod, Index: 1}
	v, err := brokers.Gates{Release: "2.13-4.0.0"}.BeforeRestart(ctx, view, inst)
	want := "refused: Kafka 4.0.0 cannot run this cluster: release does not support the finalized metadata.version: " +
		"the cluster's metadata.version is 27 (4.1-IV1) and the release supports 7 (3.3-IV3) to 25 (4.0-IV3): Kafka would not start its brokers; " +
		"update to a package whose Kafka supports metadata.version 27 (4.1-IV1)"
	if err != nil || v.Pass || v.Reason != want {
		t.Errorf("onto 4.0: %+v, %v; want the reason\n%s", v, err, want)
	}
	for _, release := range []string{"2.13-4.1.1", "", "not-a-version"} {
		v, err := brokers.Gates{Release: release}.BeforeRestart(ctx, view, inst)
		if err != nil || strings.HasPrefix(v.Reason, "refused") {
			t.Errorf("onto %q: %+v, %v; want the roll rules' answer", release, v, err)
		}
	}
}
