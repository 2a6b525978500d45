package scheduler

import (
	"slices"
	"strings"
	"testing"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/kennel-sdk/kennel/scheduler/offer"
	"github.com/kennel-sdk/kennel/scheduler/record"
	"github.com/kennel-sdk/kennel/servicespec"
)

func specOf(t *testing.T, text string) *servicespec.ServiceSpec {
	t.Helper()
	s, err := servicespec.Load("svc.yml", []byte(text), servicespec.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// taskRecord is a stored task of an instance on configuration cfg.
func taskRecord(pod string, index, cfg string) record.Task {
	info := mesos.TaskInfo{Name: pod + "-" + index + "-server", TaskID: mesos.TaskID{Value: "t"}, Labels: &mesos.Labels{Labels: []mesos.Label{
		{Key: offer.LabelTaskType, Value: proto.String(pod)}, {Key: offer.LabelIndex, Value: proto.String(index)},
		{Key: offer.LabelTargetConfig, Value: proto.String(cfg)}}}}
	b, _ := proto.Marshal(&info)
	return record.Task{Info: b}
}

func configOf(rec record.Task) string {
	var info mesos.TaskInfo
	_ = proto.Unmarshal(rec.Info, &info)
	return label(&info, offer.LabelTargetConfig)
}

func TestResolveTarget(t *testing.T) {
	v1 := specOf(t, spec)
	two := strings.Replace(spec, "count: 1", "count: 2", 1)
	v2 := specOf(t, two)
	stored := Stored{Target: v1.ID(), Configs: map[string][]byte{v1.ID(): v1.CanonicalJSON(), "orphan": []byte("{}")},
		Tasks: map[string]record.Task{"hello-0-server": taskRecord("hello", "0", v1.ID())}}

	first, err := ResolveTarget(Stored{}, v1, nil)
	if err != nil || first.ConfigID != v1.ID() || first.Batch.Len() != 2 {
		t.Fatalf("first install: %+v %v", first, err)
	}

	same, err := ResolveTarget(stored, v1, nil)
	if err != nil || same.ConfigID != v1.ID() || same.Batch.Len() != 1 { // the orphan config is deleted
		t.Fatalf("same spec: %d writes, %v", same.Batch.Len(), err)
	}

	// Scaling up restarts nobody: hello-0 moves to the new configuration.
	up, err := ResolveTarget(stored, v2, nil)
	if err != nil || up.ConfigID != v2.ID() || len(up.Errors) != 0 {
		t.Fatalf("scale up: %+v %v", up, err)
	}
	if got := configOf(up.Tasks["hello-0-server"]); got != v2.ID() {
		t.Errorf("an unchanged instance stays on the old configuration %s", got)
	}

	// A changed command restarts hello-0: it keeps its configuration.
	changed := specOf(t, strings.Replace(spec, "./server", "./server --new", 1))
	upd, _ := ResolveTarget(stored, changed, nil)
	if got := configOf(upd.Tasks["hello-0-server"]); got != v1.ID() {
		t.Errorf("a changed instance was moved to the new configuration")
	}

	// Shrinking without allow-decommission is refused: the old target stays.
	stored2 := Stored{Target: v2.ID(), Configs: map[string][]byte{v2.ID(): v2.CanonicalJSON()}}
	down, err := ResolveTarget(stored2, v1, nil)
	if err != nil || down.ConfigID != v2.ID() || len(down.Errors) == 0 || down.Batch.Len() != 0 {
		t.Fatalf("refused shrink: config %s errors %v writes %d err %v", down.ConfigID, down.Errors, down.Batch.Len(), err)
	}
}

// TestRefuseTarget: a shrink the spec allows names the instances it
// decommissions; a service's guard refusing it keeps the old target with
// its reasons, and StoredView shows where the stored tasks run.
func TestRefuseTarget(t *testing.T) {
	allow := strings.Replace(spec, "count: 1", "count: 1\n    allow-decommission: true", 1)
	v1 := specOf(t, allow)
	v2 := specOf(t, strings.Replace(allow, "count: 1", "count: 2", 1))
	stored := Stored{Target: v2.ID(), Configs: map[string][]byte{v2.ID(): v2.CanonicalJSON()},
		Tasks: map[string]record.Task{"hello-0-server": taskRecord("hello", "0", v2.ID()), "hello-1-server": taskRecord("hello", "1", v2.ID())}}
	down, err := ResolveTarget(stored, v1, nil)
	if err != nil || len(down.Errors) != 0 || strings.Join(down.Decommissioned, ",") != "hello-1" {
		t.Fatalf("allowed shrink: decommissioned %v errors %v %v", down.Decommissioned, down.Errors, err)
	}
	refused, err := RefuseTarget(stored, []string{"hello-1 holds data"})
	if err != nil || refused.ConfigID != v2.ID() || refused.Spec.ID() != v2.ID() || strings.Join(refused.Errors, ",") != "hello-1 holds data" ||
		refused.Batch.Len() != 0 || len(refused.Tasks) != 2 {
		t.Fatalf("refused: %+v %v", refused, err)
	}
	if _, err := RefuseTarget(Stored{Target: "gone"}, nil); err == nil {
		t.Error("a missing stored target: no error")
	}
	view, err := StoredView("svc", stored.Tasks)
	if err != nil || len(view.Placed) != 2 || view.Placed["hello-1-server"].Index != 1 || view.Placed["hello-1-server"].TaskID != "t" {
		t.Errorf("stored view: %+v %v", view, err)
	}
}

// TestResolveTargetInPlace: a change the service applies in place moves
// the instance's task to the new configuration (it is not restarted) and
// names the instance; without the in-place function it restarts.
func TestResolveTargetInPlace(t *testing.T) {
	withEnv := func(v string) *servicespec.ServiceSpec {
		return specOf(t, strings.Replace(spec, "cmd: ./server", "cmd: ./server\n        env: {RETENTION: '"+v+"'}", 1))
	}
	v1, v2 := withEnv("1"), withEnv("2")
	stored := Stored{Target: v1.ID(), Configs: map[string][]byte{v1.ID(): v1.CanonicalJSON()},
		Tasks: map[string]record.Task{"hello-0-server": taskRecord("hello", "0", v1.ID())}}
	retention := func(_, _, key, _, _ string) bool { return key == "RETENTION" }
	cases := []struct {
		name        string
		inPlace     servicespec.InPlaceFunc
		wantConfig  string
		wantInPlace []string
	}{
		{"applied in place", retention, v2.ID(), []string{"hello-0"}},
		{"no in-place function", nil, v1.ID(), nil},
		{"another key", func(_, _, key, _, _ string) bool { return key == "OTHER" }, v1.ID(), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ResolveTarget(stored, v2, c.inPlace)
			if err != nil || got.ConfigID != v2.ID() {
				t.Fatalf("target %s, %v", got.ConfigID, err)
			}
			if cfg := configOf(got.Tasks["hello-0-server"]); cfg != c.wantConfig {
				t.Errorf("hello-0-server on %s, want %s", cfg, c.wantConfig)
			}
			if !slices.Equal(got.InPlace, c.wantInPlace) {
				t.Errorf("in place %v, want %v", got.InPlace, c.wantInPlace)
			}
		})
	}
}
