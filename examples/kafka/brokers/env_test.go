package brokers_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/examples/kafka/brokers"
	"github.com/kennel-sdk/kennel/scheduler"
)

// placed is broker i launched on agent 127.0.1.<agent> with controller
// port 9000+agent.
func placed(i, agent int, advertise string) scheduler.PlacedTask {
	return scheduler.PlacedTask{Instance: scheduler.Instance{Pod: brokers.Pod, Index: i}, Task: brokers.Task,
		Hostname: fmt.Sprintf("127.0.1.%d", agent),
		Env: map[string]string{brokers.VarControllerPort: fmt.Sprint(9000 + agent), brokers.VarBrokerPort: fmt.Sprint(8000 + agent),
			brokers.VarAdvertise: advertise}}
}

func view(count int, controllers string, tasks ...scheduler.PlacedTask) scheduler.EnvView {
	v := scheduler.EnvView{Service: "/prod/kafka", Seeds: map[string]string{brokers.SeedClusterID: "cid", brokers.SeedControllers: controllers},
		Counts: map[string]int{brokers.Pod: count}, Placed: map[string]scheduler.PlacedTask{}}
	for _, p := range tasks {
		v.Placed[p.Instance.String()+"-"+p.Task] = p
	}
	return v
}

// TestInstanceEnv: the quorum through a deploy, a replace and a scale-up.
func TestInstanceEnv(t *testing.T) {
	for _, tc := range []struct {
		name    string
		v       scheduler.EnvView
		index   int
		want    map[string]string // values checked (absent key: "")
		pending string
	}{
		{name: "first controller placed", v: view(3, "3", placed(0, 1, "agent")), index: 0,
			want:    map[string]string{"KAFKA_CLUSTER_ID": "cid", "KAFKA_PROCESS_ROLES": "broker,controller", "KAFKA_CONTROLLER": "true", "KAFKA_ADVERTISED_HOST": "127.0.1.1", "KAFKA_CONTROLLER_QUORUM_VOTERS": ""},
			pending: "waiting for controllers kafka-1, kafka-2 to be placed"},
		{name: "every controller placed", v: view(3, "3", placed(0, 1, "agent"), placed(1, 2, "agent"), placed(2, 3, "agent")), index: 1,
			want: map[string]string{"KAFKA_ADVERTISED_HOST": "127.0.1.2", "KAFKA_CONTROLLER_QUORUM_VOTERS": "0@127.0.1.1:9001,1@127.0.1.2:9002,2@127.0.1.3:9003"}},
		{name: "kafka-1 replaced, not placed yet", v: view(3, "3", placed(0, 1, "agent"), placed(2, 3, "agent")), index: 0,
			pending: "waiting for controller kafka-1 to be placed"},
		{name: "kafka-1 replaced onto agent 4", v: view(3, "3", placed(0, 1, "agent"), placed(1, 4, "agent"), placed(2, 3, "agent")), index: 1,
			want: map[string]string{"KAFKA_CONTROLLER_QUORUM_VOTERS": "0@127.0.1.1:9001,1@127.0.1.4:9004,2@127.0.1.3:9003"}},
		{name: "scaled 3 to 5: broker only", v: view(5, "3", placed(0, 1, "agent"), placed(1, 2, "agent"), placed(2, 3, "agent"), placed(3, 4, "agent")), index: 3,
			want: map[string]string{"KAFKA_PROCESS_ROLES": "broker", "KAFKA_CONTROLLER": "", "KAFKA_CONTROLLER_QUORUM_VOTERS": "0@127.0.1.1:9001,1@127.0.1.2:9002,2@127.0.1.3:9003"}},
		{name: "installed with 1, scaled to 3: the quorum stays", v: view(3, "1", placed(0, 1, "agent"), placed(1, 2, "agent")), index: 1,
			want: map[string]string{"KAFKA_PROCESS_ROLES": "broker", "KAFKA_CONTROLLER_QUORUM_VOTERS": "0@127.0.1.1:9001"}},
		{name: "no seed: the count decides", v: view(2, "", placed(0, 1, "agent"), placed(1, 2, "agent")), index: 1,
			want: map[string]string{"KAFKA_PROCESS_ROLES": "broker,controller", "KAFKA_CONTROLLER_QUORUM_VOTERS": "0@127.0.1.1:9001,1@127.0.1.2:9002"}},
		{name: "autoip", v: view(1, "1", placed(0, 1, "autoip")), index: 0,
			want: map[string]string{"KAFKA_ADVERTISED_HOST": "kafka-0-broker.prodkafka.autoip.dcos.thisdcos.directory",
				"KAFKA_CONTROLLER_QUORUM_VOTERS": "0@kafka-0-broker.prodkafka.autoip.dcos.thisdcos.directory:9001"}},
		{name: "not placed itself", v: view(3, "3", placed(1, 2, "agent")), index: 0,
			want: map[string]string{"KAFKA_ADVERTISED_HOST": ""}, pending: "waiting for broker 0 to be placed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := brokers.Env{}.InstanceEnv(tc.v, scheduler.Instance{Pod: brokers.Pod, Index: tc.index})
			if got.Pending != tc.pending {
				t.Errorf("pending %q, want %q", got.Pending, tc.pending)
			}
			for k, want := range tc.want {
				if got.Values[k] != want {
					t.Errorf("%s=%q, want %q", k, got.Values[k], want)
				}
			}
		})
	}
	if got := (brokers.Env{}).InstanceEnv(view(3, "3"), scheduler.Instance{Pod: "other", Index: 0}); len(got.Values) != 0 || got.Pending != "" {
		t.Errorf("another pod type got %+v", got)
	}
}

