package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// localUp is a "kennel local up --service" the test runs on ports of the
// discovery block, and the CLI pointed at its data dir.
type localUp struct {
	t         *testing.T
	bin, data string
	apiURL    string
	// env is the environment of the CLI commands: $KENNEL_DATA_DIR is the
	// cluster's data dir.
	env    []string
	cmd    *exec.Cmd
	exited chan struct{}
}

// startLocalUp runs "kennel local up --service svc" on one agent with
// its data in data, the extra arguments after, and returns once its
// scheduler serves. The cluster stops at the test's end if stop was not
// called.
func startLocalUp(t *testing.T, svc, data string, extra ...string) *localUp {
	t.Helper()
	bin := kennelBinary(t)
	masterPort := blockPort(t, "127.0.0.1")
	apiPort := blockPort(t, "127.0.0.1", masterPort)
	agentPort := blockPort(t, "127.0.1.1", masterPort, apiPort)
	args := append([]string{"local", "up", "--service", svc, "--data-dir", data, "--port", strconv.Itoa(masterPort),
		"--agent-port", strconv.Itoa(agentPort), "--api-port", strconv.Itoa(apiPort), "--agents", "1",
		"--no-marathon", "--time-scale", "0.05"}, extra...)
	up := &localUp{t: t, bin: bin, data: data, apiURL: fmt.Sprintf("http://127.0.0.1:%d", apiPort),
		env: append(os.Environ(), "KENNEL_DATA_DIR="+data, "KENNEL_MESOS_MASTER=", "KENNEL_URL="),
		cmd: exec.Command(bin, args...), exited: make(chan struct{})}
	up.cmd.Env = append(os.Environ(), "KENNEL_DATA_DIR=", "KENNEL_MESOS_MASTER=")
	stdout, err := up.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := up.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = up.cmd.Wait(); close(up.exited) }()
	t.Cleanup(func() {
		up.stop()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(data, "local.log"))
			t.Logf("local up's log:\n%s", b)
		}
	})
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		close(lines)
	}()
	for seen := false; !seen; {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("local up exited before its scheduler served")
			}
			seen = strings.HasPrefix(line, up.apiURL)
		case <-time.After(60 * time.Second):
			t.Fatalf("local up did not print %s in 60s", up.apiURL)
		}
	}
	return up
}

// stop stops local up with SIGTERM, as Ctrl-C would, and waits until it
// has exited (killing it after 30 s).
func (up *localUp) stop() {
	_ = up.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-up.exited:
	case <-time.After(30 * time.Second):
		_ = up.cmd.Process.Kill()
		<-up.exited
	}
}

// cli runs kennel with args and returns its combined output and exit code.
func (up *localUp) cli(args ...string) (string, int) {
	up.t.Helper()
	cmd := exec.Command(up.bin, args...)
	cmd.Env = up.env
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); ok {
		return string(out), exit.ExitCode()
	} else if err != nil {
		up.t.Fatal(err)
	}
	return string(out), 0
}

// eventually waits until cond holds, failing the test after 90 s.
func (up *localUp) eventually(what string, cond func() bool) {
	up.t.Helper()
	for deadline := time.Now().Add(90 * time.Second); !cond(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			up.t.Fatalf("%s: not within 90s", what)
		}
	}
}
