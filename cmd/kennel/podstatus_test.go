package main

import (
	"slices"
	"strings"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

func TestPodStatusLineFormat(t *testing.T) {
	yes, no := true, false
	zero, one := int32(0), int32(1)
	ports := func(ranges ...[2]uint64) []mesos.Resource {
		var rs []mesos.Value_Range
		for _, r := range ranges {
			rs = append(rs, mesos.Value_Range{Begin: r[0], End: r[1]})
		}
		return []mesos.Resource{{Name: "cpus"}, {Name: "ports", Ranges: &mesos.Value_Ranges{Range: rs}}}
	}
	host := &mesos.Labels{Labels: []mesos.Label{{Key: "offer_hostname", Value: ptr("127.0.1.1")}}}
	checked := func(info mesos.TaskInfo) *mesos.TaskInfo {
		info.HealthCheck = &mesos.HealthCheck{}
		info.Check = &mesos.CheckInfo{}
		return &info
	}
	running := func(healthy *bool, exit *int32) *mesos.TaskStatus {
		st := &mesos.TaskStatus{State: mesos.TASK_RUNNING.Enum(), Healthy: healthy}
		if exit != nil {
			st.CheckStatus = &mesos.CheckStatusInfo{Command: &mesos.CheckStatusInfo_Command{ExitCode: exit}}
		}
		return st
	}
	for _, tc := range []struct {
		name   string
		info   *mesos.TaskInfo
		st     *mesos.TaskStatus
		status string
		want   string
	}{
		{"running, healthy and ready", checked(mesos.TaskInfo{Labels: host, Resources: ports([2]uint64{1025, 1025}, [2]uint64{1026, 1026})}), running(&yes, &zero), "RUNNING",
			"RUNNING  127.0.1.1  ports 1025,1026  healthy  ready"},
		{"a port range", &mesos.TaskInfo{Labels: host, Resources: ports([2]uint64{1025, 1027})}, running(nil, nil), "RUNNING",
			"RUNNING  127.0.1.1  ports 1025-1027"},
		{"a range of two ports lists both", &mesos.TaskInfo{Labels: host, Resources: ports([2]uint64{1025, 1026}, [2]uint64{1030, 1030})}, running(nil, nil), "RUNNING",
			"RUNNING  127.0.1.1  ports 1025,1026,1030"},
		{"a reversed range is its first port", &mesos.TaskInfo{Labels: host, Resources: ports([2]uint64{1030, 1025})}, running(nil, nil), "RUNNING",
			"RUNNING  127.0.1.1  ports 1030"},
		{"unhealthy, readiness check failing", checked(mesos.TaskInfo{Labels: host}), running(&no, &one), "RUNNING",
			"RUNNING  127.0.1.1  unhealthy  not ready"},
		{"checks without results yet", checked(mesos.TaskInfo{Labels: host}), running(nil, nil), "RUNNING",
			"RUNNING  127.0.1.1  health unknown  not ready"},
		{"not running: no health or readiness", checked(mesos.TaskInfo{Labels: host}), &mesos.TaskStatus{State: mesos.TASK_FINISHED.Enum(), Healthy: &yes}, "FINISHED",
			"FINISHED  127.0.1.1"},
		{"no status yet", checked(mesos.TaskInfo{Labels: host}), nil, "",
			"<UNKNOWN>  127.0.1.1"},
		{"the container's IP wins over the agent's hostname", &mesos.TaskInfo{Labels: host}, &mesos.TaskStatus{State: mesos.TASK_STAGING.Enum(),
			ContainerStatus: &mesos.ContainerStatus{NetworkInfos: []mesos.NetworkInfo{{IPAddresses: []mesos.NetworkInfo_IPAddress{{IPAddress: ptr("9.0.0.7")}}}}}}, "STAGING",
			"STAGING  9.0.0.7"},
		{"no hostname label: the agent's id", &mesos.TaskInfo{AgentID: mesos.AgentID{Value: "agent-3"}}, nil, "STAGING",
			"STAGING  agent-3"},
	} {
		got := strings.Join(detailOf(tc.info, tc.st).columns(tc.status), "  ")
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestAlignLines(t *testing.T) {
	got := alignLines([]taskLine{
		{head: "hello-0"},
		{head: "├─ hello-0-server", cols: []string{"RUNNING", "127.0.1.1", "ports 1025,1026", "healthy", "ready"}},
		{head: "├─ hello-0-sidecar-long", cols: []string{"STARTING"}},
		{head: "└─ hello-0-x", cols: []string{"FINISHED", "127.0.1.2"}},
	})
	want := []string{
		"hello-0",
		"├─ hello-0-server        RUNNING   127.0.1.1  ports 1025,1026  healthy  ready",
		"├─ hello-0-sidecar-long  STARTING",
		"└─ hello-0-x             FINISHED  127.0.1.2",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParsePodInfo(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       map[string]string // task → columns after "RUNNING"
		err        string
	}{
		{"empty", `[]`, map[string]string{}, ""},
		{"info and null status, unknown fields ignored", `[{"info":{"name":"a-0-x","agentId":{"value":"S1"},"newField":1,
			"resources":[{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":"31000","end":31002}]}}]},"status":null}]`,
			map[string]string{"a-0-x": "S1  ports 31000-31002"}, ""},
		{"not an array", `{}`, nil, "decoding the pod info"},
		{"a bad TaskInfo names its index", `[{"info":{"name":3}}]`, nil, "[0].info"},
		{"a bad status names its index", `[{"info":{},"status":{"state":"NOPE"}}]`, nil, "[0].status"},
	} {
		got, err := parsePodInfo([]byte(tc.body))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		cols := map[string]string{}
		for name, d := range got {
			cols[name] = strings.Join(d.columns("RUNNING")[1:], "  ")
		}
		if len(cols) != len(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, cols, tc.want)
		}
		for k, v := range tc.want {
			if cols[k] != v {
				t.Errorf("%s: %s: got %q, want %q", tc.name, k, cols[k], v)
			}
		}
	}
}

func FuzzParsePodInfo(f *testing.F) {
	f.Add([]byte(`[{"info":{"name":"a-0-x","resources":[{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":"1","end":"2"}]}}]},"status":{"state":"TASK_RUNNING","healthy":true}}]`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := parsePodInfo(b)
		if err != nil {
			return
		}
		for _, d := range ds {
			_ = d.columns("RUNNING")
		}
	})
}

// TestPodStatusInfoErrors: an instance gone since the status was read
// (404 on its info) prints without details; any other failure is the
// command's error.
func TestPodStatusInfoErrors(t *testing.T) {
	isolate(t)
	for _, tc := range []struct {
		name string
		info answer
		code int
		want string // stdout, or a part of stderr when code is 1
	}{
		{"gone", answer{code: 404, body: "Pod world-0 not found", ctype: "text/plain"}, 0,
			"world-0\n├─ world-0-init    FINISHED\n└─ world-0-server  PAUSED\n"},
		{"failing", answer{code: 500, body: ""}, 1, "500"},
		{"garbled", answer{code: 200, body: `[{"info":{"name":7}}]`}, 1, "pod world-0: decoding the pod info: [0].info"},
	} {
		api := newFakeAPI(t, map[string][]answer{
			"GET /v1/pod/world-0/status": {{code: 200, body: response(t, "pod-instance-status.json")}},
			"GET /v1/pod/world-0/info":   {tc.info},
		})
		out, errOut, code := runAs(t, "kennel", "pod", "status", "world-0", "--url", api.URL)
		switch {
		case code != tc.code:
			t.Errorf("%s: exit %d, want %d (stdout %q, stderr %q)", tc.name, code, tc.code, out, errOut)
		case code == 0 && out != tc.want:
			t.Errorf("%s: printed %q, want %q", tc.name, out, tc.want)
		case code != 0 && !strings.Contains(errOut, tc.want):
			t.Errorf("%s: stderr %q, want it to contain %q", tc.name, errOut, tc.want)
		}
	}
}