func TestClusterID(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		id, err := brokers.NewClusterID()
		if err != nil {
			t.Fatal(err)
		}
		if err := brokers.ParseClusterID(id); err != nil || strings.HasPrefix(id, "-") || seen[id] {
			t.Fatalf("cluster id %q: %v (seen %v)", id, err, seen[id])
		}
		b, _ := base64.RawURLEncoding.DecodeString(id)
		if b[6]>>4 != 4 || b[8]>>6 != 2 {
			t.Errorf("cluster id %q lacks the version-4 bits", id)
		}
		seen[id] = true
	}
	for _, bad := range []string{"", "short", "q1Sh-9_ISia_zwGINzRvyQ=", "q1Sh+9/ISia_zwGINzRvyQ", "q1Sh-9_ISia_zwGINzRvyQQ"} {
		if err := brokers.ParseClusterID(bad); !errors.Is(err, brokers.ErrClusterID) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestExtension: the environments the Kafka scheduler refuses, and its
// seeds.
func TestExtension(t *testing.T) {
	good := func() map[string]string {
		return map[string]string{"KAFKA_ADVERTISE": "agent", "KAFKA_TEST_BROKER": "false", "BROKER_COUNT": "5",
			"KAFKA_URI": "https://example/kafka.tgz", "KAFKA_CLUSTER_ID": ""}
	}
	for _, tc := range []struct {
		name, key, value, wantErr string
	}{
		{"advertise", "KAFKA_ADVERTISE", "dns", "KAFKA_ADVERTISE"},
		{"test broker", "KAFKA_TEST_BROKER", "yes", "KAFKA_TEST_BROKER"},
		{"count", "BROKER_COUNT", "0", "BROKER_COUNT"},
		{"cluster id", "KAFKA_CLUSTER_ID", "not-an-id", "KAFKA_CLUSTER_ID"},
		{"roll gates", "KAFKA_ROLL_GATES", "on", "KAFKA_ROLL_GATES"},
		{"tls", "SECURITY_TRANSPORT_ENCRYPTION_ENABLED", "yes", "SECURITY_TRANSPORT_ENCRYPTION_ENABLED"},
		{"plaintext", "SECURITY_TRANSPORT_ENCRYPTION_ALLOW_PLAINTEXT", "1", "SECURITY_TRANSPORT_ENCRYPTION_ALLOW_PLAINTEXT"},
		{"scram", "SECURITY_SASL_SCRAM_ENABLED", "on", "SECURITY_SASL_SCRAM_ENABLED"},
		{"scram without TLS", "SECURITY_SASL_SCRAM_ENABLED", "true", "needs SECURITY_TRANSPORT_ENCRYPTION_ENABLED=true"},
	} {
		env := good()
		env[tc.key] = tc.value
		if _, err := brokers.Extension(env); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: %v, want an error naming %s", tc.name, err, tc.wantErr)
		}
	}
	env := good()
	ext, err := brokers.Extension(env)
	if err != nil {
		t.Fatal(err)
	}
	if env["KAFKA_URI"] == "" {
		t.Errorf("KAFKA_URI emptied without the test broker")
	}
	// The sections of svc.yml: "" is false (a "false" string is not).
	for _, tc := range []struct{ tls, plain, wantTLS, wantPlain string }{
		{"", "", "", "true"}, {"false", "true", "", "true"}, {"true", "false", "true", ""}, {"true", "true", "true", "true"},
	} {
		e := good()
		e["SECURITY_TRANSPORT_ENCRYPTION_ENABLED"], e["SECURITY_TRANSPORT_ENCRYPTION_ALLOW_PLAINTEXT"] = tc.tls, tc.plain
		if _, err := brokers.Extension(e); err != nil || e["KAFKA_TLS"] != tc.wantTLS || e["KAFKA_PLAINTEXT"] != tc.wantPlain {
			t.Errorf("TLS %q plaintext %q: KAFKA_TLS %q KAFKA_PLAINTEXT %q (%v), want %q %q", tc.tls, tc.plain,
				e["KAFKA_TLS"], e["KAFKA_PLAINTEXT"], err, tc.wantTLS, tc.wantPlain)
		}
	}
	seeds := map[string]string{}
	for _, s := range ext.Seeds {
		if seeds[s.Name], err = s.Generate(); err != nil {
			t.Fatal(err)
		}
	}
	if seeds[brokers.SeedControllers] != "3" || brokers.ParseClusterID(seeds[brokers.SeedClusterID]) != nil || ext.Env == nil {
		t.Errorf("seeds %v, env %v", seeds, ext.Env)
	}
	if ext.TaskSecrets != nil || len(seeds) != 2 {
		t.Errorf("without SCRAM: task secrets or seeds %v", seeds)
	}
	if g, ok := ext.Gates.(brokers.Gates); !ok || g.ControllerLast {
		t.Errorf("gates %#v, want the roll gates (controller-last off with a serial update)", ext.Gates)
	}
	env = good()
	env["KAFKA_ROLL_GATES"], env["UPDATE_STRATEGY"] = "true", "parallel"
	if ext, err = brokers.Extension(env); err != nil || ext.Gates != brokers.Gates(brokers.Gates{ControllerLast: true}) {
		t.Errorf("parallel update: gates %#v (%v), want controller-last", ext.Gates, err)
	}
	env = good()
	env["KAFKA_ROLL_GATES"] = "false"
	if ext, err = brokers.Extension(env); err != nil || ext.Gates != nil {
		t.Errorf("KAFKA_ROLL_GATES=false: gates %#v (%v), want none", ext.Gates, err)
	}
	env = good()
	env["KAFKA_TEST_BROKER"], env["KAFKA_CLUSTER_ID"], env["BROKER_COUNT"] = "true", "q1Sh-9_ISia_zwGINzRvyQ", "2"
	if ext, err = brokers.Extension(env); err != nil {
		t.Fatal(err)
	}
	if env["KAFKA_URI"] != "" {
		t.Errorf("KAFKA_URI %q kept with the test broker", env["KAFKA_URI"])
	}
	for _, s := range ext.Seeds {
		v, _ := s.Generate()
		if want := map[string]string{brokers.SeedClusterID: "q1Sh-9_ISia_zwGINzRvyQ", brokers.SeedControllers: "2"}[s.Name]; v != want {
			t.Errorf("seed %s=%q, want %q", s.Name, v, want)
		}
	}

	// SCRAM (with TLS): a secret admin password seed, given to brokers
	// launched with SASL only.
	env = good()
	env["SECURITY_TRANSPORT_ENCRYPTION_ENABLED"], env["SECURITY_SASL_SCRAM_ENABLED"] = "true", "true"
	if ext, err = brokers.Extension(env); err != nil || env["KAFKA_SCRAM"] != "true" || ext.TaskSecrets == nil {
		t.Fatalf("SCRAM: %v, KAFKA_SCRAM %q", err, env["KAFKA_SCRAM"])
	}
	var admin string
	for _, s := range ext.Seeds {
		if s.Name == brokers.SeedSCRAMAdmin {
			if !s.Secret {
				t.Error("the admin password seed is not secret")
			}
			if admin, err = s.Generate(); err != nil || len(admin) < 40 {
				t.Errorf("admin password %d chars, %v", len(admin), err)
			}
		}
	}
	view := scheduler.EnvView{SecretSeeds: map[string]string{brokers.SeedSCRAMAdmin: admin}}
	broker := func(scram string) scheduler.PlacedTask {
		return scheduler.PlacedTask{Instance: scheduler.Instance{Pod: brokers.Pod}, Task: brokers.Task, Env: map[string]string{"KAFKA_SCRAM": scram}}
	}
	if got := ext.TaskSecrets(view, broker("true")); got[brokers.VarSCRAMAdminPassword] != admin || len(got) != 1 {
		t.Errorf("a SASL broker's secrets: %d values", len(got))
	}
	if got := ext.TaskSecrets(view, broker("")); got != nil {
		t.Errorf("a broker launched without SASL gets %d secrets", len(got))
	}
}
