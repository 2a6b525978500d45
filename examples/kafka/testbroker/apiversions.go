package testbroker

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
)

// saslHandshakeKey is SaslHandshake's API key.
const saslHandshakeKey = 17

// advertiseHandshakeV0 makes the broker's ApiVersions answers list
// SaslHandshake from version 0, as Kafka does: kfake serves version 1
// only, and librdkafka (kcat) refuses SASL with a broker whose range
// leaves out version 0, though it then sends version 1. The versions are
// the broker's own, read once through its listener at addr (over TLS
// when tlsOn: the broker asking itself, so its certificate is not
// verified).
func advertiseHandshakeV0(c *kfake.Cluster, addr string, tlsOn bool, features func(*kmsg.ApiVersionsResponse)) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var cfg *tls.Config
	if tlsOn {
		// The broker's own listener: nothing to verify it against.
		cfg = &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}
	}
	conn, err := kafkaclient.DialTLS(ctx, addr, cfg)
	if err != nil {
		return fmt.Errorf("reading its own API versions at %s: %w", addr, err)
	}
	apis := conn.APIs
	conn.Close()
	keys := make([]int16, 0, len(apis))
	for k := range apis {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	maxVersion := apis[int16(kmsg.ApiVersions)].Max
	c.ControlKey(int16(kmsg.ApiVersions), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		resp := req.ResponseKind().(*kmsg.ApiVersionsResponse)
		if req.GetVersion() > maxVersion {
			// As Kafka answers a version it does not know: v0, the error,
			// and the keys for the client to pick from.
			resp.SetVersion(0)
			resp.ErrorCode = kerr.UnsupportedVersion.Code
		}
		for _, k := range keys {
			r := apis[k]
			ak := kmsg.NewApiVersionsResponseApiKey()
			ak.ApiKey, ak.MinVersion, ak.MaxVersion = k, r.Min, r.Max
			if k == saslHandshakeKey {
				ak.MinVersion = 0
			}
			resp.ApiKeys = append(resp.ApiKeys, ak)
		}
		if resp.ErrorCode == 0 && features != nil {
			features(resp)
		}
		return resp, nil, true
	})
	return nil
}

// selfAddr is where the broker reaches its own listener bind.
func selfAddr(bind string) string {
	host, port, err := net.SplitHostPort(bind)
	if err != nil || host == "" || host == "0.0.0.0" || host == "::" {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return bind
}
