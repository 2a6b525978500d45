// Package kafkaclient is the Kafka service's client code: a connection to
// one broker that asks it for its API versions and its view of the cluster
// (Metadata), the cluster model those answers make (brokers, partitions with
// leader, replicas and in-sync replicas, under-replicated partitions per
// broker), and an Admin for the scheduler that describes the cluster and
// creates topics. It speaks the Kafka protocol through
// github.com/segmentio/kafka-go.
//
// Metadata is read with kafka-go's protocol package rather than its Conn or
// Client: those turn a partition's replica and leader ids into Broker values
// looked up in the response's broker list, and a broker that is down is not
// in that list, so its id would read as 0; and the Client answers Metadata
// from a cache refreshed every few seconds. Here every id is the broker's
// answer, fresh.
package kafkaclient

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/segmentio/kafka-go/protocol/apiversions"
	"github.com/segmentio/kafka-go/protocol/metadata"
)

// ClientID is the client.id of Kennel's requests.
const ClientID = "kennel"

// ErrUnsupported is a broker that lacks a request version this client needs.
var ErrUnsupported = errors.New("broker does not support the request")

// Range is the versions of one API a broker supports.
type Range struct{ Min, Max int16 }

// Conn is one connection to one broker, not safe for concurrent use. A
// request's ctx bounds it: its deadline is the connection's, and its
// cancellation closes the connection.
type Conn struct {
	nc   net.Conn
	rw   io.ReadWriter
	corr int32
	// APIs are the broker's API versions by API key, from its ApiVersions
	// answer.
	APIs map[int16]Range
}

// Dial connects to the broker at addr (host:port) and asks for its API
// versions. ctx bounds the whole exchange.
func Dial(ctx context.Context, addr string) (*Conn, error) {
	return DialTLS(ctx, addr, nil)
}

// DialTLS is Dial over TLS with tlsConfig (nil: plain TCP), for a broker's
// SSL listener; the handshake is done within ctx.
func DialTLS(ctx context.Context, addr string, tlsConfig *tls.Config) (*Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if tlsConfig != nil {
		tc := tls.Client(nc, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("TLS: %w", err)
		}
		nc = tc
	}
	c := &Conn{nc: nc, rw: struct {
		io.Reader
		io.Writer
	}{bufio.NewReader(nc), nc}}
	res, err := c.roundTrip(ctx, 0, &apiversions.Request{})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("ApiVersions: %w", err)
	}
	av := res.(*apiversions.Response)
	if av.ErrorCode != 0 {
		nc.Close()
		return nil, fmt.Errorf("ApiVersions: %w", kafka.Error(av.ErrorCode))
	}
	c.APIs = make(map[int16]Range, len(av.ApiKeys))
	for _, k := range av.ApiKeys {
		c.APIs[k.ApiKey] = Range{k.MinVersion, k.MaxVersion}
	}
	return c, nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.nc.Close() }

// version picks the highest version of key that both this client (lo..hi)
// and the broker support.
func (c *Conn) version(key protocol.ApiKey, lo, hi int16) (int16, error) {
	r, ok := c.APIs[int16(key)]
	if !ok {
		return 0, fmt.Errorf("%w: %s", ErrUnsupported, key)
	}
	v := min(hi, r.Max)
	if v < lo || v < r.Min {
		return 0, fmt.Errorf("%w: %s v%d-%d (the broker has v%d-%d)", ErrUnsupported, key, lo, hi, r.Min, r.Max)
	}
	return v, nil
}

// roundTrip sends req at version v and reads its response, within ctx.
func (c *Conn) roundTrip(ctx context.Context, v int16, req protocol.Message) (protocol.Message, error) {
	if dl, ok := ctx.Deadline(); ok {
		if err := c.nc.SetDeadline(dl); err != nil {
			return nil, err
		}
	}
	stop := context.AfterFunc(ctx, func() { c.nc.Close() })
	defer stop()
	c.corr++
	res, err := protocol.RoundTrip(c.rw, v, c.corr, ClientID, req)
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return res, err
}

// Metadata asks the broker for its view of the cluster, every topic
// included.
func (c *Conn) Metadata(ctx context.Context) (Metadata, error) {
	v, err := c.version(protocol.Metadata, 1, 8)
	if err != nil {
		return Metadata{}, err
	}
	res, err := c.roundTrip(ctx, v, &metadata.Request{TopicNames: nil})
	if err != nil {
		return Metadata{}, fmt.Errorf("Metadata: %w", err)
	}
	return fromResponse(res.(*metadata.Response)), nil
}

func fromResponse(r *metadata.Response) Metadata {
	m := Metadata{ClusterID: r.ClusterID, Controller: r.ControllerID}
	for _, b := range r.Brokers {
		m.Brokers = append(m.Brokers, Broker{ID: b.NodeID, Host: b.Host, Port: b.Port, Rack: b.Rack})
	}
	for _, t := range r.Topics {
		if t.ErrorCode != 0 && len(t.Partitions) == 0 {
			m.TopicErrors = append(m.TopicErrors, TopicError{Topic: t.Name, Err: kafka.Error(t.ErrorCode)})
			continue
		}
		for _, p := range t.Partitions {
			part := Partition{
				Topic: t.Name, ID: p.PartitionIndex, Leader: p.LeaderID,
				Replicas: p.ReplicaNodes, ISR: p.IsrNodes, Offline: p.OfflineReplicas,
			}
			if p.ErrorCode != 0 {
				part.Err = kafka.Error(p.ErrorCode)
			}
			m.Partitions = append(m.Partitions, part)
		}
	}
	return m
}
