package move

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

func parts(spec ...any) []Partition {
	var out []Partition
	for i := 0; i < len(spec); i += 3 {
		out = append(out, Partition{Topic: spec[i].(string), ID: int32(spec[i+1].(int)), Replicas: spec[i+2].([]int32)})
	}
	return out
}

func TestAway(t *testing.T) {
	for _, tc := range []struct {
		name  string
		c     Cluster
		drain []int32
		want  string // the moves, or the error
	}{
		{"nothing on the broker", Cluster{Brokers: []int32{0, 1, 2}, Partitions: parts("t", 0, []int32{0, 2})}, []int32{1}, "[]"},
		{"least loaded broker, position kept", Cluster{Brokers: []int32{0, 1, 2, 3},
			Partitions: parts("t", 0, []int32{1, 0}, "t", 1, []int32{0, 2}, "u", 0, []int32{2, 1})}, []int32{1},
			"[t-0 [1 0]->[3 0] u-0 [2 1]->[2 3]]"},
		{"load spreads as moves are planned", Cluster{Brokers: []int32{0, 1, 2},
			Partitions: parts("t", 0, []int32{1}, "t", 1, []int32{1}, "t", 2, []int32{1})}, []int32{1},
			"[t-0 [1]->[0] t-1 [1]->[2] t-2 [1]->[0]]"},
		{"drained brokers take nothing", Cluster{Brokers: []int32{0, 1, 2, 3},
			Partitions: parts("t", 0, []int32{2, 3}, "t", 1, []int32{3, 0})}, []int32{2, 3},
			"[t-0 [2 3]->[1 0] t-1 [3 0]->[1 0]]"},
		{"no room: replication factor equals the brokers", Cluster{Brokers: []int32{0, 1, 2},
			Partitions: parts("t", 0, []int32{0, 1, 2}, "u", 0, []int32{1})}, []int32{1},
			"error: no broker left to take the replica: t-0 (replication factor as high as the brokers that may hold it)"},
		{"dead brokers take nothing", Cluster{Brokers: []int32{1, 2}, Partitions: parts("t", 0, []int32{1, 0})}, []int32{1},
			"[t-0 [1 0]->[2 0]]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			moves, err := Away(tc.c, tc.drain)
			got := describe(moves)
			if err != nil {
				got = "error: " + err.Error()
				if !errors.Is(err, ErrNoRoom) {
					t.Errorf("error %v is not ErrNoRoom", err)
				}
			}
			if got != tc.want {
				t.Errorf("Away = %s\nwant   %s", got, tc.want)
			}
		})
	}
}

func describe(moves []Move) string {
	out := "["
	for i, m := range moves {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("%s %v->%v", m, m.From, m.To)
	}
	return out + "]"
}

func TestBack(t *testing.T) {
	moved := []Move{{Topic: "t", ID: 0, From: []int32{1, 0}, To: []int32{2, 0}},
		{Topic: "t", ID: 1, From: []int32{0, 1}, To: []int32{0, 2}},
		{Topic: "gone", ID: 0, From: []int32{1}, To: []int32{2}}}
	c := Cluster{Brokers: []int32{0, 1, 2}, Partitions: parts("t", 0, []int32{2, 0}, "t", 1, []int32{0, 1})}
	moves, gone := Back(c, moved)
	if got := describe(moves); got != "[t-0 [2 0]->[1 0]]" {
		t.Errorf("Back = %s", got)
	}
	if !slices.Equal(gone, []string{"gone-0"}) {
		t.Errorf("gone = %v", gone)
	}
}

func TestThrottles(t *testing.T) {
	th := Throttles([]Move{{Topic: "t", ID: 0, From: []int32{1, 0}, To: []int32{2, 0}},
		{Topic: "t", ID: 3, From: []int32{1}, To: []int32{3}}, {Topic: "u", ID: 1, From: []int32{0, 1}, To: []int32{0, 2}}})
	if !slices.Equal(th.Brokers, []int32{0, 1, 2, 3}) {
		t.Errorf("brokers %v", th.Brokers)
	}
	want := map[string][2]string{"t": {"0:1,0:0,3:1", "0:2,3:3"}, "u": {"1:0,1:1", "1:2"}}
	for topic, w := range want {
		if th.Leaders[topic] != w[0] || th.Followers[topic] != w[1] {
			t.Errorf("%s: leaders %q followers %q, want %q %q", topic, th.Leaders[topic], th.Followers[topic], w[0], w[1])
		}
	}
	if len(th.Leaders) != 2 || len(th.Followers) != 2 {
		t.Errorf("throttled topics %v %v", th.Leaders, th.Followers)
	}
}

