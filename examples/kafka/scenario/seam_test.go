package scenario_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/api/wire"
	"github.com/kennel-sdk/kennel/plans"
)

// standIn replaces the broker in svc.yml: its command records, on the
// volume, the task that first used it and the cluster id it was given,
// then sleeps; its readiness check waits for a rendered server.properties
// that names the whole quorum.
func standIn(t *testing.T) func(string) string {
	return func(spec string) string {
		start := strings.Index(spec, "        cmd: |\n")
		end := strings.Index(spec, "        cpus: ")
		probe := "          cmd: ./kennel kafka probe --config kafka-config/server.properties\n"
		if start < 0 || end < start || !strings.Contains(spec, probe) {
			t.Fatalf("examples/kafka/svc.yml changed: the stand-in no longer fits it")
		}
		cmd := `        cmd: |
          [ -e kafka-data/first-task ] || echo "$MESOS_TASK_ID" > kafka-data/first-task
          echo "$KAFKA_CLUSTER_ID" > kafka-data/cluster-id
          exec sleep 100000
`
		spec = spec[:start] + cmd + spec[end:]
		return strings.Replace(spec, probe, "          cmd: grep -q '^controller.quorum.voters=.*@' kafka-config/server.properties\n", 1)
	}
}

// broker is what a broker's sandbox shows.
type broker struct {
	taskID, agent, host string
	props               map[string]string
	firstTask, cluster  string
}

// brokerOf reads the running broker i's sandbox.
func (e *env) brokerOf(i int) broker {
	e.t.Helper()
	name := fmt.Sprintf("kafka-%d-broker", i)
	var b broker
	e.waitFor(stepTimeout, name+"'s sandbox", func() bool {
		task, ok := e.running()[name]
		if !ok || task.State != "TASK_RUNNING" {
			return false
		}
		text, ok1 := e.sandboxFile(task.ID, "kafka-config/server.properties")
		first, ok2 := e.sandboxFile(task.ID, "kafka-data/first-task")
		cluster, ok3 := e.sandboxFile(task.ID, "kafka-data/cluster-id")
		b = broker{taskID: task.ID, agent: task.SlaveID, host: e.agentHost(task.SlaveID), props: properties(text),
			firstTask: strings.TrimSpace(first), cluster: strings.TrimSpace(cluster)}
		return ok1 && ok2 && ok3
	})
	return b
}

var voter = regexp.MustCompile(`^(\d+)@([0-9.]+):(\d+)$`)

// checkQuorum checks that each broker's server.properties names the same
// controllers, each at the agent it runs on, and that b's roles fit.
func checkQuorum(t *testing.T, brokers map[int]broker, controllers int) string {
	t.Helper()
	ids := slices.Sorted(maps.Keys(brokers))
	voters := brokers[ids[0]].props["controller.quorum.voters"]
	entries := strings.Split(voters, ",")
	if len(entries) != controllers {
		t.Fatalf("controller.quorum.voters=%s: want %d controllers", voters, controllers)
	}
	var addrs []string
	for _, entry := range entries {
		m := voter.FindStringSubmatch(entry)
		if m == nil {
			t.Fatalf("voter %q is not id@ip:port", entry)
		}
		var id int
		fmt.Sscan(m[1], &id)
		if b, ok := brokers[id]; ok && b.host != m[2] {
			t.Errorf("voter %s: kafka-%d runs on %s", entry, id, b.host)
		}
		if b, ok := brokers[id]; ok && !strings.Contains(b.props["listeners"], "CONTROLLER://0.0.0.0:"+m[3]) {
			t.Errorf("voter %s: kafka-%d listens on %s", entry, id, b.props["listeners"])
		}
		addrs = append(addrs, net.JoinHostPort(m[2], m[3]))
	}
	for id, b := range brokers {
		if b.props["node.id"] != fmt.Sprint(id) {
			t.Errorf("kafka-%d: node.id=%s", id, b.props["node.id"])
		}
		wantRoles := "broker"
		if id < controllers {
			wantRoles = "broker,controller"
		}
		if b.props["process.roles"] != wantRoles {
			t.Errorf("kafka-%d: process.roles=%s, want %s", id, b.props["process.roles"], wantRoles)
		}
		if !strings.HasPrefix(b.props["advertised.listeners"], "PLAINTEXT://"+b.host+":") {
			t.Errorf("kafka-%d on %s advertises %s", id, b.host, b.props["advertised.listeners"])
		}
	}
	return strings.Join(addrs, ",")
}

