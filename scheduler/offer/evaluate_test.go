package offer

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/servicespec"
	"github.com/kennel-sdk/kennel/servicespec/placement"
)

const helloSpec = `name: hello-world
scheduler:
  principal: hello-principal
  user: root
pods:
  hello:
    count: 2
    placement: '[["hostname", "UNIQUE"]]'
    volumes:
      scratch: {path: scratch, type: ROOT, size: 16}
      data: {path: data, type: MOUNT, size: 512}
    tasks:
      init:
        goal: ONCE
        cmd: ./init
        cpus: 0.1
        memory: 32
      server:
        goal: RUNNING
        cmd: ./server
        cpus: 0.5
        memory: 256
        ports:
          http: {port: 0, advertise: true}
        env: {GREETING: hi}
        configs:
          conf: {template: server.conf, dest: etc/server.conf}
        readiness-check: {cmd: ./ready, interval: 2, delay: 0, timeout: 10}
        health-check: {cmd: ./healthy, interval: 10, grace-period: 30, max-consecutive-failures: 3, delay: 0, timeout: 5}
        kill-grace-period: 5
`

func loadSpec(t interface {
	Helper()
	Fatal(...any)
}, text string) *servicespec.ServiceSpec {
	t.Helper()
	spec, err := servicespec.Load("svc.yml", []byte(text), servicespec.LoadOptions{
		Templates: fstest.MapFS{"server.conf": {Data: []byte("port={{PORT_HTTP}}")}}})
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// ids returns deterministic ids.
func ids() func() string {
	n := 0
	return func() string { n++; return fmt.Sprintf("id-%d", n) }
}

func request(_ any, spec *servicespec.ServiceSpec, index int, tasks ...string) Request {
	return Request{
		Identity:  Identity{Service: "hello-world", FrameworkID: "fw-1", Role: "hello-world-role", Principal: "hello-principal", User: "root"},
		Endpoints: Endpoints{APIHost: "127.0.0.1", APIPort: 8080, Artifacts: "http://127.0.0.1:8080/v1/artifacts", Bootstrap: "http://127.0.0.1:8080/v1/artifacts/kennel"},
		Spec:      spec, ConfigID: "cfg-1", Pod: spec.Pod("hello"), Index: index, Tasks: tasks, NewID: ids(),
	}
}

func scalar(name string, v float64) mesos.Resource {
	return mesos.Resource{Name: name, Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: v}}
}

// agentOffer is what the local cluster's default agent offers to role.
func agentOffer(host string, role string) mesos.Offer {
	root := "/d/" + host + "/mount-1"
	mount := scalar("disk", 10240)
	mount.Disk = &mesos.Resource_DiskInfo{Source: &mesos.Resource_DiskInfo_Source{Type: mesos.Resource_DiskInfo_Source_MOUNT, Mount: &mesos.Resource_DiskInfo_Source_Mount{Root: &root}}}
	res := mesos.Resources{scalar("cpus", 4), scalar("mem", 8192), scalar("disk", 20480), mount,
		{Name: "ports", Type: mesos.RANGES.Enum(), Ranges: &mesos.Value_Ranges{Range: []mesos.Value_Range{{Begin: 31000, End: 31999}}}}}
	for i := range res {
		res[i].AllocationInfo = &mesos.Resource_AllocationInfo{Role: proto.String(role)}
	}
	return mesos.Offer{ID: mesos.OfferID{Value: "offer-" + host}, AgentID: mesos.AgentID{Value: "agent-" + host}, Hostname: host,
		Resources: res, AllocationInfo: &mesos.Resource_AllocationInfo{Role: proto.String(role)},
		Domain: &mesos.DomainInfo{FaultDomain: &mesos.DomainInfo_FaultDomain{Region: mesos.DomainInfo_FaultDomain_RegionInfo{Name: "local"}, Zone: mesos.DomainInfo_FaultDomain_ZoneInfo{Name: "zone-1"}}}}
}

func opTypes(ops []mesos.Offer_Operation) string {
	var out []string
	for _, op := range ops {
		out = append(out, op.Type.String())
	}
	return strings.Join(out, " ")
}

