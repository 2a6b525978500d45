package chaos_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// service is one of the campaign's services: what runs, how its scheduler
// starts, where it keeps its state, which faults it suffers and how its
// data is found on the agents' disks.
type service struct {
	name string // the framework's name, and KENNEL_CHAOS_SERVICE's value
	// index places the service's ports in its own part of the block, so
	// that the three campaigns can run at once as separate processes.
	index   int
	src     string   // the directory the spec's files come from
	files   []string // the spec's files
	command []string // kennel's arguments before the scheduler's flags
	vars    map[string]string
	// store is "zk" (ZooKeeper behind the proxies) or "file" (the file
	// store on a small tmpfs the disk faults fill).
	store string
	// pod is the pod the faults target; task its long-running task.
	pod, task string
	// countVar sets the pod's count, from count up to maxCount ("" if the
	// service does not scale); greetVar is a setting whose change rolls
	// every instance.
	countVar        string
	count, maxCount int
	greetVar        string
	greeting        func(version int) string
	// others are tasks besides the pod's that run once deployed.
	others []string
	// owner reads a disk of an agent and says which instance's data it
	// holds (-1: none), and how many times its ONCE task ran (-1: the
	// service has no ONCE task).
	owner func(disk string) (instance, onceRuns int)
	// identity, if set, checks one disk's identity against the service's
	// (Kafka: the cluster id in meta.properties).
	identity func(disk string) (string, error)
	// weights are the fault kinds the service suffers, by relative weight.
	weights map[string]int
}

// services are the campaign's services by name.
var services = map[string]*service{
	"chaos": {
		name: "chaos", index: 0, src: "testdata", files: []string{"svc.yml", "svc.env", "world.conf.mustache"},
		command: []string{"scheduler"}, store: "zk", pod: "hello", task: "server",
		vars:     map[string]string{},
		countVar: "HELLO_COUNT", count: 2, maxCount: 3, greetVar: "GREETING",
		greeting: func(v int) string { return "hello-v" + strconv.Itoa(v) },
		others:   []string{"world-0-server"},
		owner:    helloOwner,
		weights:  withSplitBrain(commonWeights(), map[string]int{zkRestart: 3}),
	},
	"hello-world": {
		name: "hello-world", index: 1, src: filepath.Join("..", "examples", "hello-world"), files: []string{"svc.yml", "svc.env"},
		command: []string{"scheduler"}, store: "file", pod: "hello", task: "server",
		vars:     map[string]string{"FRAMEWORK_NAME": "hello-world", "HELLO_HEARTBEAT_SECONDS": "0.2", "HELLO_KILL_GRACE_PERIOD": "2"},
		countVar: "HELLO_COUNT", count: 2, maxCount: 3, greetVar: "HELLO_GREETING",
		greeting: func(v int) string { return "Hello v" + strconv.Itoa(v) },
		owner:    helloOwner,
		weights: merge(commonWeights(), map[string]int{secondScheduler: 6, diskFull: 6, diskSlow: 6,
			schedulerKill: 8}),
	},
	"kafka": {
		name: "kafka", index: 2, src: filepath.Join("..", "examples", "kafka"), files: []string{"svc.yml", "svc.env", "server.properties.mustache"},
		command: []string{"kafka", "scheduler"}, store: "zk", pod: "kafka", task: "broker",
		vars: map[string]string{"FRAMEWORK_NAME": "kafka", "BROKER_COUNT": "3", "BROKER_CPUS": "0.1",
			"BROKER_MEM": "64", "BROKER_DISK_MB": "16", "BROKER_NOFILE_LIMIT": "1024", "KAFKA_TEST_BROKER": "true",
			"READINESS_CHECK_INTERVAL": "1", "READINESS_CHECK_DELAY": "0", "READINESS_CHECK_TIMEOUT": "10",
			"BROKER_KILL_GRACE_PERIOD": "2"},
		count: 3, maxCount: 3, greetVar: "KAFKA_LOG_RETENTION_HOURS",
		greeting: func(v int) string { return strconv.Itoa(168 + v) },
		owner:    kafkaOwner,
		identity: kafkaClusterID,
		weights:  withSplitBrain(without(commonWeights(), operatorScale), map[string]int{zkRestart: 2}),
	},
}

// commonWeights are the faults every service suffers.
func commonWeights() map[string]int {
	return map[string]int{
		schedulerKill: 10, crashAfterWrite: 3, reconfigMidRoll: 2, secondScheduler: 4,
		agentStop: 3, agentPartition: 3, agentDestroy: 3, taskKill: 4, executorKill: 3, masterRestart: 3,
		eventStall: 4, operatorPause: 2, operatorRestart: 3, operatorReplace: 2, operatorUpdate: 2, operatorScale: 2,
	}
}

// withSplitBrain adds the ZooKeeper faults: session expiry with a standby
// taking over is the cheap split-brain trial, weighted so that a long
// campaign runs a hundred of them.
func withSplitBrain(w, more map[string]int) map[string]int {
	w[zkExpiry] = 16
	w[secondScheduler] = 6
	return merge(w, more)
}

func merge(w, more map[string]int) map[string]int {
	for k, v := range more {
		w[k] = v
	}
	return w
}

func without(w map[string]int, kind string) map[string]int {
	delete(w, kind)
	return w
}

// helloOwner: a hello disk holds greetings/init.log, a line per run of the
// ONCE init task naming the instance, and greetings/server.log, a line per
// start of the server task naming it. After a pod replace the fresh disk
// has no init.log: a ONCE task is never run again (as in DC/OS Commons).
func helloOwner(disk string) (int, int) {
	instance := -1
	initLog, _ := os.ReadFile(filepath.Join(disk, "greetings", "init.log"))
	if m := initRe.FindSubmatch(initLog); m != nil {
		instance, _ = strconv.Atoi(string(m[1]))
	}
	serverLog, _ := os.ReadFile(filepath.Join(disk, "greetings", "server.log"))
	if m := serverRe.FindSubmatch(serverLog); m != nil && instance < 0 {
		instance, _ = strconv.Atoi(string(m[1]))
	}
	return instance, strings.Count(string(initLog), "initialised")
}

var (
	initRe   = regexp.MustCompile(`hello-(\d+) initialised`)
	serverRe = regexp.MustCompile(`from hello-(\d+)-server`)
)

// kafkaOwner: a broker's disk holds logs/meta.properties with its node.id.
func kafkaOwner(disk string) (int, int) {
	v := properties(filepath.Join(disk, "logs", "meta.properties"))
	id, err := strconv.Atoi(v["node.id"])
	if err != nil {
		return -1, -1
	}
	return id, -1
}

// kafkaClusterID is the cluster.id a broker's disk was formatted with.
func kafkaClusterID(disk string) (string, error) {
	v := properties(filepath.Join(disk, "logs", "meta.properties"))
	if v["cluster.id"] == "" {
		return "", fmt.Errorf("%s has no cluster.id in logs/meta.properties", disk)
	}
	return v["cluster.id"], nil
}

// properties reads a Java properties file's key=value lines.
func properties(path string) map[string]string {
	out := map[string]string{}
	b, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(k, "#") {
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return out
}
