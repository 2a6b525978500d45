package brokers_test

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/examples/kafka/brokers"
	"github.com/kennel-sdk/kennel/executor/bootstrap"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/offer"
	"github.com/kennel-sdk/kennel/servicespec"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestMain(m *testing.M) {
	// As the kennel binary does in main: resources in the post-refinement format.
	mesos.CapabilityReservationRefinement = "1"
	os.Exit(m.Run())
}

// goldenClusterID is the cluster id the goldens are rendered with.
const goldenClusterID = "q1Sh-9_ISia_zwGINzRvyQ"

// TestServerProperties renders server.properties for every broker of a
// cluster the way the Kafka scheduler and the task do: svc.yml rendered
// from svc.env and the case's overrides; each broker placed by the offer
// evaluator on its own agent (its own loopback address and port range, as
// on the local cluster); the Kafka scheduler's environment values added
// as the core adds them (pending until every controller is placed, then
// fetched as `kennel bootstrap` fetches them); the template rendered by
// `kennel bootstrap`'s renderer. Each file is compared with its golden and
// each key checked against testdata/kafka-broker-configs.tsv and KRaft's
// rules across keys.
func TestServerProperties(t *testing.T) {
	table := loadConfigTable(t)
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{
		{"1-broker", map[string]string{"BROKER_COUNT": "1", "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
			"KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1", "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1"}},
		{"3-brokers", map[string]string{"BROKER_COUNT": "3", "KAFKA_DEFAULT_REPLICATION_FACTOR": "3", "KAFKA_MIN_INSYNC_REPLICAS": "2"}},
		{"5-brokers", map[string]string{"BROKER_COUNT": "5", "KAFKA_DEFAULT_REPLICATION_FACTOR": "3", "KAFKA_MIN_INSYNC_REPLICAS": "2"}},
		{"3-brokers-autoip", map[string]string{"BROKER_COUNT": "3", "KAFKA_ADVERTISE": "autoip"}},
		{"3-brokers-tls", map[string]string{"BROKER_COUNT": "3", "SECURITY_TRANSPORT_ENCRYPTION_ENABLED": "true"}},
		{"3-brokers-tls-plaintext", map[string]string{"BROKER_COUNT": "3", "SECURITY_TRANSPORT_ENCRYPTION_ENABLED": "true",
			"SECURITY_TRANSPORT_ENCRYPTION_ALLOW_PLAINTEXT": "true"}},
		{"3-brokers-tls-scram", map[string]string{"BROKER_COUNT": "3", "SECURITY_TRANSPORT_ENCRYPTION_ENABLED": "true",
			"SECURITY_SASL_SCRAM_ENABLED": "true"}},
		{"3-brokers-tls-plaintext-scram", map[string]string{"BROKER_COUNT": "3", "SECURITY_TRANSPORT_ENCRYPTION_ENABLED": "true",
			"SECURITY_TRANSPORT_ENCRYPTION_ALLOW_PLAINTEXT": "true", "SECURITY_SASL_SCRAM_ENABLED": "true"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := renderCluster(t, tc.env)
			var golden strings.Builder
			for _, f := range files {
				fmt.Fprintf(&golden, "## %s\n%s", f.header, f.text)
				checkProperties(t, f.name, parseProperties(t, f.text), table)
			}
			compareGolden(t, filepath.Join("testdata", "server-properties", tc.name+".golden"), golden.String())
		})
	}
}

type renderedFile struct {
	name, header, text string
}

