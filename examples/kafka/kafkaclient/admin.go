package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/segmentio/kafka-go"
)

// Admin asks a Kafka cluster about itself and changes it, through any of its
// bootstrap brokers. It is safe for concurrent use; Close releases its
// connections.
type Admin struct {
	sec       Security
	bootstrap []string
	transport *kafka.Transport
	client    *kafka.Client
}

// NewAdmin returns an Admin for the brokers at bootstrap (host:port each,
// tried in order), in plaintext.
func NewAdmin(bootstrap ...string) *Admin {
	return NewSecureAdmin(Security{}, bootstrap...)
}

// NewSecureAdmin is NewAdmin talking to the brokers as sec says (their
// TLS listeners when it has TLS, authenticated when it has SCRAM
// credentials). Bad SCRAM credentials (an empty user) make every request
// fail.
func NewSecureAdmin(sec Security, bootstrap ...string) *Admin {
	t := &kafka.Transport{ClientID: ClientID, DialTimeout: 5 * time.Second, TLS: sec.TLS}
	if sec.SCRAM != nil {
		if m, err := sec.SCRAM.mechanism(); err == nil {
			t.SASL = m
		} else {
			t.Dial = func(context.Context, string, string) (net.Conn, error) { return nil, err }
		}
	}
	return &Admin{
		sec:       sec,
		bootstrap: bootstrap,
		transport: t,
		client:    &kafka.Client{Addr: kafka.TCP(bootstrap...), Transport: t},
	}
}

// Close closes the Admin's idle connections.
func (a *Admin) Close() { a.transport.CloseIdleConnections() }

// Describe returns the cluster's metadata as the first bootstrap broker that
// answers sees it, asked afresh.
func (a *Admin) Describe(ctx context.Context) (Metadata, error) {
	if len(a.bootstrap) == 0 {
		return Metadata{}, errors.New("describe cluster: no bootstrap brokers")
	}
	var errs []error
	for _, addr := range a.bootstrap {
		m, err := a.describeAt(ctx, addr)
		if err == nil {
			return m, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", addr, err))
		if ctx.Err() != nil {
			break
		}
	}
	return Metadata{}, fmt.Errorf("describe cluster: %w", errors.Join(errs...))
}

func (a *Admin) describeAt(ctx context.Context, addr string) (Metadata, error) {
	c, err := DialSecure(ctx, addr, a.sec)
	if err != nil {
		return Metadata{}, err
	}
	defer c.Close()
	return c.Metadata(ctx)
}

// TopicSpec is a topic to create. Partitions and ReplicationFactor -1 take
// the brokers' defaults (num.partitions, default.replication.factor).
type TopicSpec struct {
	Name              string
	Partitions        int
	ReplicationFactor int
	Configs           map[string]string
}

// CreateTopic creates a topic through the controller (the Kafka client
// routes it). A topic that exists is an error wrapping
// kafka.TopicAlreadyExists.
func (a *Admin) CreateTopic(ctx context.Context, spec TopicSpec) error {
	cfg := kafka.TopicConfig{Topic: spec.Name, NumPartitions: spec.Partitions, ReplicationFactor: spec.ReplicationFactor}
	for k, v := range spec.Configs {
		cfg.ConfigEntries = append(cfg.ConfigEntries, kafka.ConfigEntry{ConfigName: k, ConfigValue: v})
	}
	res, err := a.client.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{cfg}})
	if err != nil {
		return fmt.Errorf("create topic %s: %w", spec.Name, err)
	}
	if err := res.Errors[spec.Name]; err != nil {
		return fmt.Errorf("create topic %s: %w", spec.Name, err)
	}
	return nil
}
