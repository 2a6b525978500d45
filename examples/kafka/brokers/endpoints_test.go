package brokers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/examples/kafka/brokers"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/offer"
)

// brokerView is a stored broker task as the scheduler shows it.
func brokerView(i int, live bool, env map[string]string) scheduler.TaskView {
	name := fmt.Sprintf("kafka-%d-broker", i)
	info := &mesos.TaskInfo{Name: name, Command: &mesos.CommandInfo{Environment: &mesos.Environment{}},
		Labels: &mesos.Labels{Labels: []mesos.Label{
			{Key: offer.LabelIndex, Value: proto.String(fmt.Sprint(i))},
			{Key: offer.LabelHostname, Value: proto.String(fmt.Sprintf("127.0.1.%d", i+1))}}}}
	for k, v := range env {
		info.Command.Environment.Variables = append(info.Command.Environment.Variables,
			mesos.Environment_Variable{Name: k, Value: proto.String(v)})
	}
	return scheduler.TaskView{Name: name, PodType: brokers.Pod, Instance: fmt.Sprintf("kafka-%d", i), Info: info, Live: live}
}

func brokerEnv(i int, controller bool) map[string]string {
	env := map[string]string{brokers.VarAdvertisedHost: fmt.Sprintf("127.0.1.%d", i+1), brokers.VarBrokerPort: fmt.Sprint(31000 + 1000*i),
		brokers.VarControllerPort: fmt.Sprint(31001 + 1000*i), brokers.VarProcessRoles: "broker"}
	if controller {
		env[brokers.VarProcessRoles], env[brokers.VarController] = "broker,controller", "true"
	}
	return env
}

type tasks []scheduler.TaskView

func (ts tasks) Tasks(context.Context) ([]scheduler.TaskView, error) { return ts, nil }

func cluster() tasks {
	return tasks{
		brokerView(0, true, brokerEnv(0, true)),
		brokerView(1, false, brokerEnv(1, true)), // exited, relaunching
		brokerView(2, true, brokerEnv(2, true)),
		brokerView(3, true, brokerEnv(3, false)),
		brokerView(4, true, nil), // launched by another scheduler: no values
	}
}

func TestControllersEndpoint(t *testing.T) {
	got, ok := brokers.Controllers{}.Endpoint(cluster())
	if want := "127.0.1.1:31001,127.0.1.3:33001"; !ok || got != want {
		t.Errorf("controllers %q %v, want %q (live controllers only)", got, ok, want)
	}
	if _, ok := (brokers.Controllers{}).Endpoint(tasks{brokerView(3, true, brokerEnv(3, false))}); ok {
		t.Errorf("an endpoint without controllers")
	}
}

func TestRoutes(t *testing.T) {
	r := chi.NewRouter()
	for _, rt := range brokers.Routes(cluster()) {
		r.Method(rt.Method, "/v1/"+rt.Path, rt.Handler)
	}
	srv := httptest.NewServer(r)
	defer srv.Close()
	for _, tc := range []struct {
		path string
		code int
		body []string
	}{
		{"/v1/brokers", 200, []string{`"0"`, `"2"`, `"3"`}},
		{"/v1/brokers/1", 200, []string{`"id": 1`, `"live": false`, `"PLAINTEXT://127.0.1.2:32000"`, `"controller": "127.0.1.2:32001"`, `"broker"`, `"controller"`}},
		{"/v1/brokers/3", 200, []string{`"roles": [`, `"host": "127.0.1.4"`, `"port": 34000`}},
		{"/v1/brokers/4", 404, []string{"Broker 4 not found"}},
		{"/v1/brokers/x", 404, nil},
	} {
		resp, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("%s: %d, want %d: %s", tc.path, resp.StatusCode, tc.code, body)
		}
		for _, want := range tc.body {
			if !strings.Contains(string(body), want) {
				t.Errorf("%s: body lacks %s:\n%s", tc.path, want, body)
			}
		}
		if tc.path == "/v1/brokers" && strings.Contains(string(body), `"1"`) {
			t.Errorf("%s lists a broker that is not live: %s", tc.path, body)
		}
	}
}