// renderCluster places every broker and renders its server.properties.
func renderCluster(t *testing.T, overrides map[string]string) []renderedFile {
	t.Helper()
	data, err := os.ReadFile("../svc.env")
	if err != nil {
		t.Fatal(err)
	}
	env, err := servicespec.ParseEnvFile("svc.env", data)
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(env, overrides)
	env["KAFKA_CLUSTER_ID"] = goldenClusterID
	ext, err := brokers.Extension(env)
	if err != nil {
		t.Fatal(err)
	}
	seeds, secretSeeds := map[string]string{}, map[string]string{}
	for _, s := range ext.Seeds {
		if s.Secret { // a fixed value: the goldens stay the same
			secretSeeds[s.Name] = "golden-" + s.Name
			continue
		}
		if seeds[s.Name], err = s.Generate(); err != nil {
			t.Fatal(err)
		}
	}
	specData, err := os.ReadFile("../svc.yml")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := servicespec.Load("svc.yml", specData, servicespec.LoadOptions{Env: env, Templates: os.DirFS("..")})
	if err != nil {
		t.Fatal(err)
	}
	pod := spec.Pod(brokers.Pod)
	n := 0
	newID := func() string { n++; return fmt.Sprintf("id-%d", n) }
	view := scheduler.EnvView{Service: "kafka", Seeds: seeds, SecretSeeds: secretSeeds, Counts: map[string]int{brokers.Pod: pod.Count},
		Placed: map[string]scheduler.PlacedTask{}}
	var launched []mesos.TaskInfo
	var headers []string
	for i := range pod.Count {
		req := offer.Request{
			Identity:  offer.Identity{Service: "kafka", FrameworkID: "fw-1", Role: "kafka-role", Principal: "kafka-principal", User: "nobody"},
			Endpoints: offer.Endpoints{APIHost: "127.0.0.1", APIPort: 8080, Artifacts: "http://127.0.0.1:8080/v1/artifacts", Bootstrap: "http://127.0.0.1:8080/v1/artifacts/kennel"},
			Spec:      spec, ConfigID: "cfg-1", Pod: pod, Index: i, Tasks: []string{brokers.Task}, NewID: newID,
			Env: offer.RouteEnv(env, brokers.Pod),
		}
		m, refusals, ok := offer.Evaluate(req, []mesos.Offer{agentOffer(i)})
		if !ok {
			t.Fatalf("kafka-%d refused: %+v", i, refusals)
		}
		// As the core does (scheduler.Core's addInstanceEnv): the values
		// with this launch placed, KENNEL_ENV_URL while some are pending.
		for j := range m.Tasks {
			view.Placed[m.Tasks[j].Name] = scheduler.PlacedTaskOf(&m.Tasks[j])
		}
		got := brokers.Env{}.InstanceEnv(view, scheduler.Instance{Pod: brokers.Pod, Index: i})
		values := maps.Clone(got.Values)
		header := fmt.Sprintf("kafka-%d on %s", i, m.Offer.Hostname)
		if got.Pending != "" {
			values[scheduler.EnvURLVariable] = "http://127.0.0.1:8080/v1/artifacts/env/kafka-" + strconv.Itoa(i)
			header += "; launched pending (" + got.Pending + "), bootstrap fetched the rest"
		}
		m.SetEnv(values)
		for j := range m.Tasks {
			view.Placed[m.Tasks[j].Name] = scheduler.PlacedTaskOf(&m.Tasks[j])
		}
		launched = append(launched, m.Tasks...)
		headers = append(headers, header)
	}
	var out []renderedFile
	for i, info := range launched {
		taskEnv := map[string]string{}
		for _, v := range info.GetCommand().GetEnvironment().GetVariables() {
			taskEnv[v.Name] = v.GetValue()
		}
		if taskEnv[scheduler.EnvURLVariable] != "" { // what bootstrap fetches once every controller is placed
			fetched := brokers.Env{}.InstanceEnv(view, scheduler.Instance{Pod: brokers.Pod, Index: i})
			if fetched.Pending != "" {
				t.Fatalf("kafka-%d: still pending with every broker placed: %s", i, fetched.Pending)
			}
			maps.Copy(taskEnv, fetched.Values)
		}
		if ext.TaskSecrets != nil { // what bootstrap receives with the certificate
			maps.Copy(taskEnv, ext.TaskSecrets(view, scheduler.PlacedTaskOf(&info)))
		}
		taskEnv["MESOS_SANDBOX"] = "/var/lib/mesos/sandbox/kafka-" + strconv.Itoa(i)
		out = append(out, renderedFile{name: info.Name, header: headers[i], text: renderTemplates(t, pod, taskEnv)})
	}
	return out
}

// renderTemplates renders the broker's config templates with bootstrap's
// renderer in a sandbox and returns server.properties.
func renderTemplates(t *testing.T, pod *servicespec.PodSpec, env map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, cfg := range pod.Task(brokers.Task).Configs {
		path := filepath.Join(dir, "config-templates", name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(cfg.TemplateContent), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var environ []string
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	templates, err := bootstrap.FromEnv(environ)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bootstrap.Render(dir, templates, env); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "kafka-config", "server.properties"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// agentOffer is agent i of a local cluster: its own loopback address and
// port range, a MOUNT disk, a zone.
func agentOffer(i int) mesos.Offer {
	host := fmt.Sprintf("127.0.1.%d", i+1)
	role := "kafka-role"
	scalar := func(name string, v float64) mesos.Resource {
		return mesos.Resource{Name: name, Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: v}}
	}
	root := "/d/" + host + "/mount-1"
	mount := scalar("disk", 10240)
	mount.Disk = &mesos.Resource_DiskInfo{Source: &mesos.Resource_DiskInfo_Source{Type: mesos.Resource_DiskInfo_Source_MOUNT, Mount: &mesos.Resource_DiskInfo_Source_Mount{Root: &root}}}
	first := uint64(31000 + 1000*i)
	res := mesos.Resources{scalar("cpus", 4), scalar("mem", 8192), scalar("disk", 20480), mount,
		{Name: "ports", Type: mesos.RANGES.Enum(), Ranges: &mesos.Value_Ranges{Range: []mesos.Value_Range{{Begin: first, End: first + 999}}}}}
	for j := range res {
		res[j].AllocationInfo = &mesos.Resource_AllocationInfo{Role: proto.String(role)}
	}
	zone := fmt.Sprintf("zone-%d", i%3+1)
	return mesos.Offer{ID: mesos.OfferID{Value: "offer-" + host}, AgentID: mesos.AgentID{Value: "agent-" + host}, Hostname: host,
		Resources: res, AllocationInfo: &mesos.Resource_AllocationInfo{Role: proto.String(role)},
		Domain: &mesos.DomainInfo{FaultDomain: &mesos.DomainInfo_FaultDomain{Region: mesos.DomainInfo_FaultDomain_RegionInfo{Name: "local"}, Zone: mesos.DomainInfo_FaultDomain_ZoneInfo{Name: zone}}}}
}

// parseProperties reads key=value lines; comments and blank lines are
// skipped; a key given twice is an error (Kafka would take the last).
func parseProperties(t *testing.T, text string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("line %q is not key=value", line)
			continue
		}
		if _, dup := out[k]; dup {
			t.Errorf("%s is set twice", k)
		}
		out[k] = v
	}
	return out
}

