package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/api/client"
	"github.com/kennel-sdk/kennel/examples/kafka/brokers"
	"github.com/kennel-sdk/kennel/examples/kafka/topics"
)

// kafkaCall is one command's request: its method, query and path under /v1/.
type kafkaCall func(args []string) (method string, query url.Values, path []string, err error)

// kafkaAPICommand is a command that makes the request call says and
// prints the answer.
func kafkaAPICommand(module string, cmd *cobra.Command, call kafkaCall) *cobra.Command {
	f := newAPIFlags(cmd, module)
	jsonFlag(cmd) // the answer is always the scheduler's JSON
	cmd.RunE = f.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
		method, query, path, err := call(args)
		if err != nil {
			return err
		}
		body, err := c.Call(cmd.Context(), method, query, path...)
		if err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), body)
	})
	return cmd
}

func kafkaGet(path ...string) kafkaCall {
	return func([]string) (string, url.Values, []string, error) { return http.MethodGet, nil, path, nil }
}

// brokerCommand is DC/OS Kafka's `broker list|get`: GET /v1/brokers[/ID];
// and Kennel's `broker move|drain`, which start the Kafka service's plans
// move-broker and drain-brokers (POST /v1/plans/NAME/start).
func brokerCommand(module string) *cobra.Command {
	cmd := &cobra.Command{Use: "broker", Short: "List the Kafka brokers, show one (GET /v1/brokers[/ID]), move or drain them"}
	cmd.AddCommand(
		brokerPlanCommand(module, &cobra.Command{Use: "move ID",
			Short: "Move a broker: its replicas to the others (throttled), `pod replace`, and back (plan move-broker)",
			Args:  cobra.ExactArgs(1)}, "move-broker", brokers.ParamBroker),
		brokerPlanCommand(module, &cobra.Command{Use: "drain ID...",
			Short: "Move every replica off brokers (throttled), so that lowering brokers.count can remove them (plan drain-brokers)",
			Args:  cobra.MinimumNArgs(1)}, "drain-brokers", brokers.ParamBrokers),
		kafkaAPICommand(module, &cobra.Command{Use: "list", Short: "List the running brokers' ids", Args: cobra.NoArgs},
			kafkaGet("brokers")),
		kafkaAPICommand(module, &cobra.Command{Use: "get ID", Short: "Show a broker: its task, roles, host and port", Args: cobra.ExactArgs(1)},
			func(args []string) (string, url.Values, []string, error) {
				return http.MethodGet, nil, []string{"brokers", args[0]}, nil
			}))
	return cmd
}

// brokerPlanCommand starts plan with the broker ids of its arguments as
// param and --throttle as THROTTLE, and prints the scheduler's answer.
func brokerPlanCommand(module string, cmd *cobra.Command, plan, param string) *cobra.Command {
	f := newAPIFlags(cmd, module)
	jsonFlag(cmd)
	throttle := cmd.Flags().Int64("throttle", brokers.DefaultThrottle, "the replication throttle while replicas move, in `BYTES_PER_S`")
	cmd.RunE = f.runE(func(cmd *cobra.Command, args []string, c *client.Client) error {
		for _, a := range args {
			if n, err := strconv.Atoi(a); err != nil || n < 0 {
				return fmt.Errorf("broker id %q: want a number from 0", a)
			}
		}
		if *throttle < 1 {
			return fmt.Errorf("--throttle %d: want a rate in bytes per second, at least 1", *throttle)
		}
		res, err := c.PlanStart(cmd.Context(), plan, map[string]string{
			param: strings.Join(args, ","), brokers.ParamThrottle: strconv.FormatInt(*throttle, 10)})
		if err != nil {
			return err
		}
		return printRaw(cmd.OutOrStdout(), res.Body)
	})
	return cmd
}

