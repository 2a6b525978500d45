package kafkaclient

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Quorum is the KRaft controller quorum as DescribeQuorum reports it.
type Quorum struct {
	// Leader is the active controller's node id (-1: none).
	Leader        int32
	Epoch         int32
	HighWatermark int64
	Voters        []QuorumVoter
}

// QuorumVoter is one voter: its log end offset and when it last caught
// up with the leader (zero when the broker does not say: DescribeQuorum
// v0).
type QuorumVoter struct {
	ID           int32
	LogEndOffset int64
	LastCaughtUp time.Time
}

// CaughtUp reports whether voter id is caught up with the leader: its
// last catch-up is within lag of the leader's (Strimzi's
// KafkaQuorumCheck, with lag controller.quorum.fetch.timeout.ms), or,
// without timestamps, its log reaches the high watermark. The leader is
// caught up; an unknown id is not.
func (q Quorum) CaughtUp(id int32, lag time.Duration) bool {
	var leader, voter *QuorumVoter
	for i := range q.Voters {
		if q.Voters[i].ID == q.Leader {
			leader = &q.Voters[i]
		}
		if q.Voters[i].ID == id {
			voter = &q.Voters[i]
		}
	}
	switch {
	case voter == nil:
		return false
	case id == q.Leader:
		return true
	case leader != nil && !leader.LastCaughtUp.IsZero() && !voter.LastCaughtUp.IsZero():
		return leader.LastCaughtUp.Sub(voter.LastCaughtUp) <= lag
	}
	return voter.LogEndOffset >= q.HighWatermark
}

// metadataTopic is KRaft's metadata log, the partition DescribeQuorum
// asks about.
const metadataTopic = "__cluster_metadata"

// DescribeQuorum asks the broker (which forwards it to the controllers)
// for the KRaft quorum. kafka-go has no DescribeQuorum, so the request
// is framed with franz-go's kmsg, the protocol messages the test
// broker's kfake already brings in. A broker without the API is an error
// wrapping ErrUnsupported.
func (c *Conn) DescribeQuorum(ctx context.Context) (Quorum, error) {
	req := kmsg.NewPtrDescribeQuorumRequest()
	v, err := c.version(protocol.ApiKey(req.Key()), 0, req.MaxVersion())
	if err != nil {
		return Quorum{}, err
	}
	req.SetVersion(v)
	t := kmsg.NewDescribeQuorumRequestTopic()
	t.Topic = metadataTopic
	p := kmsg.NewDescribeQuorumRequestTopicPartition()
	t.Partitions = append(t.Partitions, p)
	req.Topics = append(req.Topics, t)
	resp := req.ResponseKind().(*kmsg.DescribeQuorumResponse)
	if err := c.rawRoundTrip(ctx, req, resp); err != nil {
		return Quorum{}, fmt.Errorf("DescribeQuorum: %w", err)
	}
	if resp.ErrorCode != 0 {
		return Quorum{}, fmt.Errorf("DescribeQuorum: %w", kafka.Error(resp.ErrorCode))
	}
	for _, t := range resp.Topics {
		// The metadata topic has one partition: the first answers.
		if len(t.Partitions) > 0 {
			p := t.Partitions[0]
			if p.ErrorCode != 0 {
				return Quorum{}, fmt.Errorf("DescribeQuorum %s: %w", t.Topic, kafka.Error(p.ErrorCode))
			}
			q := Quorum{Leader: p.LeaderID, Epoch: p.LeaderEpoch, HighWatermark: p.HighWatermark}
			for _, r := range p.CurrentVoters {
				qv := QuorumVoter{ID: r.ReplicaID, LogEndOffset: r.LogEndOffset}
				if r.LastCaughtUpTimestamp > 0 {
					qv.LastCaughtUp = time.UnixMilli(r.LastCaughtUpTimestamp)
				}
				q.Voters = append(q.Voters, qv)
			}
			return q, nil
		}
	}
	return Quorum{}, errors.New("DescribeQuorum: the answer has no metadata partition")
}

// rawRoundTrip sends a kmsg request on the connection and reads its
// response into resp, within ctx.
func (c *Conn) rawRoundTrip(ctx context.Context, req kmsg.Request, resp kmsg.Response) error {
	if dl, ok := ctx.Deadline(); ok {
		if err := c.nc.SetDeadline(dl); err != nil {
			return err
		}
	}
	stop := context.AfterFunc(ctx, func() { c.nc.Close() })
	defer stop()
	c.corr++
	msg := kmsg.NewRequestFormatter(kmsg.FormatterClientID(ClientID)).AppendRequest(nil, req, c.corr)
	if _, err := c.rw.Write(msg); err != nil {
		return c.ctxErr(ctx, err)
	}
	var size [4]byte
	if _, err := io.ReadFull(c.rw, size[:]); err != nil {
		return c.ctxErr(ctx, err)
	}
	n := binary.BigEndian.Uint32(size[:])
	if n > 64<<20 {
		return fmt.Errorf("response of %d bytes", n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c.rw, body); err != nil {
		return c.ctxErr(ctx, err)
	}
	// ApiVersions answers with response header v0 at every version (so
	// that a client learns the versions before it knows the header).
	flexible := req.IsFlexible() && req.Key() != kmsg.ApiVersions.Int16()
	body, err := responseBody(body, c.corr, flexible)
	if err != nil {
		return err
	}
	resp.SetVersion(req.GetVersion())
	return resp.ReadFrom(body)
}

// responseBody is a response's body after its header: the correlation id
// (which must be corr) and, for a flexible request's response, the
// header's tagged fields.
func responseBody(body []byte, corr int32, flexible bool) ([]byte, error) {
	if len(body) < 4 || int32(binary.BigEndian.Uint32(body)) != corr {
		return nil, fmt.Errorf("response to another request (correlation id), want %d", corr)
	}
	body = body[4:]
	if !flexible {
		return body, nil
	}
	tags, err := uvarint(&body)
	for ; err == nil && tags > 0; tags-- {
		var size uint64
		if _, err = uvarint(&body); err == nil {
			size, err = uvarint(&body)
		}
		if err == nil && size > uint64(len(body)) {
			err = io.ErrUnexpectedEOF
		}
		if err == nil {
			body = body[size:]
		}
	}
	if err != nil {
		return nil, fmt.Errorf("response header: %w", err)
	}
	return body, nil
}

// uvarint reads an unsigned varint off the front of b.
func uvarint(b *[]byte) (uint64, error) {
	v, n := binary.Uvarint(*b)
	if n <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	*b = (*b)[n:]
	return v, nil
}

func (c *Conn) ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}
