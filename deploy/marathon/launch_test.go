package marathon

import (
	"io"
	"log/slog"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/deploy/marathon/app"
)

// TestNewTask: an app becomes the TaskInfo Marathon would send.
func TestNewTask(t *testing.T) {
	v, err := app.NewValidator(nil)
	if err != nil {
		t.Fatal(err)
	}
	req, err := v.Decode([]byte(`{"id": "/dev/web", "cmd": "serve", "cpus": 0.5, "mem": 64, "disk": 10,
		"user": "alice", "labels": {"L": "v"}, "taskKillGracePeriodSeconds": 7,
		"portDefinitions": [{"port": 0, "name": "api", "labels": {"VIP_0": "/web:80"}}, {"port": 0}],
		"fetch": [{"uri": "http://h/a.tgz", "destPath": "b.tgz", "cache": true}, {"uri": "http://h/x", "executable": true, "extract": false}],
		"healthChecks": [{"protocol": "MESOS_HTTP", "path": "/health", "portIndex": 1, "maxConsecutiveFailures": 0, "gracePeriodSeconds": 9}],
		"check": {"exec": {"command": {"shell": "true"}}}}`), "")
	if err != nil {
		t.Fatal(err)
	}
	m := &Marathon{rec: &record{Tasks: map[string]*taskRecord{}}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ar := &appRecord{App: req.App, Version: "v2", ConfigVersion: "v1"}
	offer := &mesos.Offer{AgentID: mesos.AgentID{Value: "a1"}, Hostname: "h1"}
	ti := m.newTask(ar, offer, []int{31000, 31001}, time.Now())

	rec := m.rec.Tasks[ti.TaskID.Value]
	if rec == nil || rec.AppID != "/dev/web" || rec.Version != "v1" || rec.Host != "h1" || rec.State != "TASK_STAGING" {
		t.Errorf("task record %+v", rec)
	}
	if ti.Name != "web.dev" || ti.AgentID.Value != "a1" {
		t.Errorf("name %q agent %q", ti.Name, ti.AgentID.Value)
	}
	c := ti.Command
	if !c.GetShell() || c.GetValue() != "serve" || c.GetUser() != "alice" || len(c.URIs) != 2 ||
		c.URIs[0].GetOutputFile() != "b.tgz" || !c.URIs[0].GetCache() || !c.URIs[0].GetExtract() ||
		!c.URIs[1].GetExecutable() || c.URIs[1].GetExtract() {
		t.Errorf("command %+v", c)
	}
	env := map[string]string{}
	for _, e := range c.GetEnvironment().GetVariables() {
		env[e.Name] = e.GetValue()
	}
	if env["PORT_API"] != "31000" || env["PORT1"] != "31001" || env["MARATHON_APP_VERSION"] != "v2" || env["MESOS_TASK_ID"] != ti.TaskID.Value {
		t.Errorf("environment %v", env)
	}
	res := map[string]float64{}
	var ports []mesos.Value_Range
	for _, r := range ti.Resources {
		if r.Name == "ports" {
			ports = r.GetRanges().GetRange()
		} else {
			res[r.Name] = r.GetScalar().GetValue()
		}
	}
	if res["cpus"] != 0.5 || res["mem"] != 64 || res["disk"] != 10 || len(ports) != 2 || ports[0].Begin != 31000 || ports[1].Begin != 31001 {
		t.Errorf("resources %v ports %v", res, ports)
	}
	hc := ti.HealthCheck
	if hc.Type != mesos.HealthCheck_HTTP || hc.HTTP.Port != 31001 || hc.HTTP.GetPath() != "/health" ||
		hc.GetConsecutiveFailures() != 0 || hc.GetGracePeriodSeconds() != 9 {
		t.Errorf("health check %+v", hc)
	}
	if ti.Check.Type != mesos.CheckInfo_COMMAND || ti.Check.Command.Command.GetValue() != "true" {
		t.Errorf("check %+v", ti.Check)
	}
	if ti.KillPolicy.GracePeriod.Nanoseconds != int64(7*time.Second) {
		t.Errorf("kill policy %+v", ti.KillPolicy)
	}
	if l := ti.Labels.GetLabels(); len(l) != 1 || l[0].Key != "L" || l[0].GetValue() != "v" {
		t.Errorf("labels %+v", ti.Labels)
	}
	dp := ti.Discovery.GetPorts().GetPorts()
	if len(dp) != 2 || dp[0].GetName() != "api" || dp[0].Number != 31000 || dp[0].GetLabels().GetLabels()[0].Key != "VIP_0" || dp[1].Name != nil {
		t.Errorf("discovery %+v", ti.Discovery)
	}
}

// TestPoolTake: ports come from the offer's ranges, the definition's own
// with requirePorts; what is taken is no longer offered.
func TestPoolTake(t *testing.T) {
	offer := &mesos.Offer{Resources: []mesos.Resource{
		{Name: "cpus", Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: 1}},
		{Name: "mem", Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: 256}},
		{Name: "ports", Type: mesos.RANGES.Enum(), Ranges: &mesos.Value_Ranges{Range: []mesos.Value_Range{{Begin: 31000, End: 31002}}}},
	}}
	p := newPool(offer)
	a := &app.App{CPUs: 0.5, Mem: 100, PortDefinitions: []app.PortDefinition{{Port: 31001}, {Port: 0}}, RequirePorts: true}
	ports, ok := p.take(a)
	if !ok || ports[0] != 31001 || ports[1] != 31000 {
		t.Fatalf("first take: %v %t", ports, ok)
	}
	if _, ok := p.take(a); ok {
		t.Error("31001 was given twice")
	}
	if ports, ok := p.take(&app.App{CPUs: 0.5, Mem: 100, PortDefinitions: []app.PortDefinition{{Port: 0}}}); !ok || ports[0] != 31002 {
		t.Errorf("second take: %v %t", ports, ok)
	}
	if _, ok := p.take(&app.App{CPUs: 0.1, Mem: 1, PortDefinitions: []app.PortDefinition{{Port: 0}}}); ok {
		t.Error("took more cpus than offered")
	}
}