// topicCommand is DC/OS Kafka's `topic` section, in its words (create
// -p/--partitions 1 -r/--replication 3, offsets --time first|last|ms,
// producer_test TOPIC [MESSAGES], under_replicated_partitions…), over the
// Kafka scheduler's /v1/topics routes (examples/kafka/topics).
func topicCommand(module string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "topic",
		Short: "Administer the Kafka topics (through the scheduler's /v1/topics and the Kafka Admin API)",
	}
	one := func(use, short string, method string, sub ...string) *cobra.Command {
		return kafkaAPICommand(module, &cobra.Command{Use: use + " TOPIC", Short: short, Args: cobra.ExactArgs(1)},
			func(args []string) (string, url.Values, []string, error) {
				return method, nil, append([]string{"topics", args[0]}, sub...), nil
			})
	}

	create := &cobra.Command{Use: "create TOPIC", Short: "Create a topic", Args: cobra.ExactArgs(1)}
	partitions := create.Flags().IntP("partitions", "p", 1, "number of partitions")
	replication := create.Flags().IntP("replication", "r", 3, "replication factor")
	config := create.Flags().StringArrayP("config", "c", nil, "topic configs, `k=v[,k2=v2]` (repeatable)")
	kafkaAPICommand(module, create, func(args []string) (string, url.Values, []string, error) {
		q := url.Values{"partitions": {strconv.Itoa(*partitions)}, "replication": {strconv.Itoa(*replication)}}
		for _, c := range *config {
			if _, err := topics.ParseConfig(c); err != nil {
				return "", nil, nil, statusError{err: err, code: 2}
			}
			q.Add("config", c)
		}
		return http.MethodPut, q, []string{"topics", args[0]}, nil
	})

	grow := kafkaAPICommand(module, &cobra.Command{Use: "partitions TOPIC COUNT",
		Short: "Raise a topic's partition count to COUNT", Args: cobra.ExactArgs(2)},
		func(args []string) (string, url.Values, []string, error) {
			return http.MethodPut, url.Values{"partitions": {args[1]}}, []string{"topics", args[0], "operation", "partitions"}, nil
		})

	cfg := kafkaAPICommand(module, &cobra.Command{Use: "config TOPIC [KEY=VALUE...]",
		Short: "Show a topic's configs, or set some", Args: cobra.MinimumNArgs(1)},
		func(args []string) (string, url.Values, []string, error) {
			if len(args) == 1 {
				return http.MethodGet, nil, []string{"topics", args[0], "config"}, nil
			}
			q := url.Values{}
			for _, kv := range args[1:] {
				if _, err := topics.ParseConfig(kv); err != nil {
					return "", nil, nil, statusError{err: err, code: 2}
				}
				q.Add("config", kv)
			}
			return http.MethodPut, q, []string{"topics", args[0], "operation", "config"}, nil
		})

	deleteConfig := kafkaAPICommand(module, &cobra.Command{Use: "delete-config TOPIC KEY...",
		Short: "Return a topic's configs to their defaults", Args: cobra.MinimumNArgs(2)},
		func(args []string) (string, url.Values, []string, error) {
			return http.MethodDelete, url.Values{"key": args[1:]}, []string{"topics", args[0], "operation", "config"}, nil
		})

	offsets := &cobra.Command{Use: "offsets TOPIC", Short: "Show a topic's offsets per partition", Args: cobra.ExactArgs(1)}
	at := offsets.Flags().String("time", "last", "`first`, last, or a timestamp in milliseconds")
	kafkaAPICommand(module, offsets, func(args []string) (string, url.Values, []string, error) {
		t, err := topics.ParseTime(*at)
		if err != nil {
			return "", nil, nil, statusError{err: err, code: 2}
		}
		return http.MethodGet, url.Values{"time": {strconv.FormatInt(t, 10)}}, []string{"topics", args[0], "offsets"}, nil
	})

	produce := kafkaAPICommand(module, &cobra.Command{Use: "producer_test TOPIC [MESSAGES]", Aliases: []string{"producer-test"},
		Short: "Write MESSAGES (10) records of 1024 bytes to a topic, acks=all, and say how fast", Args: cobra.RangeArgs(1, 2)},
		func(args []string) (string, url.Values, []string, error) {
			n := "10"
			if len(args) == 2 {
				n = args[1]
			}
			if v, err := strconv.Atoi(n); err != nil || v < 1 {
				return "", nil, nil, statusError{err: fmt.Errorf("MESSAGES %q: want a positive number", n), code: 2}
			}
			return http.MethodPut, url.Values{"messages": {n}}, []string{"topics", args[0], "operation", "producer-test"}, nil
		})

	cmd.AddCommand(
		kafkaAPICommand(module, &cobra.Command{Use: "list", Short: "List the topics", Args: cobra.NoArgs}, kafkaGet("topics")),
		one("describe", "Show a topic's partitions: leader, replicas, in-sync replicas", http.MethodGet),
		create,
		one("delete", "Delete a topic", http.MethodDelete),
		grow, cfg, deleteConfig, offsets, produce,
		kafkaAPICommand(module, &cobra.Command{Use: "under_replicated_partitions", Aliases: []string{"under-replicated-partitions"},
			Short: "List the partitions with replicas out of sync", Args: cobra.NoArgs}, kafkaGet("topics", "under_replicated_partitions")),
		kafkaAPICommand(module, &cobra.Command{Use: "unavailable_partitions", Aliases: []string{"unavailable-partitions"},
			Short: "List the partitions without a live leader", Args: cobra.NoArgs}, kafkaGet("topics", "unavailable_partitions")))
	return cmd
}
