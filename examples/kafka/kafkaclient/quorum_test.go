package kafkaclient

import (
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestRollStateOnTheWire: RollState reads a 3-broker kfake cluster's
// metadata and each topic's min.insync.replicas; kfake does not answer
// DescribeQuorum, so the quorum is unknown.
func TestRollStateOnTheWire(t *testing.T) {
	ctx := testContext(t)
	_, addrs := newCluster(t, 3)
	admin := NewAdmin(addrs...)
	defer admin.Close()
	if err := admin.CreateTopic(ctx, TopicSpec{Name: "safe", Partitions: 2, ReplicationFactor: 3,
		Configs: map[string]string{"min.insync.replicas": "2"}}); err != nil {
		t.Fatal(err)
	}
	if err := admin.CreateTopic(ctx, TopicSpec{Name: "plain", Partitions: 1, ReplicationFactor: 3}); err != nil {
		t.Fatal(err)
	}
	s, err := admin.RollState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.MinISR["safe"] != 2 || s.MinISR["plain"] != 1 {
		t.Errorf("min.insync.replicas %v, want safe 2 and plain 1", s.MinISR)
	}
	if len(s.Partitions) != 3 || len(s.Brokers) != 3 || s.Quorum != nil {
		t.Errorf("%d partitions, %d brokers, quorum %v: want 3, 3 and none", len(s.Partitions), len(s.Brokers), s.Quorum)
	}
}

// TestDescribeQuorumOnTheWire: a DescribeQuorum request framed with kmsg
// reaches the broker as the KRaft metadata partition's, and its answer
// (here made by kfake's control hook: kfake has no quorum) is read into
// Quorum; which voters are caught up follows their catch-up times.
func TestDescribeQuorumOnTheWire(t *testing.T) {
	ctx := testContext(t)
	c, addrs := newCluster(t, 3)
	now := time.Now().UnixMilli()
	c.ControlKey(int16(kmsg.DescribeQuorum), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		r := req.(*kmsg.DescribeQuorumRequest)
		resp := r.ResponseKind().(*kmsg.DescribeQuorumResponse)
		if len(r.Topics) != 1 || r.Topics[0].Topic != metadataTopic {
			resp.ErrorCode = 42 // INVALID_REQUEST
			return resp, nil, true
		}
		t := kmsg.NewDescribeQuorumResponseTopic()
		t.Topic = metadataTopic
		p := kmsg.NewDescribeQuorumResponseTopicPartition()
		p.LeaderID, p.LeaderEpoch, p.HighWatermark = 1, 7, 100
		for _, v := range []struct {
			id  int32
			leo int64
			lag int64
		}{{0, 100, 0}, {1, 100, 0}, {2, 40, 30_000}} {
			rs := kmsg.NewDescribeQuorumResponseTopicPartitionReplicaState()
			rs.ReplicaID, rs.LogEndOffset, rs.LastCaughtUpTimestamp = v.id, v.leo, now-v.lag
			p.CurrentVoters = append(p.CurrentVoters, rs)
		}
		t.Partitions = append(t.Partitions, p)
		resp.Topics = append(resp.Topics, t)
		return resp, nil, true
	})
	conn, err := Dial(ctx, addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.DescribeQuorum(ctx); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("kfake lists no DescribeQuorum: %v, want ErrUnsupported", err)
	}
	conn.APIs[int16(kmsg.DescribeQuorum)] = Range{0, 2}
	for range 2 { // the connection stays usable
		q, err := conn.DescribeQuorum(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if q.Leader != 1 || q.Epoch != 7 || len(q.Voters) != 3 {
			t.Fatalf("quorum %+v", q)
		}
		lag := 2 * time.Second
		if !q.CaughtUp(0, lag) || !q.CaughtUp(1, lag) || q.CaughtUp(2, lag) || q.CaughtUp(5, lag) {
			t.Errorf("caught up: 0 %v 1 %v 2 %v 5 %v, want true true false false",
				q.CaughtUp(0, lag), q.CaughtUp(1, lag), q.CaughtUp(2, lag), q.CaughtUp(5, lag))
		}
	}
	if _, err := conn.Metadata(ctx); err != nil {
		t.Fatalf("Metadata after DescribeQuorum: %v", err)
	}
}

// FuzzDescribeQuorumResponse: any bytes a broker sends back for a
// DescribeQuorum are an answer or an error, never a panic.
func FuzzDescribeQuorumResponse(f *testing.F) {
	resp := kmsg.NewPtrDescribeQuorumResponse()
	resp.SetVersion(2)
	p := kmsg.NewDescribeQuorumResponseTopicPartition()
	p.CurrentVoters = append(p.CurrentVoters, kmsg.NewDescribeQuorumResponseTopicPartitionReplicaState())
	tp := kmsg.NewDescribeQuorumResponseTopic()
	tp.Partitions = append(tp.Partitions, p)
	resp.Topics = append(resp.Topics, tp)
	f.Add(append([]byte{0, 0, 0, 1, 0}, resp.AppendTo(nil)...))
	f.Add([]byte{0, 0, 0, 1, 1, 5, 200})
	f.Fuzz(func(t *testing.T, b []byte) {
		body, err := responseBody(b, 1, true)
		if err != nil {
			return
		}
		r := kmsg.NewPtrDescribeQuorumResponse()
		r.SetVersion(2)
		_ = r.ReadFrom(body)
	})
}