func TestCheck(t *testing.T) {
	m0 := Move{Topic: "t", ID: 0, From: []int32{1, 0}, To: []int32{2, 0}}
	m1 := Move{Topic: "t", ID: 1, From: []int32{1}, To: []int32{2}}
	for _, tc := range []struct {
		name       string
		replicas   [][]int32
		inProgress map[string]bool
		sizes      Sizes
		want       string
	}{
		{"in progress, bytes from the sizes", [][]int32{{1, 0, 2}, {1, 2}}, map[string]bool{"t-0": true, "t-1": true},
			Sizes{"t-0": {0: 3 << 20, 1: 4 << 20, 2: 1 << 20}, "t-1": {1: 500, 2: 800}},
			"reassigning 2 partitions, 3.0 MB left (0 done)"},
		{"one done", [][]int32{{2, 0}, {1, 2}}, map[string]bool{"t-1": true}, Sizes{"t-1": {1: 2048, 2: 0}},
			"reassigning 1 partitions, 2.0 KB left (1 done)"},
		{"all done", [][]int32{{2, 0}, {2}}, nil, nil, "reassigned 2 partitions"},
		{"cancelled", [][]int32{{1, 0}, {2}}, nil, nil,
			"error: reassignment failed: t-0 has replicas [1 0], not the target [2 0], and no reassignment of it is in progress (cancelled or overridden?)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Cluster{Brokers: []int32{0, 1, 2}, Partitions: parts("t", 0, tc.replicas[0], "t", 1, tc.replicas[1])}
			p, err := Check(c, []Move{m0, m1}, tc.inProgress, tc.sizes)
			got := p.String()
			if err != nil {
				got = "error: " + err.Error()
			}
			if got != tc.want {
				t.Errorf("Check = %s\nwant    %s", got, tc.want)
			}
		})
	}
}

func TestHolding(t *testing.T) {
	c := Cluster{Brokers: []int32{0, 1, 2, 3}, Partitions: parts("t", 0, []int32{0, 3}, "t", 1, []int32{3, 1}, "u", 0, []int32{3})}
	if got := fmt.Sprint(Holding(c, []int32{2, 3})); got != "map[3:3]" {
		t.Errorf("Holding = %s", got)
	}
}

// model is a cluster that reassigns: a submitted reassignment adds its
// new replicas at once and copies `steps` polls long, then the replica
// set becomes the target.
type model struct {
	c       Cluster
	pending map[string]int // partition -> polls left
	targets map[string][]int32
}

func (m *model) submit(moves []Move, steps int) {
	for _, mv := range moves {
		m.pending[mv.String()] = steps
		m.targets[mv.String()] = mv.To
	}
}

func (m *model) poll() map[string]bool {
	in := map[string]bool{}
	for key, n := range m.pending {
		if n > 0 {
			m.pending[key] = n - 1
			in[key] = true
			continue
		}
		for i, p := range m.c.Partitions {
			if p.String() == key {
				m.c.Partitions[i].Replicas = m.targets[key]
			}
		}
		delete(m.pending, key)
	}
	return in
}

// TestMoveAndBack runs a broker move against the model: away until done,
// the broker empty, then back until the assignment is what it was.
func TestMoveAndBack(t *testing.T) {
	for _, tc := range []struct {
		name   string
		c      Cluster
		broker int32
	}{
		{"three brokers, rf 2", Cluster{Brokers: []int32{0, 1, 2}, Partitions: parts("t", 0, []int32{1, 0}, "t", 1, []int32{0, 2}, "t", 2, []int32{2, 1})}, 1},
		{"five brokers, rf 3", Cluster{Brokers: []int32{0, 1, 2, 3, 4}, Partitions: parts(
			"a", 0, []int32{0, 1, 2}, "a", 1, []int32{1, 2, 3}, "a", 2, []int32{2, 3, 4}, "b", 0, []int32{4, 0, 1}, "b", 1, []int32{1, 4, 0})}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := clonePartitions(tc.c.Partitions)
			m := &model{c: Cluster{Brokers: tc.c.Brokers, Partitions: clonePartitions(tc.c.Partitions)}, pending: map[string]int{}, targets: map[string][]int32{}}
			away, err := Away(m.c, []int32{tc.broker})
			if err != nil {
				t.Fatal(err)
			}
			run(t, m, away)
			if h := Holding(m.c, []int32{tc.broker}); len(h) != 0 {
				t.Fatalf("broker %d still holds %v", tc.broker, h)
			}
			for _, p := range m.c.Partitions {
				if len(p.Replicas) != len(slices.Compact(slices.Sorted(slices.Values(p.Replicas)))) {
					t.Errorf("%s has a broker twice: %v", p, p.Replicas)
				}
			}
			back, gone := Back(m.c, away)
			if len(gone) > 0 {
				t.Fatalf("gone %v", gone)
			}
			run(t, m, back)
			for i, p := range m.c.Partitions {
				if !slices.Equal(p.Replicas, before[i].Replicas) {
					t.Errorf("%s ends on %v, began on %v", p, p.Replicas, before[i].Replicas)
				}
			}
		})
	}
}

func run(t *testing.T, m *model, moves []Move) {
	t.Helper()
	m.submit(moves, 2)
	for polls := 0; ; polls++ {
		p, err := Check(m.c, moves, m.poll(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if p.Finished() {
			if p.Done != len(moves) {
				t.Fatalf("finished with %d of %d done", p.Done, len(moves))
			}
			return
		}
		if polls > 10 {
			t.Fatalf("not finished after %d polls: %s", polls, p)
		}
	}
}

func clonePartitions(ps []Partition) []Partition {
	out := make([]Partition, len(ps))
	for i, p := range ps {
		out[i] = Partition{Topic: p.Topic, ID: p.ID, Replicas: slices.Clone(p.Replicas)}
	}
	return out
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KB", 3565158: "3.4 MB", 5 << 30: "5.0 GB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %s, want %s", n, got, want)
		}
	}
}
