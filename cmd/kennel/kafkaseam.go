package main

import "github.com/spf13/cobra"

// kafkaSeamCommand is `kennel kafka` with only `scheduler`, until the
// command that also holds `probe` and `test-broker` (kafkaCommand) is
// merged: then kafkaSchedulerCommand joins it and this file goes.
func kafkaSeamCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "kafka", Short: "The Kafka service's commands"}
	cmd.AddCommand(kafkaSchedulerCommand())
	return cmd
}