// checkProperties checks each key against the table and KRaft's rules
// across keys (KafkaConfig's validation of a KRaft node).
func checkProperties(t *testing.T, name string, props map[string]string, table map[string]brokerConfig) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(props)) {
		// A listener's own setting, listener.name.<listener>[.<mechanism>].<config>,
		// is checked as <config>.
		c, ok := table[listenerConfig(k)]
		if !ok {
			t.Errorf("%s: %s is not a Kafka 4.x broker config in the table", name, k)
			continue
		}
		if err := c.check(props[k]); err != nil {
			t.Errorf("%s: %s=%s: %v", name, k, props[k], err)
		}
	}
	for _, k := range []string{"process.roles", "node.id", "controller.quorum.voters", "controller.listener.names", "listeners", "advertised.listeners", "log.dirs"} {
		if props[k] == "" {
			t.Errorf("%s: %s is not set", name, k)
		}
	}
	listeners := listenerSet(props["listeners"])
	controller := strings.Contains(props["process.roles"], "controller")
	voter := false
	for _, v := range strings.Split(props["controller.quorum.voters"], ",") {
		voter = voter || strings.HasPrefix(v, props["node.id"]+"@")
	}
	if controller != voter {
		t.Errorf("%s: controller role %v but in controller.quorum.voters %v", name, controller, voter)
	}
	if _, ok := listeners[props["controller.listener.names"]]; ok != controller {
		t.Errorf("%s: the controller listener is in listeners %v, want %v (only controllers listen on it)", name, ok, controller)
	}
	protoMap := map[string]bool{}
	for _, e := range strings.Split(props["listener.security.protocol.map"], ",") {
		n, _, _ := strings.Cut(e, ":")
		protoMap[n] = true
	}
	for n := range listeners {
		if !protoMap[n] {
			t.Errorf("%s: listener %s has no security protocol", name, n)
		}
	}
	for n, addr := range listenerSet(props["advertised.listeners"]) {
		if _, ok := listeners[n]; !ok || n == props["controller.listener.names"] {
			t.Errorf("%s: advertised listener %s is not a broker listener", name, n)
		}
		if strings.HasPrefix(addr, "0.0.0.0:") || strings.HasPrefix(addr, ":") {
			t.Errorf("%s: advertised listener %s has no host", name, addr)
		}
	}
	if _, ok := listeners[props["inter.broker.listener.name"]]; !ok {
		t.Errorf("%s: inter.broker.listener.name %s is not a listener", name, props["inter.broker.listener.name"])
	}
	if !strings.HasPrefix(props["log.dirs"], "/var/lib/mesos/sandbox/") || !strings.Contains(props["log.dirs"], "/kafka-data/") {
		t.Errorf("%s: log.dirs %s is not on the volume kafka-data", name, props["log.dirs"])
	}
}

// listenerConfig is the config a listener.name.<listener>.<mechanism>.sasl.*
// key sets, else k.
func listenerConfig(k string) string {
	rest, ok := strings.CutPrefix(k, "listener.name.")
	if !ok {
		return k
	}
	if _, config, ok := strings.Cut(rest, ".sasl."); ok {
		return "sasl." + config
	}
	return k
}

func listenerSet(v string) map[string]string {
	out := map[string]string{}
	for _, e := range strings.Split(v, ",") {
		if n, addr, ok := strings.Cut(e, "://"); ok {
			out[n] = addr
		}
	}
	return out
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run with -update and review the diff):\n%s", path, got)
	}
}
