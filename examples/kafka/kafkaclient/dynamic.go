package kafkaclient

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ClusterDefault names the broker config resource of the cluster-wide
// dynamic defaults (kafka-configs --entity-default).
const ClusterDefault = ""

// BrokerConfigs are the values of the configs names of the broker config
// resource broker (a node id, or ClusterDefault) as this broker describes
// them: a broker's effective values, or the cluster-wide dynamic defaults
// that are set (Kafka leaves out the others). kafka-go cannot name the
// default resource (it routes broker resources by node id), so the
// request is framed with franz-go's kmsg.
func (c *Conn) BrokerConfigs(ctx context.Context, broker string, names []string) (map[string]string, error) {
	req := kmsg.NewPtrDescribeConfigsRequest()
	v, err := c.version(protocol.ApiKey(req.Key()), 0, req.MaxVersion())
	if err != nil {
		return nil, err
	}
	req.SetVersion(v)
	r := kmsg.NewDescribeConfigsRequestResource()
	r.ResourceType, r.ResourceName, r.ConfigNames = kmsg.ConfigResourceTypeBroker, broker, names
	req.Resources = append(req.Resources, r)
	resp := req.ResponseKind().(*kmsg.DescribeConfigsResponse)
	if err := c.rawRoundTrip(ctx, req, resp); err != nil {
		return nil, fmt.Errorf("DescribeConfigs of broker %s: %w", resourceName(broker), err)
	}
	out := map[string]string{}
	for _, res := range resp.Resources {
		if res.ErrorCode != 0 {
			return nil, fmt.Errorf("DescribeConfigs of broker %s: %w", resourceName(broker), kafka.Error(res.ErrorCode))
		}
		for _, e := range res.Configs {
			if e.Value != nil && slices.Contains(names, e.Name) {
				out[e.Name] = *e.Value
			}
		}
	}
	return out, nil
}

// SetBrokerConfigs sets the configs set of the broker config resource
// broker (a node id, or ClusterDefault) in one IncrementalAlterConfigs
// request to this broker; Kafka refuses a config it cannot change at
// runtime (an error wrapping its kafka.Error).
func (c *Conn) SetBrokerConfigs(ctx context.Context, broker string, set map[string]string) error {
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	v, err := c.version(protocol.ApiKey(req.Key()), 0, req.MaxVersion())
	if err != nil {
		return err
	}
	req.SetVersion(v)
	r := kmsg.NewIncrementalAlterConfigsRequestResource()
	r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeBroker, broker
	for _, k := range slices.Sorted(maps.Keys(set)) {
		cfg := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		cfg.Name, cfg.Op, cfg.Value = k, kmsg.IncrementalAlterConfigOpSet, kmsg.StringPtr(set[k])
		r.Configs = append(r.Configs, cfg)
	}
	req.Resources = append(req.Resources, r)
	resp := req.ResponseKind().(*kmsg.IncrementalAlterConfigsResponse)
	if err := c.rawRoundTrip(ctx, req, resp); err != nil {
		return fmt.Errorf("IncrementalAlterConfigs of broker %s: %w", resourceName(broker), err)
	}
	for _, res := range resp.Resources {
		if res.ErrorCode != 0 {
			msg := ""
			if res.ErrorMessage != nil && *res.ErrorMessage != "" {
				msg = " (" + *res.ErrorMessage + ")"
			}
			return fmt.Errorf("IncrementalAlterConfigs of broker %s%s: %w", resourceName(broker), msg, kafka.Error(res.ErrorCode))
		}
	}
	return nil
}

// resourceName is a broker config resource in messages.
func resourceName(broker string) string {
	if broker == ClusterDefault {
		return "default (cluster-wide)"
	}
	return broker
}
