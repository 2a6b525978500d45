package sandbox

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestLastLines(t *testing.T) {
	for _, tc := range []struct {
		text string
		n    int
		want string
	}{
		{"a\nb\nc\n", 2, "b\nc\n"},
		{"a\nb\nc", 2, "b\nc"},
		{"a\nb\nc\n", 5, "a\nb\nc\n"},
		{"a\nb\nc\n", 0, ""},
		{"a\nb\nc\n", -1, "a\nb\nc\n"},
		{"", 3, ""},
		{"\n\n", 1, "\n"},
	} {
		if got := lastLines(tc.text, tc.n); got != tc.want {
			t.Errorf("lastLines(%q, %d) = %q, want %q", tc.text, tc.n, got, tc.want)
		}
	}
}

// FuzzLastLines: the last n lines are a suffix of the text with at most n
// lines.
func FuzzLastLines(f *testing.F) {
	f.Add("a\nb\nc\n", 2)
	f.Add("", 0)
	f.Add("\n\n\n", 1)
	f.Fuzz(func(t *testing.T, text string, n int) {
		n = n%50 - 1
		got := lastLines(text, n)
		if !strings.HasSuffix(text, got) {
			t.Fatalf("%q is not a suffix of %q", got, text)
		}
		if n >= 0 && strings.Count(strings.TrimSuffix(got, "\n"), "\n") > n {
			t.Fatalf("%d lines asked, got %q", n, got)
		}
	})
}

// TestFindTask: a task by name, id or id prefix; active tasks first;
// ambiguity and absence are errors that list the candidates.
func TestFindTask(t *testing.T) {
	state := `{"frameworks":[{"id":"fw","tasks":[
	  {"id":"hello-0-server__a","name":"hello-0-server","framework_id":"fw","executor_id":"e0","slave_id":"s1","state":"TASK_RUNNING"},
	  {"id":"hello-1-server__b","name":"hello-1-server","framework_id":"fw","executor_id":"e1","slave_id":"s1","state":"TASK_RUNNING"},
	  {"id":"hello-1-server__c","name":"hello-1-server","framework_id":"fw","executor_id":"e1","slave_id":"s1","state":"TASK_FAILED"},
	  {"id":"twin__1","name":"twin","framework_id":"fw","executor_id":"","slave_id":"s1","state":"TASK_RUNNING"},
	  {"id":"twin__2","name":"twin","framework_id":"fw","executor_id":"","slave_id":"s1","state":"TASK_RUNNING"}]}],
	 "slaves":[{"id":"s1","hostname":"10.0.0.1","port":5051}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/master/state" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(state))
	}))
	defer srv.Close()
	c := &Client{Master: srv.URL}
	for _, tc := range []struct{ query, id, err string }{
		{"hello-0-server", "hello-0-server__a", ""},
		{"hello-1-server", "hello-1-server__b", ""},
		{"hello-1-server__c", "hello-1-server__c", ""},
		{"hello-0", "hello-0-server__a", ""},
		{"twin", "", "2 tasks match \"twin\"; give one's id: twin__1, twin__2"},
		{"nope", "", `no task named "nope"; the tasks are: hello-0-server, hello-1-server, twin`},
	} {
		got, err := c.FindTask(t.Context(), tc.query)
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("%s: error %v, want %q", tc.query, err, tc.err)
		case tc.err == "" && (err != nil || got.ID != tc.id || got.Agent != "http://10.0.0.1:5051"):
			t.Errorf("%s: %+v, %v; want %s", tc.query, got, err, tc.id)
		}
	}
}

func TestDCOSURL(t *testing.T) {
	for _, tc := range []struct{ url, master, agents, err string }{
		{"https://dcos.example", "https://dcos.example/mesos", "https://dcos.example/agent", ""},
		{"https://dcos.example/#/", "https://dcos.example/mesos", "https://dcos.example/agent", ""},
		{"http://10.0.0.1:8080/", "http://10.0.0.1:8080/mesos", "http://10.0.0.1:8080/agent", ""},
		{"dcos.example", "", "", `DC/OS URL "dcos.example": want http(s)://host[:port][/path]`},
		{"https://dcos.example/?a=b", "", "", `DC/OS URL "https://dcos.example/?a=b": want http(s)://host[:port][/path]`},
	} {
		c, err := DCOS(tc.url, "", nil)
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("%s: error %v, want %q", tc.url, err, tc.err)
		case tc.err == "" && (err != nil || c.Master != tc.master || c.AgentsVia != tc.agents || c.Header != nil):
			t.Errorf("%s: %+v, %v; want master %s, agents %s", tc.url, c, err, tc.master, tc.agents)
		}
	}
}

// TestThroughDCOS: through Admin Router, the master is read under /mesos
// and the agent under /agent/<id>, each request with the DC/OS token.
func TestThroughDCOS(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		switch r.URL.Path {
		case "/mesos/master/state":
			w.Write([]byte(`{"frameworks":[{"id":"fw","tasks":[{"id":"t__1","name":"t","executor_id":"e","slave_id":"S-1","state":"TASK_RUNNING"}]}],
			  "slaves":[{"id":"S-1","hostname":"10.0.0.9","port":5051}]}`))
		case "/agent/S-1/state":
			w.Write([]byte(`{"frameworks":[{"id":"fw","executors":[{"id":"e","directory":"/sb","tasks":[{"id":"t__1"}]}]}]}`))
		case "/agent/S-1/files/browse":
			if r.URL.Query().Get("path") != "/sb" {
				http.NotFound(w, r)
				return
			}
			w.Write([]byte(`[{"path":"/sb/stdout","size":3,"mode":"-rw-r--r--"}]`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c, err := DCOS(srv.URL+"/#/", "eyJ0", nil)
	if err != nil {
		t.Fatal(err)
	}
	task, err := c.FindTask(t.Context(), "t")
	if err != nil || task.Agent != srv.URL+"/agent/S-1" {
		t.Fatalf("FindTask: %+v, %v; want the agent at %s/agent/S-1", task, err, srv.URL)
	}
	sb, err := c.Sandbox(t.Context(), task)
	if err != nil || sb.Dir != "/sb" {
		t.Fatalf("Sandbox: %+v, %v", sb, err)
	}
	list, err := c.Browse(t.Context(), sb, "")
	if err != nil || len(list) != 1 || list[0].Path != "/sb/stdout" {
		t.Fatalf("Browse: %+v, %v", list, err)
	}
	want := []string{"/mesos/master/state token=eyJ0", "/agent/S-1/state token=eyJ0", "/agent/S-1/files/browse token=eyJ0", "/agent/S-1/files/browse token=eyJ0"}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(seen, want) {
		t.Fatalf("requests %q; want %q", seen, want)
	}
}
