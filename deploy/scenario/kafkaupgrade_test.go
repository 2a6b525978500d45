package scenario_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kennel-sdk/kennel/plans"
)

// TestKafkaPackageUpgrade is the one-command Kafka upgrade through Cosmos
// and Marathon: the Kafka package's 4.0 version installed with test
// brokers (which play the release KAFKA_VERSION names), then `update
// start --package-version` of its 4.1 version. The dry run shows the
// brokers restarting and the plan's finalize phase; the update restarts
// the scheduler, whose deploy plan rolls each broker once on its agent
// and volume and then finalizes metadata.version (4.0-IV3 to 4.1-IV1), and
// ends COMPLETE. Going back to the 4.0 package then is held back before
// any broker restarts, with the reason on the step.
func TestKafkaPackageUpgrade(t *testing.T) {
	t.Parallel()
	c := startCluster(t)
	const name = "kafka"
	opts := c.options("kafka.json", `{"kafka": {"test_broker": true},
		"brokers": {"cpus": 0.1, "mem": 256, "disk": 16, "nofile_limit": 1024,
			"readiness_check": {"interval": 1, "delay": 0, "timeout": 10}}}`)
	out := c.mustRun("package", "install", "kafka", "--package-version", "0.1.0-4.0.0", "--yes", "--options", opts)
	if !strings.Contains(out, "version [0.1.0-4.0.0]") {
		t.Errorf("install said:\n%s", out)
	}
	c.waitComplete(name, "", 4*time.Minute)
	before := c.podTasks(name)
	if len(before) != 3 {
		t.Fatalf("after the install, tasks %v; want 3 brokers", before)
	}
	agents := c.taskAgents(name)

	dry := c.mustRun("update", "start", "--name", name, "--package-version", "0.1.0-4.1.1", "--dry-run")
	for _, want := range []string{
		`env.KAFKA_VERSION: "2.13-4.0.0" → "2.13-4.1.1"`,
		`kafka-0  restart`, `kafka-2  restart`,
		"deploy (serial strategy), from the spec's update plan:",
		"- finalize  (serial strategy)  runs action finalize-metadata-version (the service's own code)",
	} {
		if !strings.Contains(dry, want) {
			t.Errorf("the dry run does not say %q:\n%s", want, dry)
		}
	}

	oldTarget := c.targetID(name)
	started := time.Now()
	c.mustRun("update", "start", "--name", name, "--package-version", "0.1.0-4.1.1")
	c.waitFor("a new target configuration", 2*time.Minute, func() (bool, string) {
		got := c.targetID(name)
		return got != "" && got != oldTarget, got
	})
	c.waitComplete(name, c.targetID(name), 4*time.Minute)
	t.Logf("update start --package-version to deploy COMPLETE: %s", time.Since(started).Round(10*time.Millisecond))
	info, tree := c.deployPlan(name)
	t.Logf("plan:\n%s", tree)
	if len(info.Phases) != 2 || info.Phases[0].Name != "broker" || info.Phases[1].Name != "finalize" {
		t.Fatalf("phases of the update: %s", tree)
	}
	if st := info.Phases[1].Steps[0]; st.Status != string(plans.Complete) || !strings.Contains(st.Message, "metadata.version is 27 (4.1-IV1) on every broker") {
		t.Errorf("finalize step: %s %q", st.Status, st.Message)
	}
	after := c.podTasks(name)
	for task, id := range before {
		if after[task] == "" || after[task] == id {
			t.Errorf("%s: %s before, %s after: want relaunched", task, id, after[task])
		}
	}
	for task, agent := range c.taskAgents(name) {
		if agents[task] != agent {
			t.Errorf("%s moved from agent %s to %s", task, agents[task], agent)
		}
	}
	if out := c.mustRun("update", "package-versions", "--name", name); !strings.Contains(out, "Current package version is: 0.1.0-4.1.1") {
		t.Errorf("package-versions:\n%s", out)
	}

	// Back to 4.0 after finalizing 4.1-IV1: Kafka 4.0 brokers would not
	// start, so the first broker's restart is held back with the reason,
	// and no broker goes down.
	upgraded, upTarget := c.podTasks(name), c.targetID(name)
	c.mustRun("update", "start", "--name", name, "--package-version", "0.1.0-4.0.0")
	const refused = "refused: Kafka 4.0.0 cannot run this cluster"
	c.waitFor("the downgrade's first restart refused", 3*time.Minute, func() (bool, string) {
		if got := c.targetID(name); got == "" || got == upTarget {
			return false, "target " + got
		}
		info, tree := c.deployPlan(name)
		for _, ph := range info.Phases {
			for _, st := range ph.Steps {
				if strings.Contains(st.Message, refused) {
					t.Logf("%s: %s", st.Name, st.Message)
					return true, tree
				}
			}
		}
		return false, tree
	})
	if now := c.podTasks(name); len(now) != 3 || now["kafka-0-broker"] != upgraded["kafka-0-broker"] ||
		now["kafka-1-broker"] != upgraded["kafka-1-broker"] || now["kafka-2-broker"] != upgraded["kafka-2-broker"] {
		t.Errorf("brokers after the refused downgrade: %v, were %v", now, upgraded)
	}
}

// taskAgents maps the live tasks of the service's framework by task name
// to their agents.
func (c *cluster) taskAgents(service string) map[string]string {
	c.t.Helper()
	out := map[string]string{}
	for _, f := range c.state().Frameworks {
		if f.Name != service {
			continue
		}
		for _, t := range f.Tasks {
			if !terminal(t.State) {
				out[t.Name] = t.SlaveID
			}
		}
	}
	return out
}
