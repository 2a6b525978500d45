package testbroker

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
)

func TestParseRelease(t *testing.T) {
	tests := []struct {
		in, name string
		err      bool
	}{
		{"4.1.1", "4.1.1", false},
		{"2.13-4.1.1", "4.1.1", false},
		{"2.13-4.0.0", "4.0.0", false},
		{"", "", false},
		{"3.9.0", "", true}, // before 4.x
		{"2.13-9.9.9", "", true},
		{"latest", "", true},
	}
	for _, tc := range tests {
		r, err := ParseRelease(tc.in)
		if (err != nil) != tc.err || r.Name != tc.name {
			t.Errorf("ParseRelease(%q) = %q, %v; want %q, error %v", tc.in, r.Name, err, tc.name, tc.err)
		}
		if err != nil && !errors.Is(err, ErrUnknownRelease) {
			t.Errorf("ParseRelease(%q): %v does not wrap ErrUnknownRelease", tc.in, err)
		}
	}
}

// mv is what the broker at addr says of metadata.version: the levels it
// supports and the one finalized.
func mv(t *testing.T, addr string) (kafkaclient.Range, int16) {
	t.Helper()
	c, err := kafkaclient.Dial(testContext(t), addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f, err := c.DescribeFeatures(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	return f.Supported[kafkaclient.MetadataVersion], f.Finalized[kafkaclient.MetadataVersion]
}

func release(t *testing.T, v string) Release {
	t.Helper()
	r, err := ParseRelease(v)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestUpgradeKeepsMetadataVersion is the upgrade as a test broker lives
// it: formatted and started as Kafka 4.0 (metadata.version 4.0-IV3),
// restarted as 4.1 it supports 4.1's levels but keeps 4.0-IV3 until it
// is finalized; finalized at 4.1-IV1 it keeps that across restarts, a
// downgrade across 4.0-IV1 is refused as Kafka refuses it, a safe one is
// taken, and a restart as 4.0 after finalizing 4.1-IV1 is refused.
func TestUpgradeKeepsMetadataVersion(t *testing.T) {
	ctx := testContext(t)
	cfg := config(t, 1, t.TempDir(), freePort(t))
	if _, err := Format(cfg, clusterID, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	start := func(v string) *Broker {
		t.Helper()
		b, err := StartRelease(cfg, clusterID, release(t, v), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	expect := func(b *Broker, lo, hi, fin int16) {
		t.Helper()
		rg, f := mv(t, b.Addr())
		if rg != (kafkaclient.Range{Min: lo, Max: hi}) || f != fin {
			t.Errorf("metadata.version: supported %v finalized %d, want %d..%d finalized %d", rg, f, lo, hi, fin)
		}
	}

	b := start("2.13-4.0.0")
	expect(b, 7, 25, 25)
	b.Close()

	b = start("2.13-4.1.1")
	expect(b, 7, 27, 25) // the new binary, the old level
	admin := kafkaclient.NewAdmin(b.Addr())
	defer admin.Close()
	if err := admin.UpdateFeaturesAt(ctx, b.Addr(), kafkaclient.MetadataVersion, 27, kafkaclient.Upgrade); err != nil {
		t.Fatal(err)
	}
	expect(b, 7, 27, 27)
	kept, err := os.ReadFile(filepath.Join(cfg.LogDirs[0], FeaturesFile))
	if err != nil || !strings.Contains(string(kept), "metadata.version=27\n") {
		t.Errorf("%s: %q, %v", FeaturesFile, kept, err)
	}
	b.Close()

	b = start("4.1.1")
	defer func() { b.Close() }()
	expect(b, 7, 27, 27)
	err = admin.UpdateFeaturesAt(ctx, b.Addr(), kafkaclient.MetadataVersion, 22, kafkaclient.SafeDowngrade)
	if !errors.Is(err, kafka.InvalidUpdateVersion) || !strings.Contains(err.Error(), "might delete metadata information") {
		t.Errorf("downgrade 27 to 22: %v, want INVALID_UPDATE_VERSION, might delete metadata", err)
	}
	err = admin.UpdateFeaturesAt(ctx, b.Addr(), kafkaclient.MetadataVersion, 26, kafkaclient.Upgrade)
	if !errors.Is(err, kafka.InvalidUpdateVersion) {
		t.Errorf("downgrade typed as upgrade: %v, want INVALID_UPDATE_VERSION", err)
	}
	err = admin.UpdateFeaturesAt(ctx, b.Addr(), kafkaclient.MetadataVersion, 28, kafkaclient.Upgrade)
	if !errors.Is(err, kafka.FeatureUpdateFailed) {
		t.Errorf("above 4.1's levels: %v, want FEATURE_UPDATE_FAILED", err)
	}
	expect(b, 7, 27, 27)
	b.Close()

	_, err = StartRelease(cfg, clusterID, release(t, "4.0.0"), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "metadata.version is finalized at 27 (4.1-IV1)") ||
		!strings.Contains(err.Error(), "Kafka 4.0.0 supports 7 (3.3-IV3) to 25 (4.0-IV3)") {
		t.Fatalf("start as 4.0 after finalizing 4.1: %v", err)
	}

	b = start("4.1.1")
	if err := admin.UpdateFeaturesAt(ctx, b.Addr(), kafkaclient.MetadataVersion, 25, kafkaclient.SafeDowngrade); err != nil {
		t.Fatalf("safe downgrade 27 to 25: %v", err)
	}
	b.Close()
	b = start("4.0.0") // back on 4.0's level, 4.0 runs again
	expect(b, 7, 25, 25)
}

// FuzzParseLevels: the finalized-features file's parser never panics, and
// what it accepts names features with levels of at least 1 that save and
// parse back the same.
func FuzzParseLevels(f *testing.F) {
	for _, s := range []string{"metadata.version=27\n", "# c\n\na=1\nb = 2\n", "x=0", "=3", "a=b", "a=99999999"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		levels, err := parseLevels(data)
		if err != nil {
			return
		}
		var b strings.Builder
		for name, l := range levels {
			if l < 1 || name == "" {
				t.Fatalf("accepted %q=%d", name, l)
			}
			b.WriteString(name + "=" + strconv.Itoa(int(l)) + "\n")
		}
		again, err := parseLevels([]byte(b.String()))
		if err != nil || len(again) != len(levels) {
			t.Fatalf("%q parses to %v, %v; want %v", b.String(), again, err, levels)
		}
	})
}
