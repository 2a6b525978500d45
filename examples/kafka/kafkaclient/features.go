package kafkaclient

import (
	"context"
	"errors"
	"fmt"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// MetadataVersion is the name of KRaft's metadata.version feature.
const MetadataVersion = "metadata.version"

// Features is what one broker says of KIP-584 features in its ApiVersions
// answer (v3 and later), which is what Kafka's Admin.describeFeatures
// reads: the levels this broker's binary supports, and the levels the
// cluster has finalized (as this broker last learned them).
type Features struct {
	// Supported is this broker's range of levels per feature.
	Supported map[string]Range
	// Finalized is the cluster's finalized level per feature; a feature
	// at level 0 is absent, as Kafka leaves it out.
	Finalized map[string]int16
	// Epoch is the finalized features' epoch (-1: the broker knows none).
	Epoch int64
}

// DescribeFeatures asks the broker for its features (ApiVersions v3 or
// later, framed with kmsg: kafka-go's ApiVersions stops at v2, before
// features). A broker without ApiVersions v3 is an error wrapping
// ErrUnsupported.
func (c *Conn) DescribeFeatures(ctx context.Context) (Features, error) {
	req := kmsg.NewPtrApiVersionsRequest()
	v, err := c.version(protocol.ApiVersions, 3, req.MaxVersion())
	if err != nil {
		return Features{}, err
	}
	req.SetVersion(v)
	req.ClientSoftwareName = ClientID
	req.ClientSoftwareVersion = "1"
	resp := req.ResponseKind().(*kmsg.ApiVersionsResponse)
	if err := c.rawRoundTrip(ctx, req, resp); err != nil {
		return Features{}, fmt.Errorf("ApiVersions: %w", err)
	}
	if resp.ErrorCode != 0 {
		return Features{}, fmt.Errorf("ApiVersions: %w", kafka.Error(resp.ErrorCode))
	}
	f := Features{Supported: map[string]Range{}, Finalized: map[string]int16{}, Epoch: resp.FinalizedFeaturesEpoch}
	for _, s := range resp.SupportedFeatures {
		f.Supported[s.Name] = Range{s.MinVersion, s.MaxVersion}
	}
	for _, ff := range resp.FinalizedFeatures {
		f.Finalized[ff.Name] = ff.MaxVersionLevel
	}
	return f, nil
}

// UpgradeType is how UpdateFeatures may move a feature's level (KIP-778).
type UpgradeType int8

// The upgrade types, with their wire values.
const (
	// Upgrade only raises a level (or keeps it).
	Upgrade UpgradeType = 1
	// SafeDowngrade lowers a level when nothing is lost; Kafka refuses a
	// downgrade that may delete metadata.
	SafeDowngrade UpgradeType = 2
)

// ErrFeatureUpdate is a feature update the cluster refused; the error
// says which feature and why, in the cluster's words.
var ErrFeatureUpdate = errors.New("feature update refused")

// UpdateFeatures asks the broker (which forwards it to the active
// controller, as Kafka's brokers do) to finalize feature at level with
// upgrade type typ (UpdateFeatures v1 or later). A refusal is an error
// wrapping ErrFeatureUpdate and the Kafka error, with the cluster's
// message.
func (c *Conn) UpdateFeatures(ctx context.Context, feature string, level int16, typ UpgradeType) error {
	req := kmsg.NewPtrUpdateFeaturesRequest()
	v, err := c.version(protocol.ApiKey(req.Key()), 1, req.MaxVersion())
	if err != nil {
		return err
	}
	req.SetVersion(v)
	req.TimeoutMillis = 30000
	u := kmsg.NewUpdateFeaturesRequestFeatureUpdate()
	u.Feature = feature
	u.MaxVersionLevel = level
	u.UpgradeType = int8(typ)
	req.FeatureUpdates = append(req.FeatureUpdates, u)
	resp := req.ResponseKind().(*kmsg.UpdateFeaturesResponse)
	if err := c.rawRoundTrip(ctx, req, resp); err != nil {
		return fmt.Errorf("UpdateFeatures: %w", err)
	}
	code, msg := resp.ErrorCode, resp.ErrorMessage
	for _, r := range resp.Results {
		if code == 0 && r.Feature == feature && r.ErrorCode != 0 {
			code, msg = r.ErrorCode, r.ErrorMessage
		}
	}
	if code == 0 {
		return nil
	}
	why := ""
	if msg != nil && *msg != "" {
		why = ": " + *msg
	}
	return fmt.Errorf("%w: %s to %d: %w%s", ErrFeatureUpdate, feature, level, kafka.Error(code), why)
}

// BrokerFeatures is one broker's features, or why it did not answer.
type BrokerFeatures struct {
	Addr     string
	Features Features
	Err      error
}

// DescribeFeaturesEach asks every bootstrap broker for its features, one
// connection each: the supported ranges are per broker, so an upgrade
// reads them all. A broker that does not answer has Err set.
func (a *Admin) DescribeFeaturesEach(ctx context.Context) []BrokerFeatures {
	out := make([]BrokerFeatures, len(a.bootstrap))
	for i, addr := range a.bootstrap {
		out[i].Addr = addr
		c, err := DialSecure(ctx, addr, a.sec)
		if err != nil {
			out[i].Err = err
			continue
		}
		out[i].Features, out[i].Err = c.DescribeFeatures(ctx)
		c.Close()
	}
	return out
}

// UpdateFeaturesAt asks the broker at addr to finalize feature at level
// (see Conn.UpdateFeatures).
func (a *Admin) UpdateFeaturesAt(ctx context.Context, addr, feature string, level int16, typ UpgradeType) error {
	c, err := DialSecure(ctx, addr, a.sec)
	if err != nil {
		return fmt.Errorf("UpdateFeatures %s: %w", addr, err)
	}
	defer c.Close()
	if err := c.UpdateFeatures(ctx, feature, level, typ); err != nil {
		return fmt.Errorf("%s: %w", addr, err)
	}
	return nil
}
