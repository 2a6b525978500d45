package executor

import (
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	full := map[string]string{
		"MESOS_FRAMEWORK_ID":                   "fw",
		"MESOS_EXECUTOR_ID":                    "ex",
		"MESOS_AGENT_ENDPOINT":                 "127.0.0.1:5051",
		"MESOS_SANDBOX":                        "/sandbox",
		"MESOS_DIRECTORY":                      "/directory",
		"MESOS_CHECKPOINT":                     "1",
		"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "7secs",
		"MESOS_RECOVERY_TIMEOUT":               "2mins",
		"MESOS_SUBSCRIPTION_BACKOFF_MAX":       "250ms",
	}
	with := func(changes map[string]string) map[string]string {
		env := map[string]string{}
		for k, v := range full {
			env[k] = v
		}
		for k, v := range changes {
			env[k] = v
		}
		return env
	}
	for _, tc := range []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr []string // substrings of the error
	}{
		{
			name: "every variable",
			env:  full,
			want: Config{FrameworkID: "fw", ExecutorID: "ex", AgentEndpoint: "127.0.0.1:5051", Sandbox: "/sandbox", Checkpoint: true,
				ShutdownGracePeriod: 7 * time.Second, RecoveryTimeout: 2 * time.Minute, SubscriptionBackoffMax: 250 * time.Millisecond},
		},
		{
			name: "defaults and MESOS_DIRECTORY",
			env: with(map[string]string{"MESOS_SANDBOX": "", "MESOS_CHECKPOINT": "", "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "",
				"MESOS_RECOVERY_TIMEOUT": "", "MESOS_SUBSCRIPTION_BACKOFF_MAX": ""}),
			want: Config{FrameworkID: "fw", ExecutorID: "ex", AgentEndpoint: "127.0.0.1:5051", Sandbox: "/directory",
				ShutdownGracePeriod: 5 * time.Second, RecoveryTimeout: 15 * time.Minute, SubscriptionBackoffMax: 2 * time.Second},
		},
		{
			name: "fractional durations and checkpoint off",
			env:  with(map[string]string{"MESOS_CHECKPOINT": "0", "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "1.5secs", "MESOS_RECOVERY_TIMEOUT": "0.5hrs"}),
			want: Config{FrameworkID: "fw", ExecutorID: "ex", AgentEndpoint: "127.0.0.1:5051", Sandbox: "/sandbox",
				ShutdownGracePeriod: 1500 * time.Millisecond, RecoveryTimeout: 30 * time.Minute, SubscriptionBackoffMax: 250 * time.Millisecond},
		},
		{name: "missing framework", env: with(map[string]string{"MESOS_FRAMEWORK_ID": ""}), wantErr: []string{"MESOS_FRAMEWORK_ID"}},
		{name: "missing executor", env: with(map[string]string{"MESOS_EXECUTOR_ID": ""}), wantErr: []string{"MESOS_EXECUTOR_ID"}},
		{name: "missing endpoint", env: with(map[string]string{"MESOS_AGENT_ENDPOINT": ""}), wantErr: []string{"MESOS_AGENT_ENDPOINT"}},
		{name: "missing sandbox", env: with(map[string]string{"MESOS_SANDBOX": "", "MESOS_DIRECTORY": ""}), wantErr: []string{"MESOS_SANDBOX"}},
		{name: "bad checkpoint", env: with(map[string]string{"MESOS_CHECKPOINT": "maybe"}), wantErr: []string{"MESOS_CHECKPOINT"}},
		{name: "bad grace unit", env: with(map[string]string{"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "5s"}), wantErr: []string{"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "5s"}},
		{name: "bad recovery", env: with(map[string]string{"MESOS_RECOVERY_TIMEOUT": "soon"}), wantErr: []string{"MESOS_RECOVERY_TIMEOUT"}},
		{name: "zero backoff", env: with(map[string]string{"MESOS_SUBSCRIPTION_BACKOFF_MAX": "0secs"}), wantErr: []string{"MESOS_SUBSCRIPTION_BACKOFF_MAX", "positive"}},
		{name: "everything missing", env: map[string]string{}, wantErr: []string{"MESOS_FRAMEWORK_ID", "MESOS_EXECUTOR_ID", "MESOS_AGENT_ENDPOINT", "MESOS_SANDBOX"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ConfigFromEnv(func(k string) string { return tc.env[k] })
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("ConfigFromEnv = %+v, want an error", got)
				}
				for _, s := range tc.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("ConfigFromEnv: %v", err)
			}
			if got != tc.want {
				t.Errorf("ConfigFromEnv = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseMesosDuration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"10ns", 10, true},
		{"3us", 3 * time.Microsecond, true},
		{"250ms", 250 * time.Millisecond, true},
		{"5secs", 5 * time.Second, true},
		{"0.5secs", 500 * time.Millisecond, true},
		{"2mins", 2 * time.Minute, true},
		{"1.5hrs", 90 * time.Minute, true},
		{"1days", 24 * time.Hour, true},
		{"2weeks", 14 * 24 * time.Hour, true},
		{" 5secs ", 5 * time.Second, true},
		{"5", 0, false},
		{"5s", 0, false},
		{"secs", 0, false},
		{"-5secs", 0, false},
		{"", 0, false},
	} {
		got, err := parseMesosDuration(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseMesosDuration(%q) = %s, %v; want %s, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// FuzzConfigFromEnv feeds arbitrary values to every variable: the parser
// never panics, and what it accepts is complete and has positive durations.
func FuzzConfigFromEnv(f *testing.F) {
	f.Add("fw", "ex", "127.0.0.1:5051", "/tmp/s", "1", "5secs", "15mins", "250ms")
	f.Add("", "", "", "", "2", "5", "-1secs", "1.5hrs")
	f.Fuzz(func(t *testing.T, fw, ex, endpoint, sandbox, checkpoint, grace, recovery, backoff string) {
		env := map[string]string{
			"MESOS_FRAMEWORK_ID": fw, "MESOS_EXECUTOR_ID": ex, "MESOS_AGENT_ENDPOINT": endpoint,
			"MESOS_SANDBOX": sandbox, "MESOS_CHECKPOINT": checkpoint,
			"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": grace, "MESOS_RECOVERY_TIMEOUT": recovery,
			"MESOS_SUBSCRIPTION_BACKOFF_MAX": backoff,
		}
		cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
		if err != nil {
			return
		}
		if cfg.FrameworkID == "" || cfg.ExecutorID == "" || cfg.AgentEndpoint == "" || cfg.Sandbox == "" {
			t.Fatalf("accepted an incomplete config: %+v", cfg)
		}
		if cfg.ShutdownGracePeriod <= 0 || cfg.RecoveryTimeout <= 0 || cfg.SubscriptionBackoffMax <= 0 {
			t.Fatalf("accepted a non-positive duration: %+v", cfg)
		}
	})
}
