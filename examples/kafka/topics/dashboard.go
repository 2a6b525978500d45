package topics

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"

	"github.com/kennel-sdk/kennel/api"
	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
)

// Section is the Kafka scheduler's part of the dashboard: the live
// brokers, the topics and the under-replicated partitions, from one
// Metadata request to the brokers at b's addresses (what GET /v1/brokers,
// /v1/topics and /v1/topics/under_replicated_partitions answer from).
func Section(b Bootstrap) api.Section {
	h := &handler{bootstrap: b}
	return api.Section{Name: "kafka", Title: "Kafka", Build: func(ctx context.Context) (wire.ViewSection, error) {
		a, err := h.adminFor(ctx)
		if err != nil {
			return wire.ViewSection{}, err
		}
		m, err := a.Describe(ctx)
		if err != nil {
			return wire.ViewSection{}, err
		}
		return section(m), nil
	}}
}

// section lays out the cluster's metadata as the dashboard shows it.
func section(m kafkaclient.Metadata) wire.ViewSection {
	urp := m.UnderReplicated()
	byBroker := m.UnderReplicatedByBroker()
	brokers := wire.ViewTable{Caption: "Brokers", Columns: []string{"Broker", "Address", "Rack", "Role", "Under-replicated partitions"}}
	bs := slices.SortedFunc(slices.Values(m.Brokers), func(a, b kafkaclient.Broker) int { return cmp.Compare(a.ID, b.ID) })
	for _, b := range bs {
		role := "broker"
		if b.ID == m.Controller {
			role = "controller"
		}
		brokers.Rows = append(brokers.Rows, []string{id(b.ID), net.JoinHostPort(b.Host, id(b.Port)), b.Rack, role, strconv.Itoa(byBroker[b.ID])})
	}
	type topic struct{ partitions, replication, urp int }
	ts := map[string]*topic{}
	for _, p := range m.Partitions {
		t := ts[p.Topic]
		if t == nil {
			t = &topic{}
			ts[p.Topic] = t
		}
		t.partitions++
		t.replication = max(t.replication, len(p.Replicas))
		if p.UnderReplicated() {
			t.urp++
		}
	}
	topics := wire.ViewTable{Caption: "Topics", Columns: []string{"Topic", "Partitions", "Replication", "Under-replicated partitions"}}
	for _, name := range slices.Sorted(maps.Keys(ts)) {
		t := ts[name]
		topics.Rows = append(topics.Rows, []string{name, strconv.Itoa(t.partitions), strconv.Itoa(t.replication), strconv.Itoa(t.urp)})
	}
	under := wire.ViewTable{Caption: "Under-replicated partitions", Columns: []string{"Topic", "Partition", "Leader", "Replicas", "In sync"}}
	for _, p := range urp {
		under.Rows = append(under.Rows, []string{p.Topic, id(p.ID), id(p.Leader), ids(p.Replicas), ids(p.ISR)})
	}
	controller := "none"
	if m.Controller >= 0 {
		controller = id(m.Controller)
	}
	status := fmt.Sprintf("%s · controller %s · %s · %s", plural(len(m.Brokers), "broker"), controller,
		plural(len(ts), "topic"), plural(len(urp), "under-replicated partition"))
	return wire.ViewSection{Status: status, Error: len(urp) > 0, Tables: []wire.ViewTable{brokers, topics, under}}
}

func id(n int32) string { return strconv.Itoa(int(n)) }

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
