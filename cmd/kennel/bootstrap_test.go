package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kennel-sdk/kennel/executor/bootstrap"
	"github.com/kennel-sdk/kennel/scheduler"
	"github.com/kennel-sdk/kennel/scheduler/offer"
)

// clearTemplateEnv unsets every CONFIG_TEMPLATE_* variable for the test.
func clearTemplateEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, bootstrap.Prefix) || k == bootstrap.EnvURLVariable {
			t.Setenv(k, "") // restores the old value when the test ends
			os.Unsetenv(k)
		}
	}
}

func TestBootstrapCommand(t *testing.T) {
	for _, tc := range []struct {
		name      string
		env       map[string]string
		useFlag   bool   // pass --dir rather than MESOS_SANDBOX
		wantOut   string // exact stdout
		wantFile  string // contents of out/conf.properties; "" = must not exist
		wantErr   []string
		wantIsErr error
	}{
		{
			name:    "no templates",
			useFlag: true,
		},
		{
			name: "renders with --dir",
			env: map[string]string{
				"CONFIG_TEMPLATE_CONF": "config-templates/conf,out/conf.properties",
				"BROKER_ID":            "7",
				"LISTENERS":            "a&b<c>",
			},
			useFlag:  true,
			wantOut:  "rendered config-templates/conf -> out/conf.properties (29 bytes)\n",
			wantFile: "broker.id=7\nlisteners=a&b<c>\n",
		},
		{
			name: "sandbox from MESOS_SANDBOX",
			env: map[string]string{
				"CONFIG_TEMPLATE_CONF": "config-templates/conf,out/conf.properties",
				"BROKER_ID":            "8",
				"LISTENERS":            "x",
			},
			wantOut:  "rendered config-templates/conf -> out/conf.properties (24 bytes)\n",
			wantFile: "broker.id=8\nlisteners=x\n",
		},
		{
			name: "missing variables and a malformed variable",
			env: map[string]string{
				"CONFIG_TEMPLATE_CONF": "config-templates/conf,out/conf.properties",
				"CONFIG_TEMPLATE_BAD":  "no-comma",
			},
			useFlag: true,
			wantErr: []string{
				`CONFIG_TEMPLATE_BAD="no-comma": want <src>,<dest>`,
				"config-templates/conf:1:11: BROKER_ID: not set in the task environment",
				"config-templates/conf:2:11: LISTENERS: not set in the task environment",
			},
			wantIsErr: bootstrap.ErrMissing,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearTemplateEnv(t)
			dir := t.TempDir()
			tmpl := filepath.Join(dir, "config-templates", "conf")
			if err := os.MkdirAll(filepath.Dir(tmpl), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(tmpl, []byte("broker.id={{BROKER_ID}}\nlisteners={{LISTENERS}}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			args := []string{"--dir", dir}
			if !tc.useFlag {
				t.Setenv("MESOS_SANDBOX", dir)
				args = nil
			}
			cmd := bootstrapCommand()
			cmd.SilenceUsage, cmd.SilenceErrors = true, true // as the root command does
			var stdout bytes.Buffer
			cmd.SetOut(&stdout)
			cmd.SetErr(&bytes.Buffer{})
			cmd.SetArgs(args)
			err := cmd.Execute()
			if tc.wantErr == nil && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tc.wantErr != nil && err == nil {
				t.Fatalf("no error, want %q", tc.wantErr)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if tc.wantIsErr != nil && !errors.Is(err, tc.wantIsErr) {
				t.Errorf("error %v does not wrap %v", err, tc.wantIsErr)
			}
			var status statusError
			if tc.wantErr != nil && (!errors.As(err, &status) || status.code != bootstrap.ExitCode) {
				t.Errorf("error %v does not exit with status %d", err, bootstrap.ExitCode)
			}
			if got := stdout.String(); got != tc.wantOut {
				t.Errorf("stdout = %q, want %q", got, tc.wantOut)
			}
			got, err := os.ReadFile(filepath.Join(dir, "out", "conf.properties"))
			switch {
			case tc.wantFile == "" && !errors.Is(err, fs.ErrNotExist):
				t.Errorf("output exists (%q, %v), want it not written", got, err)
			case tc.wantFile != "" && string(got) != tc.wantFile:
				t.Errorf("output = %q (%v), want %q", got, err, tc.wantFile)
			}
		})
	}
}

func TestBootstrapCommandRejectsArgs(t *testing.T) {
	cmd := bootstrapCommand()
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SetArgs([]string{"extra"})
	if err := cmd.Execute(); err == nil {
		t.Fatal("bootstrap accepted a positional argument")
	}
}

// TestBootstrapExitCodeIsTheSchedulers: the scheduler explains a task's exit
// with the status `kennel bootstrap` fails with.
func TestBootstrapExitCodeIsTheSchedulers(t *testing.T) {
	if bootstrap.ExitCode != offer.BootstrapExitCode {
		t.Fatalf("kennel bootstrap exits with %d, the scheduler explains %d", bootstrap.ExitCode, offer.BootstrapExitCode)
	}
	if bootstrap.EnvURLVariable != scheduler.EnvURLVariable {
		t.Fatalf("kennel bootstrap reads %s, the scheduler sets %s", bootstrap.EnvURLVariable, scheduler.EnvURLVariable)
	}
}

// TestBootstrapFetchesPendingEnv: with KENNEL_ENV_URL the values the
// scheduler had pending are fetched and rendered over the task's
// environment; an instance the scheduler does not know fails the
// bootstrap with its exit code.
func TestBootstrapFetchesPendingEnv(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/artifacts/env/kafka-0" {
			http.Error(w, "Pod instance has no environment values", http.StatusNotFound)
			return
		}
		fmt.Fprint(w, `{"values":{"LISTENERS":"PLAINTEXT://:9092"}}`)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		path, want string
		fails      bool
	}{
		{path: "/v1/artifacts/env/kafka-0", want: "broker.id=3\nlisteners=PLAINTEXT://:9092\n"},
		{path: "/v1/artifacts/env/kafka-9", fails: true},
	} {
		t.Run(tc.path, func(t *testing.T) {
			clearTemplateEnv(t)
			dir := t.TempDir()
			tmpl := filepath.Join(dir, "config-templates", "conf")
			if err := os.MkdirAll(filepath.Dir(tmpl), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(tmpl, []byte("broker.id={{BROKER_ID}}\nlisteners={{LISTENERS}}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Setenv("CONFIG_TEMPLATE_CONF", "config-templates/conf,out/conf.properties")
			t.Setenv("BROKER_ID", "3")
			t.Setenv("LISTENERS", "stale")
			t.Setenv(bootstrap.EnvURLVariable, srv.URL+tc.path)
			cmd := bootstrapCommand()
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			cmd.SetArgs([]string{"--dir", dir, "--env-wait", "1m"})
			err := cmd.Execute()
			var status statusError
			if tc.fails {
				if !errors.As(err, &status) || status.code != bootstrap.ExitCode {
					t.Fatalf("error %v, want exit status %d", err, bootstrap.ExitCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dir, "out", "conf.properties"))
			if string(got) != tc.want {
				t.Errorf("rendered %q (%v), want %q", got, err, tc.want)
			}
		})
	}
}
