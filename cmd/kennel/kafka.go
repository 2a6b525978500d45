package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/examples/kafka/brokerconfig"
	"github.com/kennel-sdk/kennel/examples/kafka/kafkaclient"
	"github.com/kennel-sdk/kennel/examples/kafka/probe"
	"github.com/kennel-sdk/kennel/examples/kafka/testbroker"
)

// kafkaCommand returns `kennel kafka`: the programs the Kafka service's
// broker tasks run.
func kafkaCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kafka",
		Short: "Programs the Kafka service's broker tasks run",
	}
	cmd.AddCommand(kafkaSchedulerCommand(), kafkaProbeCommand(), kafkaTestBrokerCommand())
	return cmd
}

// defaultBrokerConfig is the rendered server.properties in the task's
// sandbox.
func defaultBrokerConfig() string {
	return filepath.Join(os.Getenv("MESOS_SANDBOX"), "kafka-config", "server.properties")
}

func kafkaProbeCommand() *cobra.Command {
	var (
		config  string
		isr     bool
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "probe",
		Short: "Readiness check of a Kafka broker, without a JVM (runs inside the broker task)",
		Long: `Reads the broker's rendered server.properties for its node.id and its broker
listener (the first of listeners not in controller.listener.names; a listener
on every interface is reached at $MESOS_CONTAINER_IP, else 127.0.0.1), then
asks the broker for ApiVersions and Metadata. Exit status 0: the broker
answers and its Metadata lists it as its node.id (with --isr, also: no
partition it hosts is under-replicated). An SSL listener is spoken to over
TLS, its certificate verified for that host against the PKCS12 truststore of
ssl.truststore.location. Otherwise it prints one line saying
what it waits for and exits with status 1; an unreadable config exits 2.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := brokerconfig.Load(config)
			if err != nil {
				return statusError{err: fmt.Errorf("kafka probe: %w", err), code: 2}
			}
			target := probe.TargetOf(cfg, os.Getenv("MESOS_CONTAINER_IP"))
			opts := probe.Options{ISR: isr}
			if cfg.TLS() {
				host, _, _ := net.SplitHostPort(target.Addr)
				if opts.TLS, err = cfg.ClientTLS(host); err != nil {
					return statusError{err: fmt.Errorf("kafka probe: %w", err), code: 2}
				}
			}
			user, password, sasl, err := cfg.SCRAMLogin()
			if err != nil {
				return statusError{err: fmt.Errorf("kafka probe: %w", err), code: 2}
			}
			if sasl {
				opts.SCRAM = &kafkaclient.SCRAM{User: user, Password: password}
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			if err := probe.Check(ctx, target, opts); err != nil {
				fmt.Fprintln(cmd.OutOrStdout(), err)
				if errors.Is(err, probe.ErrNotReady) {
					return exitError{code: 1}
				}
				return exitError{code: 2}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ready: broker %d answers on %s\n", target.NodeID, target.Addr)
			return nil
		},
	}
	isrDefault, _ := strconv.ParseBool(os.Getenv("KAFKA_READINESS_ISR"))
	cmd.Flags().StringVar(&config, "config", defaultBrokerConfig(), "the broker's rendered server.properties")
	cmd.Flags().BoolVar(&isr, "isr", isrDefault, "also wait until no partition the broker hosts is under-replicated ($KAFKA_READINESS_ISR)")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "give up on the broker's answer after this long")
	return cmd
}

func kafkaTestBrokerCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "test-broker",
		Short: "A Kafka broker for machines without Kafka (franz-go kfake)",
		Long: `A stand-in for Kafka's kafka-storage.sh format and kafka-server-start.sh, for
machines without a Kafka distribution. Each test broker is a single-node
cluster of its own, serving as its node.id on its listener and keeping its
data in its first log dir; separate test brokers do not replicate to each
other and each one's Metadata lists only itself.`,
	}
	cmd.AddCommand(testBrokerFormatCommand(), testBrokerStartCommand())
	return cmd
}

func testBrokerFormatCommand() *cobra.Command {
	var (
		config, clusterID string
		ignore            bool
	)
	cmd := &cobra.Command{
		Use:   "format --cluster-id ID --config FILE [--ignore-formatted]",
		Short: "Write meta.properties into the broker's log dirs, as kafka-storage.sh format",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := brokerconfig.Load(config)
			if err != nil {
				return err
			}
			lines, err := testbroker.Format(cfg, clusterID, ignore, time.Now())
			for _, l := range lines {
				fmt.Fprintln(cmd.OutOrStdout(), l)
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&config, "config", "c", "", "the broker's rendered server.properties")
	cmd.Flags().StringVarP(&clusterID, "cluster-id", "t", "", "the cluster id (a Kafka UUID)")
	cmd.Flags().BoolVarP(&ignore, "ignore-formatted", "g", false, "leave formatted directories as they are instead of failing")
	_ = cmd.MarkFlagRequired("config")
	_ = cmd.MarkFlagRequired("cluster-id")
	return cmd
}

func testBrokerStartCommand() *cobra.Command {
	var clusterID, kafkaVersion string
	cmd := &cobra.Command{
		Use:   "start [--cluster-id ID] [--kafka-version V] SERVER_PROPERTIES",
		Short: "Run the test broker until SIGTERM, as kafka-server-start.sh",
		Long: `Checks every log dir's meta.properties (it must exist and name this node.id
and, when --cluster-id or $KAFKA_CLUSTER_ID is given, that cluster id: the
cluster id a real broker learns from its quorum) and serves until SIGTERM or
SIGINT, then flushes its data and exits 0.

--kafka-version (or $KAFKA_VERSION, as the Kafka package names it: 4.1.1 or
2.13-4.1.1) is the Kafka release the test broker plays: the API versions and
feature levels it advertises (the metadata.version range it supports, the
level a new cluster starts at), from franz-go's tables. The test broker's
code is the same for every release. Its finalized features are kept in the
first log dir; it refuses to start when the release does not support them,
as Kafka does.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := brokerconfig.Load(args[0])
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, os.Interrupt)
			defer stop()
			release, err := testbroker.ParseRelease(kafkaVersion)
			if err != nil {
				return err
			}
			return testbroker.Run(ctx, cfg, clusterID, release, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&clusterID, "cluster-id", os.Getenv("KAFKA_CLUSTER_ID"), "the cluster id the log dirs must name ($KAFKA_CLUSTER_ID)")
	cmd.Flags().StringVar(&kafkaVersion, "kafka-version", os.Getenv("KAFKA_VERSION"), "the Kafka `VERSION` to play ($KAFKA_VERSION; empty: the newest kfake knows)")
	return cmd
}
