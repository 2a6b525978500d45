package chaos_test

import (
	"os"
	"path/filepath"
	"testing"
)

// TestOwners: the checkers find an instance's disk by what its tasks
// wrote there, and count its ONCE runs; a disk of no instance is -1.
func TestOwners(t *testing.T) {
	tests := []struct {
		name      string
		owner     func(string) (int, int)
		files     map[string]string
		instance  int
		onceRuns  int
		clusterID string
	}{
		{"hello, initialised once", helloOwner, map[string]string{"greetings/init.log": "hello-1 initialised\n",
			"greetings/server.log": "hi from hello-1-server\n"}, 1, 1, ""},
		{"hello, initialised twice", helloOwner, map[string]string{"greetings/init.log": "hello-0 initialised at x\nhello-0 initialised at y\n"}, 0, 2, ""},
		{"hello, replaced: no init", helloOwner, map[string]string{"greetings/server.log": "2026 hello from hello-2-server\n"}, 2, 0, ""},
		{"hello, empty disk", helloOwner, nil, -1, 0, ""},
		{"kafka broker", kafkaOwner, map[string]string{"logs/meta.properties": "#\nversion=1\nnode.id=2\ncluster.id=AbC\n"}, 2, -1, "AbC"},
		{"kafka, unformatted", kafkaOwner, map[string]string{"logs/other": "x"}, -1, -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			disk := t.TempDir()
			for name, body := range tt.files {
				path := filepath.Join(disk, name)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			instance, runs := tt.owner(disk)
			if instance != tt.instance || runs != tt.onceRuns {
				t.Errorf("owner = %d, %d runs; want %d, %d", instance, runs, tt.instance, tt.onceRuns)
			}
			if tt.clusterID != "" {
				if id, err := kafkaClusterID(disk); err != nil || id != tt.clusterID {
					t.Errorf("cluster id = %q, %v; want %q", id, err, tt.clusterID)
				}
			}
		})
	}
}