func TestFreshLaunch(t *testing.T) {
	spec := loadSpec(t, helloSpec)
	req := request(t, spec, 0, "server")
	m, refusals, ok := Evaluate(req, []mesos.Offer{agentOffer("a1", "hello-world-role")})
	if !ok {
		t.Fatalf("refused: %+v", refusals)
	}
	if got := opTypes(m.Operations); got != "RESERVE CREATE LAUNCH_GROUP" {
		t.Fatalf("operations %s", got)
	}
	reserved := m.Operations[0].Reserve.Resources
	slots := map[string]float64{}
	for _, r := range reserved {
		if labelOf(r, LabelFrameworkID) != "fw-1" || resourceID(r) == "" || r.Reservations[0].GetRole() != "hello-world-role" {
			t.Errorf("reservation without our identity: %v", r)
		}
		slots[labelOf(r, LabelSlot)] += scalarOf(r)
	}
	want := map[string]float64{"executor/cpus": 0.1, "executor/mem": 32, "executor/disk": 256, "volume:scratch": 16,
		"volume:data": 10240, "task:server/cpus": 0.5, "task:server/mem": 256, "task:server/port:http": 0}
	for k, v := range want {
		if got, ok := slots[k]; !ok || got != v {
			t.Errorf("slot %s: %v (present %t), want %v", k, got, ok, v)
		}
	}
	if n := len(m.Operations[1].Create.Volumes); n != 2 {
		t.Errorf("%d volumes created", n)
	}
	task := m.Tasks[0]
	env := map[string]string{}
	for _, v := range task.Command.Environment.Variables {
		env[v.Name] = v.GetValue()
	}
	for k, v := range map[string]string{"TASK_NAME": "hello-0-server", "HELLO_0_SERVER": "true", "POD_INSTANCE_INDEX": "0",
		"FRAMEWORK_NAME": "hello-world", "PORT_HTTP": "31000", "GREETING": "hi", "ZONE": "zone-1",
		"CONFIG_TEMPLATE_CONF": "config-templates/conf,etc/server.conf", "SCHEDULER_API_PORT": "8080"} {
		if env[k] != v {
			t.Errorf("env %s = %q, want %q", k, env[k], v)
		}
	}
	if !strings.HasPrefix(task.TaskID.Value, "hello-world__hello-0-server__") || task.Executor == nil ||
		task.Check == nil || task.HealthCheck == nil || task.Command.GetValue() != "./kennel bootstrap || exit\n./server" {
		t.Errorf("task %+v", task)
	}
	if n := len(task.Command.URIs); n != 2 || !strings.Contains(task.Command.URIs[0].Value, "/template/cfg-1/hello/server/conf") {
		t.Errorf("uris %v", task.Command.URIs)
	}
	if task.Discovery == nil || task.Discovery.Ports.Ports[0].Number != 31000 {
		t.Errorf("discovery %v", task.Discovery)
	}
}

func TestRefusals(t *testing.T) {
	spec := loadSpec(t, helloSpec)
	small := agentOffer("a1", "r")
	small.Resources[1].Scalar.Value = 100 // mem
	noMount := agentOffer("a2", "r")
	noMount.Resources = append(noMount.Resources[:3], noMount.Resources[4:]...)
	taken := agentOffer("a3", "r")
	req := request(t, spec, 1, "server")
	req.Placed = []placement.Agent{AgentOf(taken)}
	_, refusals, ok := Evaluate(req, []mesos.Offer{small, noMount, taken})
	if ok || len(refusals) != 3 {
		t.Fatalf("got ok=%t %+v", ok, refusals)
	}
	for i, want := range []string{"not enough mem: needs 288 MB of mem, the offer has 100", "no MOUNT disk of 512 MB or more", `hostname "a3" already runs an instance`} {
		if !strings.Contains(strings.Join(refusals[i].Reasons, "; "), want) {
			t.Errorf("offer %d: %v, want %q", i, refusals[i].Reasons, want)
		}
	}
}

// offerBack is the offer an agent makes after the operations ran and the
// tasks ended: the reservations and volumes, and what was left.
func offerBack(o mesos.Offer, ops []mesos.Offer_Operation) mesos.Offer {
	res := mesos.Resources(o.Resources).Clone()
	for _, op := range ops {
		switch op.Type {
		case mesos.Offer_Operation_RESERVE:
			for _, r := range op.Reserve.Resources {
				base := *proto.Clone(&r).(*mesos.Resource)
				base.Reservations = base.Reservations[:len(base.Reservations)-1]
				if len(base.Reservations) == 0 {
					base.Reservations = nil
				}
				res = res.Minus(base).Plus(r)
			}
		case mesos.Offer_Operation_UNRESERVE:
			for _, r := range op.Unreserve.Resources {
				base := *proto.Clone(&r).(*mesos.Resource)
				base.Reservations = nil
				res = res.Minus(r).Plus(base)
			}
		case mesos.Offer_Operation_CREATE:
			for _, v := range op.Create.Volumes {
				plain := *proto.Clone(&v).(*mesos.Resource)
				d := *plain.Disk
				d.Persistence, d.Volume = nil, nil
				plain.Disk = &d
				if d.Source == nil {
					plain.Disk = nil
				}
				res = res.Minus(plain).Plus(v)
			}
		}
	}
	o.Resources = res
	o.ID.Value += "-back"
	return o
}