// TestSeam: the Kafka scheduler's part of a Kafka cluster, with a stand-in
// broker: the quorum, the cluster id, endpoints and routes, a crash, a
// replace and a scale-up.
func TestSeam(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 5, standIn(t))
	e.vars["BROKER_COUNT"] = "3"
	// The stand-in speaks no Kafka protocol: no roll gate could read it.
	e.vars["KAFKA_ROLL_GATES"] = "false"
	// Nor could the update plan's finalize phase read its features.
	e.vars["KAFKA_METADATA_VERSION"] = "keep"
	start := time.Now()
	e.startScheduler()
	e.waitPlan("deploy", plans.Complete, deployTimeout)
	t.Logf("3 stand-in brokers COMPLETE %s after the scheduler started", time.Since(start).Round(time.Millisecond))

	// 1. Three controllers, each placed on its own agent, each naming all
	// three: the quorum the scheduler computed once all were placed.
	brokers := map[int]broker{}
	for i := range 3 {
		brokers[i] = e.brokerOf(i)
	}
	controllers := checkQuorum(t, brokers, 3)
	for i := 1; i < 3; i++ {
		if brokers[i].props["controller.quorum.voters"] != brokers[0].props["controller.quorum.voters"] {
			t.Errorf("kafka-%d's quorum differs from kafka-0's", i)
		}
	}

	// 2. One cluster id, generated once, kept in the scheduler's state.
	var seed string
	stored := func() string { return strings.TrimSpace(e.get("/v1/state/properties/seed:cluster-id")) }
	seed = stored()
	for i, b := range brokers {
		if b.cluster != seed || len(seed) != 22 {
			t.Errorf("kafka-%d formatted with cluster id %q, the scheduler keeps %q", i, b.cluster, seed)
		}
	}

	// 3. Endpoints and routes.
	var names []string
	if err := json.Unmarshal([]byte(e.cli("endpoints")), &names); err != nil || !slices.Equal(names, []string{"broker", "controllers"}) {
		t.Errorf("endpoints: %v %v", names, err)
	}
	var ep wire.Endpoint
	if err := json.Unmarshal([]byte(e.cli("endpoints", "broker")), &ep); err != nil {
		t.Fatal(err)
	}
	for i, b := range brokers {
		adv := strings.TrimPrefix(b.props["advertised.listeners"], "PLAINTEXT://")
		if !slices.Contains(ep.Address, adv) {
			t.Errorf("endpoint broker %v lacks kafka-%d's %s", ep.Address, i, adv)
		}
	}
	if got := strings.TrimSpace(e.cli("endpoints", "controllers")); got != controllers {
		t.Errorf("endpoint controllers %q, want %q", got, controllers)
	}
	var ids []string
	e.getJSON("/v1/brokers", &ids)
	if !slices.Equal(ids, []string{"0", "1", "2"}) {
		t.Errorf("GET /v1/brokers: %v", ids)
	}

	// 4. A scheduler restart keeps the cluster id.
	e.stopScheduler()
	e.startScheduler()
	e.waitPlan("deploy", plans.Complete, deployTimeout)
	if got := stored(); got != seed {
		t.Errorf("cluster id %q after a restart, was %q", got, seed)
	}

	// 5. A crashed broker comes back on its agent and volume, same node id
	// and quorum.
	if err := e.client.CrashTask(t.Context(), brokers[0].taskID); err != nil {
		t.Fatal(err)
	}
	e.waitFor(stepTimeout, "kafka-0 relaunched", func() bool {
		task, ok := e.running()["kafka-0-broker"]
		return ok && task.ID != brokers[0].taskID && task.State == "TASK_RUNNING"
	})
	again := e.brokerOf(0)
	if again.agent != brokers[0].agent || again.firstTask != brokers[0].firstTask {
		t.Errorf("kafka-0 came back on agent %s with volume of %s; was on %s with volume of %s",
			again.agent, again.firstTask, brokers[0].agent, brokers[0].firstTask)
	}
	if again.props["node.id"] != "0" || again.props["controller.quorum.voters"] != brokers[0].props["controller.quorum.voters"] {
		t.Errorf("kafka-0 after a crash: node.id=%s voters=%s", again.props["node.id"], again.props["controller.quorum.voters"])
	}

	// 6. pod replace kafka-1: node id 1 on a fresh volume, at its new
	// address in the quorum.
	e.cli("pod", "replace", "kafka-1")
	e.waitFor(stepTimeout, "kafka-1 replaced", func() bool {
		task, ok := e.running()["kafka-1-broker"]
		return ok && task.ID != brokers[1].taskID && task.State == "TASK_RUNNING"
	})
	e.waitPlan("recovery", plans.Complete, stepTimeout)
	replaced := e.brokerOf(1)
	if replaced.firstTask != replaced.taskID {
		t.Errorf("kafka-1's volume was first used by %s, not by its replacement %s", replaced.firstTask, replaced.taskID)
	}
	brokers[0], brokers[1] = again, replaced
	checkQuorum(t, map[int]broker{1: replaced}, 3)

	// 7. Scale 3 → 5 (the update plan, serial): two broker-only nodes that
	// know the three controllers.
	e.stopScheduler()
	e.vars["BROKER_COUNT"] = "5"
	e.startScheduler()
	e.waitFor(deployTimeout, "kafka-4 running", func() bool { _, ok := e.running()["kafka-4-broker"]; return ok })
	e.waitPlan("deploy", plans.Complete, deployTimeout) // the update plan, presented as deploy
	for i := 3; i < 5; i++ {
		brokers[i] = e.brokerOf(i)
	}
	checkQuorum(t, map[int]broker{1: replaced, 2: brokers[2], 3: brokers[3], 4: brokers[4]}, 3)
	for i := 3; i < 5; i++ {
		if strings.Contains(brokers[i].props["listeners"], "CONTROLLER") {
			t.Errorf("broker-only kafka-%d listens as a controller: %s", i, brokers[i].props["listeners"])
		}
		if brokers[i].props["controller.quorum.voters"] != replaced.props["controller.quorum.voters"] {
			t.Errorf("kafka-%d's quorum %s, kafka-1's %s", i, brokers[i].props["controller.quorum.voters"], replaced.props["controller.quorum.voters"])
		}
	}
	e.getJSON("/v1/brokers", &ids)
	if !slices.Equal(ids, []string{"0", "1", "2", "3", "4"}) {
		t.Errorf("GET /v1/brokers after scaling: %v", ids)
	}
}
