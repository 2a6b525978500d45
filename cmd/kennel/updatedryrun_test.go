package main

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kennel-sdk/kennel/servicespec"
)

// targetOf is the canonical JSON of hello-world's spec as the scheduler
// of app renders it: svc.env under the app's env.
func targetOf(t *testing.T, app map[string]any) []byte {
	t.Helper()
	dir := filepath.Join("..", "..", "examples", "hello-world")
	raw, err := os.ReadFile(filepath.Join(dir, "svc.env"))
	if err != nil {
		t.Fatal(err)
	}
	env, err := servicespec.ParseEnvFile("svc.env", raw)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range app["env"].(map[string]any) {
		env[k] = v.(string)
	}
	data, err := os.ReadFile(filepath.Join(dir, "svc.yml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := servicespec.Load("svc.yml", data, servicespec.LoadOptions{Env: env, Templates: os.DirFS(dir)})
	if err != nil {
		t.Fatal(err)
	}
	return s.CanonicalJSON()
}

// TestUpdateDryRun runs update start --dry-run against a Marathon and a
// scheduler answering over HTTP: each preview is golden, and Marathon sees
// no call that changes anything — the app stays as installed. The
// scheduler serves its target configuration in some steps and not in
// others, so both comparisons are shown.
func TestUpdateDryRun(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	var target atomic.Pointer[[]byte]
	scheduler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/configurations/target" {
			if p := target.Load(); p != nil {
				_, _ = w.Write(*p)
				return
			}
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"message":"no target yet"}`)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(scheduler.Close)
	fake := &marathonFake{apps: map[string]map[string]any{}, schedulerURL: scheduler.URL}
	marathon := httptest.NewServer(fake)
	t.Cleanup(marathon.Close)
	files := map[string]string{
		"install.json":  `{"hello": {"count": 1, "greeting": "hi"}}`,
		"count.json":    `{"hello": {"count": 2}}`,
		"greeting.json": `{"hello": {"greeting": "Bonjour"}}`,
		"volume.json":   `{"hello": {"data_mb": 1024}}`,
		"bad.json":      `{"hello": {"count": 0}}`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(dir, "data")
	common := []string{"--marathon", marathon.URL, "--repo", "../../examples", "--data-dir", data, "--master", "http://127.0.0.1:5050"}
	out, errOut, code := runAs(t, "kennel", append([]string{"package", "install", "hello-world", "--yes", "--options", filepath.Join(dir, "install.json")}, common...)...)
	if code != 0 {
		t.Fatalf("install: exit %d\n%s%s", code, out, errOut)
	}
	fake.takeWrites()
	installed := maps.Clone(fake.apps["/hello-world"])
	artifacts := filepath.Join(data, "artifacts", "hello-world", "0.1.0", "hello-world-spec.tar.gz")
	published, err := os.Stat(artifacts)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		args   []string
		target bool // the scheduler serves its target configuration
		code   int
		want   []string // what the output must say, so that a rewritten golden cannot lose it
	}{
		{"count, installed app", []string{"--options", "count.json"}, false, 0,
			[]string{"hello-0  stay", "hello-1  launch", "HELLO_COUNT: \"1\" → \"2\"", "(installed app)", "Nothing was changed"}},
		{"greeting, scheduler target", []string{"--options", "greeting.json"}, true, 0,
			[]string{"hello-0  restart", "(scheduler target)", "hello.greeting: \"hi\" → \"Bonjour\""}},
		{"greeting, json", []string{"--options", "greeting.json", "--json"}, true, 0,
			[]string{`"action": "restart"`, `"from": "scheduler target"`}},
		{"volume refused", []string{"--options", "volume.json"}, true, 1,
			[]string{"pods.hello.volumes", "would be refused"}},
		{"invalid options", []string{"--options", "bad.json"}, false, 1,
			[]string{"hello.count", "Nothing was installed or changed"}},
		{"unknown version", []string{"--package-version", "9.9"}, false, 1, []string{"Version [9.9]"}},
	}
	var transcript strings.Builder
	for _, s := range steps {
		if s.target {
			js := targetOf(t, installed)
			target.Store(&js)
		} else {
			target.Store(nil)
		}
		args := []string{"update", "start", "--name", "hello-world", "--dry-run"}
		for _, a := range s.args {
			if files[a] != "" {
				a = filepath.Join(dir, a)
			}
			args = append(args, a)
		}
		out, errOut, code := runAs(t, "kennel", append(args, common...)...)
		if code != s.code {
			t.Errorf("%s: exit %d, want %d\n%s%s", s.name, code, s.code, out, errOut)
		}
		for _, w := range s.want {
			if !strings.Contains(out+errOut, w) {
				t.Errorf("%s: the output does not say %q:\n%s%s", s.name, w, out, errOut)
			}
		}
		if got := fake.takeWrites(); len(got) != 0 {
			t.Errorf("%s: the dry run changed Marathon: %v", s.name, got)
		}
		fmt.Fprintf(&transcript, "$ kennel update start --name hello-world --dry-run %s\n%s%s(exit %d)\n\n", strings.Join(s.args, " "), out, errOut, code)
	}
	fake.mu.Lock()
	if fmt.Sprint(fake.apps["/hello-world"]) != fmt.Sprint(installed) {
		t.Error("the app changed")
	}
	fake.mu.Unlock()
	if st, err := os.Stat(artifacts); err != nil || !st.ModTime().Equal(published.ModTime()) {
		t.Errorf("the dry run republished the artifacts: %v", err)
	}
	text := strings.ReplaceAll(transcript.String(), dir+string(filepath.Separator), "")
	text = strings.ReplaceAll(text, marathon.URL, "MARATHON")
	text = strings.ReplaceAll(text, scheduler.URL, "SCHEDULER")
	golden(t, "update-dry-run.golden", text)
}

// TestUpdateDryRunGuard: a dry run that lowers the Kafka service's
// brokers.count asks the scheduler's decommission check about the brokers
// it removes and shows its refusal as the scheduler's (exit 1); a
// scheduler that cannot tell is said so, and the preview stands.
func TestUpdateDryRunGuard(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	var asked atomic.Pointer[string]
	var refuse atomic.Bool
	scheduler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/decommission-check" {
			q := r.URL.RawQuery
			asked.Store(&q)
			if !refuse.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = io.WriteString(w, "cannot check: no broker answers\n")
				return
			}
			_, _ = io.WriteString(w, `{"refusals": ["pods.kafka.count: cannot remove brokers 3 while they hold replicas (broker 3 holds 2 replicas)"]}`)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(scheduler.Close)
	fake := &marathonFake{apps: map[string]map[string]any{}, schedulerURL: scheduler.URL}
	marathon := httptest.NewServer(fake)
	t.Cleanup(marathon.Close)
	for name, text := range map[string]string{"install.json": `{"brokers": {"count": 4}}`, "down.json": `{"brokers": {"count": 3}}`} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	common := []string{"--marathon", marathon.URL, "--repo", "../../examples", "--data-dir", filepath.Join(dir, "data"), "--master", "http://127.0.0.1:5050"}
	out, errOut, code := runAs(t, "kennel", append([]string{"package", "install", "kafka", "--yes", "--options", filepath.Join(dir, "install.json")}, common...)...)
	if code != 0 {
		t.Fatalf("install: exit %d\n%s%s", code, out, errOut)
	}
	fake.takeWrites()
	args := append([]string{"update", "start", "--name", "kafka", "--dry-run", "--options", filepath.Join(dir, "down.json")}, common...)

	out, errOut, code = runAs(t, "kennel", args...)
	if code != 0 || !strings.Contains(out, "kafka-3  decommission") ||
		!strings.Contains(errOut, "The scheduler could not say whether it may remove kafka-3") {
		t.Errorf("scheduler cannot tell: exit %d\n%s%s", code, out, errOut)
	}
	refuse.Store(true)
	out, errOut, code = runAs(t, "kennel", args...)
	if code != 1 || !strings.Contains(out, "cannot remove brokers 3 while they hold replicas") || !strings.Contains(errOut, "would be refused") {
		t.Errorf("refused: exit %d\n%s%s", code, out, errOut)
	}
	if q := asked.Load(); q == nil || *q != "instance=kafka-3" {
		t.Errorf("asked the scheduler about %v, want instance=kafka-3", q)
	}
	if got := fake.takeWrites(); len(got) != 0 {
		t.Errorf("the dry run changed Marathon: %v", got)
	}
}