func TestRelaunchInPlaceAndResize(t *testing.T) {
	spec := loadSpec(t, helloSpec)
	first, _, ok := Evaluate(request(t, spec, 0, "server"), []mesos.Offer{agentOffer("a1", "r")})
	if !ok {
		t.Fatal("first launch refused")
	}
	back := offerBack(agentOffer("a1", "r"), first.Operations)
	existing := map[string]*mesos.TaskInfo{"server": &first.Tasks[0]}

	req := request(t, spec, 0, "server")
	req.Existing = existing
	again, refusals, ok := Evaluate(req, []mesos.Offer{agentOffer("elsewhere", "r"), back})
	if !ok {
		t.Fatalf("relaunch refused: %+v", refusals)
	}
	if got := opTypes(again.Operations); got != "LAUNCH_GROUP" {
		t.Errorf("in-place relaunch: %s", got)
	}
	if len(refusals) != 1 || !strings.Contains(refusals[0].Reasons[0], "does not hold the reserved") {
		t.Errorf("another agent's offer: %+v", refusals)
	}
	if a, b := strings.Join(ResourceIDs(&first.Tasks[0]), ","), strings.Join(ResourceIDs(&again.Tasks[0]), ","); a != b {
		t.Errorf("resource ids changed: %s -> %s", a, b)
	}

	bigger := loadSpec(t, strings.Replace(helloSpec, "cpus: 0.5", "cpus: 1.5", 1))
	req = request(t, bigger, 0, "server")
	req.Existing = existing
	resized, refusals, ok := Evaluate(req, []mesos.Offer{back})
	if !ok {
		t.Fatalf("resize refused: %+v", refusals)
	}
	if got := opTypes(resized.Operations); got != "RESERVE LAUNCH_GROUP" {
		t.Fatalf("resize: %s", got)
	}
	delta := resized.Operations[0].Reserve.Resources[0]
	if delta.Name != "cpus" || scalarOf(delta) != 1 || labelOf(delta, LabelSlot) != "task:server/cpus" {
		t.Errorf("delta %v", delta)
	}
	var cpus float64
	for _, r := range resized.Tasks[0].Resources {
		if r.Name == "cpus" {
			cpus += scalarOf(r)
		}
	}
	if cpus != 1.5 {
		t.Errorf("task cpus after the resize: %g", cpus)
	}
}

func TestUnexpectedReleasesUnclaimedResources(t *testing.T) {
	spec := loadSpec(t, helloSpec)
	m, _, _ := Evaluate(request(t, spec, 0, "server"), []mesos.Offer{agentOffer("a1", "r")})
	back := offerBack(agentOffer("a1", "r"), m.Operations)
	ops, released := Unexpected(back, "fw-1", func(string) bool { return false })
	if got := opTypes(ops); got != "DESTROY UNRESERVE" || len(ops[0].Destroy.Volumes) != 2 || len(released) != 8 {
		t.Fatalf("ops %s, destroyed %d, released %v", got, len(ops[0].Destroy.Volumes), released)
	}
	held := map[string]bool{}
	for _, id := range ResourceIDs(&m.Tasks[0]) {
		held[id] = true
	}
	if ops, _ := Unexpected(back, "fw-1", func(id string) bool { return held[id] }); len(ops) != 0 {
		t.Errorf("claimed resources released: %s", opTypes(ops))
	}
	if ops, _ := Unexpected(back, "another-framework", func(string) bool { return false }); len(ops) != 0 {
		t.Errorf("another framework's resources released: %s", opTypes(ops))
	}
}

func TestRouteEnv(t *testing.T) {
	got := RouteEnv(map[string]string{"TASKCFG_ALL_A": "all", "TASKCFG_ALL_B": "all", "TASKCFG_HELLO_WORLD_B": "pod", "TASKCFG_OTHER_C": "no", "X": "no"}, "hello-world")
	if len(got) != 2 || got["A"] != "all" || got["B"] != "pod" {
		t.Fatalf("%v", got)
	}
}
