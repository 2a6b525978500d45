package main

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/api"
	"github.com/kennel-sdk/kennel/examples/kafka/brokers"
	"github.com/kennel-sdk/kennel/examples/kafka/topics"
	"github.com/kennel-sdk/kennel/scheduler/runtime"
)

// kafkaSchedulerCommand is `kennel kafka scheduler`: Kennel's scheduler
// with the Kafka service's Go package (examples/kafka/brokers) plugged
// into its extension points. One binary serves every service, so the
// Kafka scheduler is a subcommand rather than a binary of its own: the
// package's Marathon app and the tasks fetch the same kennel.
func kafkaSchedulerCommand() *cobra.Command {
	return newSchedulerCommand("Run the Kafka service's scheduler (what its Marathon app runs)", `

The Kafka scheduler is this scheduler plus examples/kafka/brokers: each broker
(pod kafka, instance N = node.id N) gets, when it launches, the service's
KRaft cluster id (KAFKA_CLUSTER_ID, else generated once and kept in the
state store), its process roles, the host it advertises (KAFKA_ADVERTISE:
agent or autoip) and the static controller quorum computed from the
controllers' agents and reserved ports. Its API adds GET /v1/brokers,
/v1/brokers/{id}, the controllers endpoint, and DC/OS Kafka's /v1/topics
routes and /v1/users (SCRAM-SHA-512 users: kennel user add|remove|list),
answered through the Kafka Admin API at the brokers' addresses; its
dashboard (/ui) adds the brokers, topics and under-replicated partitions.
An update that changes only options Kafka changes at runtime (log segment
size, min.insync.replicas, unclean leader election, I/O and network
threads within Kafka's limits) restarts no broker: the scheduler applies
them with IncrementalAlterConfigs, and update start --dry-run says "in
place, no restart".`,
		kafkaService())
}

// kafkaService is the Kafka service's Go package as the scheduler takes it.
func kafkaService() goService {
	return goService{
		extension: brokers.Extension,
		routes: func(b *runtime.Backend) []api.Route {
			out := append(brokers.Routes(b), topics.Routes(brokers.Bootstrap(b), time.Now)...)
			return append(out, topics.UserRoutes(brokers.Bootstrap(b))...)
		},
		endpoints: []api.EndpointProducer{brokers.Controllers{}},
		inPlace:   brokers.InPlace{}.Changes,
		sections: func(b *runtime.Backend) []api.Section {
			return []api.Section{topics.Section(brokers.Bootstrap(b))}
		},
	}
}

// goServices are the services written in Go that `kennel local up
// --scheduler NAME` runs, by name ("" is the plain scheduler).
func goServices() map[string]goService {
	return map[string]goService{"": {}, "kafka": kafkaService()}
}

// goServiceOf is the Go service whose scheduler a Marathon app runs
// (`kennel NAME scheduler` in its cmd), or the plain scheduler's.
func goServiceOf(app map[string]any) goService {
	cmd, _ := app["cmd"].(string)
	fields := strings.Fields(cmd)
	for i := 0; i+1 < len(fields); i++ {
		if g, ok := goServices()[fields[i]]; ok && fields[i+1] == "scheduler" {
			return g
		}
	}
	return goService{}
}

func goServiceNames() []string {
	return slices.Sorted(maps.Keys(goServices()))[1:]
}
