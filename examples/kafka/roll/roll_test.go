package roll

import "testing"

// three is a healthy cluster of three brokers, all controllers, 1 the
// active one; topic t has RF 3 and min.insync.replicas 2.
func three() Cluster {
	return Cluster{
		Live: []int32{0, 1, 2},
		Partitions: []Partition{
			{Topic: "t", ID: 0, Replicas: []int32{0, 1, 2}, ISR: []int32{0, 1, 2}, MinISR: 2},
			{Topic: "t", ID: 1, Replicas: []int32{1, 2, 0}, ISR: []int32{1, 2, 0}, MinISR: 2},
		},
		Voters: []Voter{{0, true}, {1, true}, {2, true}},
		Leader: 1,
	}
}

func with(c Cluster, f func(*Cluster)) Cluster { f(&c); return c }

func TestBeforeRestart(t *testing.T) {
	cases := []struct {
		name      string
		c         Cluster
		broker    int32
		remaining []int32
		ok        bool
		reason    string
	}{
		{"healthy", three(), 0, []int32{2}, true, ""},
		{"not running restarts regardless", with(three(), func(c *Cluster) {
			c.Live = []int32{1, 2}
			c.Partitions[0].ISR = []int32{1, 2}
		}), 0, nil, true, ""},
		{"canRoll: would go below min.insync", with(three(), func(c *Cluster) {
			c.Partitions[0].ISR = []int32{0, 1}
		}), 0, nil, false, "restarting kafka-0 would take topic t partition 0 below min.insync.replicas=2 (in sync: [0 1])"},
		{"canRoll: already below min.insync and hosted", with(three(), func(c *Cluster) {
			c.Partitions[0].ISR = []int32{1}
		}), 0, nil, false, "topic t partition 0 is below min.insync.replicas=2 (in sync: [1]); kafka-0 restarts once it has caught up"},
		{"canRoll: replicas not above min.insync are ignored", Cluster{Live: []int32{0, 1},
			Partitions: []Partition{{Topic: "one", ID: 0, Replicas: []int32{0}, ISR: []int32{0}, MinISR: 2}}, Leader: -1},
			0, nil, true, ""},
		{"refuse while under-replicated elsewhere", with(three(), func(c *Cluster) {
			c.Partitions = append(c.Partitions, Partition{Topic: "u", ID: 3, Replicas: []int32{1, 2}, ISR: []int32{1}, MinISR: 1})
		}), 0, nil, false, "1 partitions are under-replicated (u-3 in sync [1] of [1 2]); kafka-0 restarts once every replica is in sync"},
		{"quorum: majority of the others caught up", with(three(), func(c *Cluster) {
			c.Voters[2].CaughtUp = false
		}), 0, nil, false, "restarting kafka-0 would leave 1 of 3 controllers caught up, short of a majority of 2"},
		{"quorum: a lagging voter itself may restart", with(three(), func(c *Cluster) {
			c.Voters[0].CaughtUp = false
		}), 0, nil, true, ""},
		{"quorum: a single controller restarts", Cluster{Live: []int32{0}, Voters: []Voter{{0, true}}, Leader: 0}, 0, nil, true, ""},
		{"quorum: a broker-only node ignores the quorum", with(three(), func(c *Cluster) {
			c.Live = append(c.Live, 3)
			c.Voters[2].CaughtUp = false
			c.Voters[1].CaughtUp = false
		}), 3, nil, true, ""},
		{"controller last: others remain", three(), 1, []int32{0, 1, 2}, false,
			"kafka-1 is the active controller; it restarts last (still to restart: [0 2])"},
		{"controller last: it is the last", three(), 1, []int32{1}, true, ""},
		{"controller last: unknown leader", with(three(), func(c *Cluster) { c.Leader = -1 }), 1, []int32{0, 2}, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := "kafka-" + string(rune('0'+c.broker))
			got := BeforeRestart(c.c, c.broker, name, c.remaining)
			if got.OK != c.ok || got.Reason != c.reason {
				t.Errorf("BeforeRestart = %+v, want ok=%v %q", got, c.ok, c.reason)
			}
		})
	}
}

func TestAfterReady(t *testing.T) {
	cases := []struct {
		name   string
		c      Cluster
		ok     bool
		reason string
	}{
		{"back in every ISR", three(), true, ""},
		{"not in metadata", with(three(), func(c *Cluster) { c.Live = []int32{1, 2} }), false,
			"kafka-0 is not back in the cluster's metadata yet"},
		{"not back in an ISR it left", with(three(), func(c *Cluster) { c.Partitions[1].ISR = []int32{1, 2} }), false,
			"kafka-0 is not back in the in-sync replicas of 1 partitions (t-1 in sync [1 2] of [1 2 0])"},
		{"controller not caught up", with(three(), func(c *Cluster) { c.Voters[0].CaughtUp = false }), false,
			"kafka-0 has not caught up with the controller quorum's leader"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := AfterReady(c.c, 0, "kafka-0")
			if got.OK != c.ok || got.Reason != c.reason {
				t.Errorf("AfterReady = %+v, want ok=%v %q", got, c.ok, c.reason)
			}
		})
	}
}
