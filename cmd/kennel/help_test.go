package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestHelpPages compares every command's --help with its golden file
// under testdata/golden/help (-update rewrites them), and checks that
// every page has an Examples section.
func TestHelpPages(t *testing.T) {
	// Flag defaults that come from the environment print as set here.
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		for _, prefix := range []string{"KENNEL_", "DCOS_", "MARATHON_", "KAFKA_", "SERVICE_", "MESOS_", "PORT"} {
			if strings.HasPrefix(k, prefix) {
				t.Setenv(k, "")
			}
		}
	}
	var paths [][]string
	walk(newRootCommand(), func(c *cobra.Command) {
		if c.Hidden {
			return
		}
		path := strings.Fields(c.CommandPath())[1:]
		paths = append(paths, path)
		if c.Example == "" {
			t.Errorf("%s has no examples", c.CommandPath())
		}
	})
	if len(paths) < 60 {
		t.Errorf("only %d help pages", len(paths))
	}
	for _, path := range paths {
		name := strings.Join(append([]string{"kennel"}, path...), "-")
		t.Run(name, func(t *testing.T) {
			out, errOut, code := run(t, append(path, "--help")...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden(t, filepath.Join("help", name+".golden"), out)
		})
	}
}
