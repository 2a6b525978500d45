package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// examples are the Examples section of every command's help, by command
// path without the program name. A command that sets its own Example
// keeps it; TestHelpPages checks that every command has one.
var examples = map[string]string{
	"":                                  "kennel local up --service examples/hello-world\nkennel plan status --name hello-world\nkennel task log --follow hello-0-server",
	"bootstrap":                         "# in a task's command, before the program that reads its configs:\n./bootstrap && exec ./server",
	"debug":                             "kennel debug offers --name hello-world\nkennel debug config target --name hello-world",
	"debug config":                      "kennel debug config list --name hello-world",
	"debug config list":                 "kennel debug config list --name hello-world",
	"debug config show":                 "kennel debug config show --name hello-world 57d537c9-72cd-8bdd-9502-c85b0f61da00",
	"debug config target":               "kennel debug config target --name hello-world",
	"debug config target-id":            "kennel debug config target-id --name hello-world",
	"debug offers":                      "kennel debug offers --name hello-world\nkennel debug offers --name hello-world --plan deploy --phase hello --step hello-1:[server]",
	"debug pod":                         "kennel debug pod pause --name hello-world hello-0",
	"debug pod pause":                   "kennel debug pod pause --name hello-world hello-0",
	"debug pod resume":                  "kennel debug pod resume --name hello-world hello-0",
	"debug state":                       "kennel debug state properties --name hello-world",
	"debug state framework-id":          "kennel debug state framework-id --name hello-world",
	"debug state properties":            "kennel debug state properties --name hello-world",
	"debug state property":              "kennel debug state property --name hello-world hello-0-server:task-status",
	"dcos":                              "ln -s \"$(command -v kennel)\" ~/bin/dcos-hello-world\ndcos hello-world plan status deploy",
	"describe":                          "kennel describe --name hello-world",
	"endpoints":                         "kennel endpoints --name kafka\nkennel endpoints --name kafka broker",
	"executor":                          "# started by a Mesos agent, never by hand:\nkennel executor",
	"kafka":                             "kennel local up --service examples/kafka --scheduler kafka",
	"kafka probe":                       "kennel kafka probe --help",
	"kafka scheduler":                   "kennel kafka scheduler --spec examples/kafka/svc.yml --master http://127.0.0.1:5050",
	"kafka test-broker":                 "kennel kafka test-broker start server.properties",
	"kafka test-broker format":          "kennel kafka test-broker format --cluster-id S2VubmVsS2Fma2FDbHVzdA --config server.properties",
	"kafka test-broker start":           "kennel kafka test-broker start --cluster-id S2VubmVsS2Fma2FDbHVzdA server.properties\nkennel kafka test-broker start --kafka-version 2.13-4.0.0 server.properties",
	"local":                             "kennel local up --data-dir /tmp/kennel\nKENNEL_DATA_DIR=/tmp/kennel kennel local agents",
	"local agent":                       "kennel local agent partition agent-2\nkennel local agent heal agent-2",
	"local agents":                      "kennel local agents",
	"local framework":                   "kennel local framework stall 8e4f1c2a-0000-4000-8000-000000000000-0000",
	"local framework stall":             "kennel local framework stall 8e4f1c2a-0000-4000-8000-000000000000-0000",
	"local framework unstall":           "kennel local framework unstall 8e4f1c2a-0000-4000-8000-000000000000-0000",
	"local master":                      "kennel local master restart",
	"local master restart":              "kennel local master restart",
	"local service":                     "kennel local service restart hello-world -e HELLO_COUNT=3",
	"local service restart":             "kennel local service restart hello-world -e HELLO_COUNT=3\nkennel local service restart hello-world --env-file prod.env",
	"local state":                       "kennel local state",
	"local task":                        "kennel local task kill hello-0-server",
	"local task kill":                   "kennel local task kill hello-0-server",
	"local up":                          "kennel local up\nkennel local up --service examples/hello-world --api-port 8000 --log-file /tmp/kennel.log\nkennel local up --service examples/hello-world --until-complete --timeout 5m\nkennel local up --simulated-agents 100 --debug-addr 127.0.0.1:6061",
	"package":                           "kennel package list\nkennel package install hello-world",
	"package describe":                  "kennel package describe hello-world",
	"package install":                   "kennel package install hello-world\nkennel package install ./examples/hello-world",
	"package list":                      "kennel package list",
	"package render":                    "kennel package render examples/hello-world",
	"package uninstall":                 "kennel package uninstall hello-world",
	"plan":                              "kennel plan status --name hello-world\nkennel plan pause --name hello-world deploy",
	"plan force-complete":               "kennel plan force-complete --name hello-world deploy hello hello-0:[server]",
	"plan force-restart":                "kennel plan force-restart --name hello-world deploy hello",
	"plan list":                         "kennel plan list --name hello-world",
	"plan pause":                        "kennel plan pause --name hello-world deploy",
	"plan resume":                       "kennel plan resume --name hello-world deploy",
	"plan start":                        "kennel plan start --name hello-world backup -p BUCKET=nightly",
	"plan status":                       "kennel plan status --name hello-world\nkennel plan status --name hello-world deploy --json",
	"plan stop":                         "kennel plan stop --name hello-world backup",
	"pod":                               "kennel pod status --name hello-world\nkennel pod restart --name hello-world hello-0",
	"pod info":                          "kennel pod info --name hello-world hello-0",
	"pod list":                          "kennel pod list --name hello-world",
	"pod pause":                         "kennel pod pause --name hello-world hello-0",
	"pod replace":                       "kennel pod replace --name hello-world hello-0",
	"pod restart":                       "kennel pod restart --name hello-world hello-0",
	"pod resume":                        "kennel pod resume --name hello-world hello-0",
	"pod status":                        "kennel pod status --name hello-world\nkennel pod status --name hello-world hello-0",
	"scheduler":                         "kennel scheduler --spec examples/hello-world/svc.yml --master http://127.0.0.1:5050 --state file:///var/lib/kennel",
	"spec":                              "kennel spec validate examples/hello-world\nkennel spec render --plans examples/hello-world",
	"spec render":                       "kennel spec render examples/hello-world --format yaml\nkennel spec render --plans -e HELLO_COUNT=3 examples/hello-world",
	"spec validate":                     "kennel spec validate examples/hello-world\nkennel spec validate svc.yml -e NODE_COUNT=5 --attribute rack",
	"state":                             "kennel state framework-id --name hello-world",
	"state framework-id":                "kennel state framework-id --name hello-world",
	"state properties":                  "kennel state properties --name hello-world",
	"state property":                    "kennel state property --name hello-world hello-0-server:task-status",
	"task":                              "kennel task log --follow hello-0-server\nkennel task ls hello-0-server\nkennel task log --dcos kafka-0-broker   # through the attached DC/OS cluster",
	"tls":                               "kennel tls ca --name kafka > ca.pem",
	"tls ca":                            "kennel tls ca --name kafka > ca.pem\nkcat -X security.protocol=ssl -X ssl.ca.location=ca.pem -b 127.0.0.1:1025 -L",
	"broker":                            "kennel broker list --name kafka\nkennel broker get --name kafka 1\nkennel broker move --name kafka 1",
	"broker move":                       "kennel broker move --name kafka 1\nkennel broker move --name kafka 1 --throttle 10485760\nkennel plan status --name kafka move-broker",
	"broker drain":                      "kennel broker drain --name kafka 3 4\nkennel plan status --name kafka drain-brokers",
	"broker get":                        "kennel broker get --name kafka 1",
	"broker list":                       "kennel broker list --name kafka",
	"user":                              "kennel user add --name kafka alice < alice.password\nkennel user list --name kafka",
	"user add":                          "kennel user add --name kafka alice < alice.password\nkennel user add --name kafka alice --password-file alice.password",
	"user list":                         "kennel user list --name kafka",
	"user remove":                       "kennel user remove --name kafka alice",
	"topic":                             "kennel topic create --name kafka orders -p 6 -r 3\nkennel topic describe --name kafka orders",
	"topic config":                      "kennel topic config --name kafka orders\nkennel topic config --name kafka orders retention.ms=86400000",
	"topic create":                      "kennel topic create --name kafka orders -p 6 -r 3 -c retention.ms=86400000",
	"topic delete":                      "kennel topic delete --name kafka orders",
	"topic delete-config":               "kennel topic delete-config --name kafka orders retention.ms",
	"topic describe":                    "kennel topic describe --name kafka orders",
	"topic list":                        "kennel topic list --name kafka",
	"topic offsets":                     "kennel topic offsets --name kafka orders --time first",
	"topic partitions":                  "kennel topic partitions --name kafka orders 12",
	"topic producer_test":               "kennel topic producer_test --name kafka orders 100",
	"topic unavailable_partitions":      "kennel topic unavailable_partitions --name kafka",
	"topic under_replicated_partitions": "kennel topic under_replicated_partitions --name kafka",
	"update":                            "kennel update start --name hello-world --options options.json\nkennel update status --name hello-world",
	"update package-versions":           "kennel update package-versions --name hello-world",
	"update start":                      "kennel update start --name hello-world --options options.json\nkennel update start --name kafka --package-version 0.1.0-4.1.1 --dry-run\nkennel update start --name kafka --package-version 0.1.0-4.1.1",
	"update status":                     "kennel update status --name hello-world",
	"version":                           "kennel version",
}

// addExamples sets the Example of every command of the tree that has none
// from examples, indented as cobra prints it.
func addExamples(root *cobra.Command) {
	walk(root, func(c *cobra.Command) {
		if c.Example != "" {
			return
		}
		path := strings.TrimPrefix(strings.TrimPrefix(c.CommandPath(), root.Name()), " ")
		if ex, ok := examples[path]; ok {
			c.Example = "  " + strings.ReplaceAll(ex, "\n", "\n  ")
		}
	})
}
